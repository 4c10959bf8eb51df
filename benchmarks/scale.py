"""Scale-out on one machine: a synthetic collection of 1M passages in seven languages, encoded
and indexed in bounded memory, with Ray against the single-process path, and IVF-PQ against
exact search.

Phases (each in its own process, so that each peak RSS is its own):
  generate   1M passages written as TSV (words drawn from XQuAD-R's sentences in ar, de, en,
             es, hi, vi, zh, by their frequency) and registered in ir_datasets, which streams it.
  encode     every passage encoded into chunk files (this process, streamed from ir_datasets),
             then an IVF-PQ index built from them: peak RSS, throughput.
  bm25       Lucene's multi-threaded indexer (pyserini) over the same stream, one index per
             language: peak RSS (the JVM included), throughput.
  engines    the first `--engine-chunks` chunks encoded by the single-process path, by Ray with
             1 worker and by Ray with 2 workers: texts/s, Ray's overhead, identical vectors.
  search     1,000 synthetic queries: exact search (faiss flat) against IVF-PQ at several
             nprobe, with and without exact re-scoring: recall@100 and time per query.
  me5        the full me5-small on 2,048 passages in this process: texts/s and tokens/s per
             CPU worker, the basis of the written projection for mMARCO.

The encoder of the 1M pass is me5-small cut to its first layer (its real embeddings and first
layer, 384 dimensions): the full model would take about two hours per million passages on
2 cores. It makes the memory, streaming and index figures real at 1M, and it keeps the run
under an hour. The full model's throughput is measured separately (phase me5).

Its targets (memory, Ray's overhead, identical vectors) are in benchmarks/expected/scale.yaml,
checked at the end of the run.
Run: `make bench-scale`, or `python -m benchmarks.scale` (about 40 minutes on 2 cores). Smoke:
`--docs 20000`.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, check_expected, peak_rss_mb, write_json
from benchmarks.mlqa import LANGS  # the MLQA-R languages

DATASET = "clirbench-bench/synthetic"


# ---- the collection ----------------------------------------------------------------------

def vocabularies() -> dict[str, tuple[list[str], np.ndarray]]:
    """Each language's words (characters for zh) in XQuAD-R's sentences, with the cumulative
    distribution of their frequency."""
    import ir_datasets

    from clirbench.data import register_all

    register_all()
    out = {}
    for lang in LANGS:
        counts: dict[str, int] = {}
        for doc in ir_datasets.load(f"clirbench/xquad-r/{lang}").docs_iter():
            for word in (list(doc.text.replace(" ", "")) if lang == "zh" else doc.text.split()):
                counts[word] = counts.get(word, 0) + 1
        words = list(counts)
        freq = np.array([counts[w] for w in words], dtype=np.float64)
        out[lang] = (words, np.cumsum(freq) / freq.sum())
    return out


def generate(path: Path, docs: int, queries: int, seed: int = 0) -> None:
    """`docs` passages (12 to 40 words, languages in turn) and `queries` queries (4 to 10 words)."""
    vocab = vocabularies()
    rng = np.random.default_rng(seed)
    joiner = {lang: ("" if lang == "zh" else " ") for lang in LANGS}

    def text(lang: str, low: int, high: int) -> str:
        words, cdf = vocab[lang]
        n = int(rng.integers(low, high + 1)) * (2 if lang == "zh" else 1)  # characters, not words
        picks = np.minimum(np.searchsorted(cdf, rng.random(n)), len(words) - 1)
        return joiner[lang].join(words[i] for i in picks)

    tmp = path.with_suffix(".partial")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(docs):
            lang = LANGS[i % len(LANGS)]
            f.write(f"{lang}-{i:07d}\t{text(lang, 12, 40)}\n")
    tmp.replace(path)
    rows = [(f"q{i:05d}", LANGS[i % len(LANGS)]) for i in range(queries)]
    with open(path.with_name("queries.tsv"), "w", encoding="utf-8") as f:
        for qid, lang in rows:
            f.write(f"{qid}\t{lang}\t{text(lang, 4, 10)}\n")


def register(path: Path) -> None:
    import ir_datasets
    from ir_datasets.formats import TsvDocs
    from ir_datasets.util import LocalDownload

    if DATASET not in ir_datasets.registry:
        ir_datasets.registry.register(DATASET, ir_datasets.Dataset(
            TsvDocs(LocalDownload(path, mkdir=False), namespace=DATASET)))


def stream(path: Path, limit: int | None = None, lang: str | None = None):
    """(doc_id, text) from ir_datasets, one at a time."""
    import ir_datasets

    register(path)
    for i, doc in enumerate(ir_datasets.load(DATASET).docs_iter()):
        if limit is not None and i == limit:
            return
        if lang is None or doc.doc_id.startswith(lang + "-"):
            yield doc.doc_id, doc.text


# ---- the encoders ------------------------------------------------------------------------

def first_layer_model(work: Path) -> Path:
    """me5-small's embeddings and first layer, saved as a model folder."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from clirbench.weights.me5_small import install_dir

    folder = work / "me5-small-layer1"
    if not (folder / "config.json").exists():
        hf_logging.set_verbosity_error()
        AutoModel.from_pretrained(install_dir(), num_hidden_layers=1, add_pooling_layer=False).save_pretrained(folder)
        AutoTokenizer.from_pretrained(install_dir()).save_pretrained(folder)
    return folder


def encoder(model: Path, batch_size: int = 64):
    from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings

    return HFEncoder(HFEncoderSettings(model=str(model), name="me5-small-layer1", query_prefix="query: ",
                                       passage_prefix="passage: ", max_length=128, batch_size=batch_size))


def encode_folder(path: Path, model: Path, folder: Path, engine_name: str, workers: int | None,
                  limit: int | None) -> dict:
    from clirbench.systems.dense.engines import make_engine
    from clirbench.systems.dense.retriever import DenseRetriever

    engine = make_engine(engine_name, workers=workers)
    if engine_name == "ray":
        engine.connect()  # an engine users already run: its start is not part of the job
    retriever = DenseRetriever(encoder(model), folder.parent / "query-cache", engine=engine)
    start = time.perf_counter()
    retriever.build_index(stream(path, limit), "multi", folder)
    seconds = time.perf_counter() - start
    return {"docs": retriever.documents_encoded, "seconds": seconds,
            "texts_per_s": retriever.documents_encoded / seconds}


# ---- phases (each runs in a process of its own) ------------------------------------------

def phase_encode(args) -> dict:
    from clirbench.systems.dense.faiss_search import open_vector_index

    import shutil

    folder = args.work / "vectors"
    shutil.rmtree(folder, ignore_errors=True)  # measured from nothing
    out = encode_folder(args.work / "docs.tsv", first_layer_model(args.work), folder, "local", None, None)
    out["peak_rss_mb_encoding"] = peak_rss_mb()
    start = time.perf_counter()
    index, ids = open_vector_index(folder, "ivfpq", 384)
    out["ivfpq_build_seconds"] = time.perf_counter() - start
    out["ivfpq"] = {"nlist": index.index.nlist, "code_bytes": index.index.code_size, "vectors": index.ntotal}
    out["peak_rss_mb"] = peak_rss_mb()
    out["vectors_on_disk_mb"] = sum(p.stat().st_size for p in folder.glob("chunk-*.npy")) / 2**20
    return out


def phase_bm25(args) -> dict:
    from clirbench.systems.bm25_lucene import LuceneBM25

    bm25, total, start = LuceneBM25(), 0, time.perf_counter()
    for lang in LANGS:
        counted = []
        docs = ((counted.append(1) or d) for d in stream(args.work / "docs.tsv", lang=lang))
        bm25.build_index(docs, lang, args.work / "bm25" / lang)
        total += len(counted)
    seconds = time.perf_counter() - start
    return {"docs": total, "seconds": seconds, "docs_per_s": total / seconds, "peak_rss_mb": peak_rss_mb(),
            "threads": os.cpu_count()}


def phase_engine(args) -> dict:
    import shutil

    folder = args.work / f"engine-{args.engine}-{args.workers or 0}"
    shutil.rmtree(folder, ignore_errors=True)
    out = encode_folder(args.work / "docs.tsv", first_layer_model(args.work), folder, args.engine, args.workers,
                        args.engine_chunks * 4096)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def phase_search(args) -> dict:
    import faiss

    from clirbench.systems.dense import ivfpq
    from clirbench.systems.dense.faiss_search import open_vector_index

    folder = args.work / "vectors"
    model = encoder(first_layer_model(args.work))
    lines = [line.split("\t") for line in (args.work / "queries.tsv").read_text(encoding="utf-8").splitlines()]
    queries = np.concatenate([model.encode_queries([t for _, lg, t in lines if lg == lang], lang) for lang in LANGS])
    k = 100
    flat, _ = open_vector_index(folder, "flat", 384)
    start = time.perf_counter()
    _, exact = flat.search(queries, k)
    flat_ms = (time.perf_counter() - start) * 1000 / len(queries)
    del flat
    rescored, _ = open_vector_index(folder, "ivfpq", 384)
    rows = []
    for nprobe in [16, 32, 64, 128, 256]:
        for rescore in [False, True]:
            rescored.nprobe = nprobe
            rescored.index.nprobe = nprobe
            start = time.perf_counter()
            if rescore:
                _, found = rescored.search(queries, k)
            else:
                _, found = rescored.index.search(queries, k)
            ms = (time.perf_counter() - start) * 1000 / len(queries)
            recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact.tolist(), found.tolist())]))
            rows.append({"nprobe": nprobe, "rescored": rescore, "recall_at_100": recall, "ms_per_query": ms})
    return {"queries": len(queries), "flat_ms_per_query": flat_ms, "ivfpq": rows,
            "default_nprobe": ivfpq.DEFAULT_NPROBE, "rescore_factor": ivfpq.RESCORE,
            "faiss_threads": faiss.omp_get_max_threads(), "peak_rss_mb": peak_rss_mb()}


def phase_me5(args) -> dict:
    from clirbench.weights.me5_small import me5_small
    from clirbench.systems.dense.flops import encoder_flops

    texts = [t for _, t in stream(args.work / "docs.tsv", 2048)]
    model = me5_small(batch_size=64)
    from clirbench.systems.dense.batching import encode_sorted

    model.encode_documents(texts[:8], "multi")  # load before timing
    start = time.perf_counter()
    encode_sorted(model.encode_documents, texts, "multi", 64, "me5-small")
    seconds = time.perf_counter() - start
    tokenizer = model._tokenizer
    lengths = [len(ids) for ids in tokenizer(["passage: " + t for t in texts], truncation=True,
                                              max_length=model.max_length)["input_ids"]]
    flops = encoder_flops(model._model.config, lengths)
    return {"flop_per_passage_at_78_tokens": encoder_flops(model._model.config, [78]),"texts": len(texts), "seconds": seconds, "texts_per_s": len(texts) / seconds,
            "tokens_per_text": float(np.mean(lengths)), "gflops_per_s": flops / seconds / 1e9,
            "precision": model.precision}


PHASES = {"encode": phase_encode, "bm25": phase_bm25, "engine": phase_engine, "search": phase_search,
          "me5": phase_me5}


def run_phase(args, phase: str, **extra) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.scale", "--phase", phase, "--work", str(args.work), "--docs", str(args.docs),
           "--engine-chunks", str(args.engine_chunks)]
    for key, value in extra.items():
        cmd += [f"--{key}", str(value)]
    print(f"[{time.strftime('%H:%M:%S')}] {phase} {extra or ''}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print("   ", json.dumps(out), flush=True)
    return out


def same_chunks(a: Path, b: Path) -> tuple[int, int, float]:
    """(chunks compared, chunks bit-identical, largest absolute difference)."""
    from clirbench.systems.dense.vector_store import read_doc_vectors

    compared = same = 0
    worst = 0.0
    for (ids_a, va), (ids_b, vb) in zip(read_doc_vectors(a), read_doc_vectors(b)):
        assert ids_a == ids_b
        compared += 1
        same += bool(np.array_equal(va, vb))
        worst = max(worst, float(np.max(np.abs(np.asarray(va) - np.asarray(vb)))))
    return compared, same, worst


def projection(me5: dict, workers_cpu: int = 16) -> dict:
    """mMARCO's 14 languages on k workers, from the measured CPU throughput, and on GPUs from
    the FLOP count at stated utilisations (a projection: no GPU was measured here)."""
    passages = 8_841_823 * 14
    tokens = 78  # assumed mean XLM-R tokens of an MS MARCO passage with its prefix (not measured here)
    flops = passages * me5["flop_per_passage_at_78_tokens"]
    cpu_hours = passages / (me5["texts_per_s"] * me5["tokens_per_text"] / tokens) / 3600
    gpu = {f"{u:.0%} of 989 TFLOP/s (H100 bf16 dense)": flops / (989e12 * u) / 3600 for u in (0.1, 0.3)}
    return {"passages": passages, "assumed_tokens_per_passage": tokens, "total_pflop": flops / 1e15,
            "hours_one_2core_cpu_worker": cpu_hours,
            f"hours_{workers_cpu}_2core_cpu_workers": cpu_hours / workers_cpu,
            "hours_one_gpu_at": gpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--engine-chunks", type=int, default=16, help="chunks of 4,096 in the engine comparison")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clirbench-scale"))
    parser.add_argument("--skip", nargs="*", default=[], choices=list(PHASES), help="phases to leave out")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work = args.work.resolve()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    docs_file = args.work / "docs.tsv"
    stamp = args.work / "generated.json"
    wanted = {"docs": args.docs, "queries": args.queries}
    if not stamp.exists() or json.loads(stamp.read_text()) != wanted:
        print(f"generating {args.docs:,} passages in {args.work}", flush=True)
        generate(docs_file, args.docs, args.queries)
        stamp.write_text(json.dumps(wanted))
        for old in ["vectors", "bm25"]:
            subprocess.run(["rm", "-rf", str(args.work / old)])
    out: dict = {"docs": args.docs, "cpus": os.cpu_count()}
    if "engine" not in args.skip:
        engines = {"local": run_phase(args, "engine", engine="local"),
                   "ray-1": run_phase(args, "engine", engine="ray", workers=1),
                   "ray-2": run_phase(args, "engine", engine="ray", workers=2)}
        local = engines["local"]["texts_per_s"]
        for name, figures in engines.items():
            figures["ratio_to_local"] = figures["texts_per_s"] / local
            if name != "local":
                folder = args.work / f"engine-ray-{name[-1]}"
                figures["chunks_compared"], figures["chunks_identical"], figures["max_abs_difference"] = \
                    same_chunks(args.work / "engine-local-0", folder)
        out["engines"] = engines
    for phase in ["encode", "bm25", "search", "me5"]:
        if phase not in args.skip:
            out[phase] = run_phase(args, phase)
    if "me5" in out:
        out["projection"] = projection(out["me5"])
    print(json.dumps(out, indent=2))
    check_expected("scale", out)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
