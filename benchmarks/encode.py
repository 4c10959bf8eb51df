"""Dense encoding with me5-small on MLQA-R candidate sentences: clirbench against
sentence-transformers, measured in one run.

  1. Throughput: the same sentences encoded by `SentenceTransformer.encode` (float32, its own
     length sorting and batching) and by clirbench's encoder path (the DenseRetriever that
     `clirbench run` uses: length-sorted batches, output checks, chunked vector cache), at
     float32 and at clirbench's default precision (bfloat16 autocast on CPUs that have it).
     Each side runs in its own process, so that peak memory (max RSS) is its own; the two
     sides alternate, best of `--repeats`. Ratio = clirbench texts/s / sentence-transformers texts/s.
  2. Cached rerun: `run_task` on the en-en pair twice; the second finds every vector cached.
     Target: under 5% of the first.
  3. Search: faiss IndexFlatIP against torch matmul + topk over the same vectors.

Needs me5-small (`clirbench models install me5-small`) and MLQA-R (CLIRBENCH_LOCAL_DATA).
Run: `make bench-encode` (several minutes on 2 cores).
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LANGS = ["ar", "de", "en", "es", "hi", "vi", "zh"]


def sample_sentences(per_language: int) -> list[tuple[str, str, str]]:
    """(doc_id, text, lang): the first `per_language` candidates of each MLQA-R language."""
    import ir_datasets

    from clirbench.data import register_all

    register_all()
    out = []
    for lang in LANGS:
        for i, doc in enumerate(ir_datasets.load(f"clirbench/mlqa-r/{lang}").docs_iter()):
            if i == per_language:
                break
            out.append((doc.doc_id, doc.text, lang))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side_sentence_transformers(docs, batch_size: int) -> dict:
    from sentence_transformers import SentenceTransformer, models

    from clirbench.models.me5_small import install_dir

    word = models.Transformer(str(install_dir()), max_seq_length=512)
    st = SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension(), "mean"), models.Normalize()],
                             device="cpu")
    loaded = peak_rss_mb()
    start = time.perf_counter()
    vectors = st.encode(["passage: " + text for _, text, _ in docs], batch_size=batch_size, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded, "vectors": vectors}


def side_clirbench(docs, batch_size: int, precision: str) -> dict:
    from clirbench.systems.dense.retriever import DenseRetriever
    from clirbench.models.me5_small import me5_small

    encoder = me5_small(precision=precision, batch_size=batch_size)
    loaded = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        retriever = DenseRetriever(encoder, Path(tmp))
        start = time.perf_counter()
        # As the runner does: one call per document language, into the chunked vector cache.
        for lang in LANGS:
            retriever.build_index(((d, t) for d, t, lg in docs if lg == lang), lang, Path(tmp) / lang)
        seconds = time.perf_counter() - start
        from clirbench.systems.dense.vector_store import read_doc_vectors

        vectors = np.concatenate([v for lang in LANGS for _, v in read_doc_vectors(Path(tmp) / lang)])
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded,
            "precision": encoder.precision, "vectors": vectors}


def run_side(args) -> int:
    docs = sample_sentences(args.per_language)
    if args.side == "st":
        out = side_sentence_transformers(docs, args.batch_size)
    else:
        out = side_clirbench(docs, args.batch_size, args.side.removeprefix("clirbench-"))
    np.save(args.vectors_out, out.pop("vectors"))
    print(json.dumps(out))
    return 0


def measure_side(side: str, args, vectors_out: Path) -> dict:
    cmd = [sys.executable, __file__, "--side", side, "--per-language", str(args.per_language),
           "--batch-size", str(args.batch_size), "--vectors-out", str(vectors_out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{side} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cached_rerun() -> tuple[float, float]:
    from clirbench.models.me5_small import me5_small
    from clirbench.eval.runner import run_task
    from clirbench.tasks import load_task, select_pairs

    spec = load_task("mlqa-r")
    pairs = select_pairs(spec, ["en-en"])
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for _ in range(2):
            start = time.perf_counter()
            run_task(spec, me5_small(), pairs, out_dir=Path(tmp) / "results", force=True, cache_dir=Path(tmp) / "cache")
            times.append(time.perf_counter() - start)
    return times[0], times[1]


def search_speed(doc_vectors: np.ndarray, query_vectors: np.ndarray, k: int = 100) -> tuple[float, float]:
    import faiss
    import torch

    index = faiss.IndexFlatIP(doc_vectors.shape[1])
    index.add(doc_vectors)
    best = [float("inf"), float("inf")]
    for _ in range(3):
        start = time.perf_counter()
        _, faiss_rows = index.search(query_vectors, k)
        best[0] = min(best[0], time.perf_counter() - start)
        start = time.perf_counter()
        with torch.inference_mode():
            _, torch_rows = torch.topk(torch.from_numpy(query_vectors) @ torch.from_numpy(doc_vectors).T, k, dim=1)
        best[1] = min(best[1], time.perf_counter() - start)
    agree = np.mean(faiss_rows[:, 0] == torch_rows[:, 0].numpy())
    print(f"  top-1 agreement faiss vs torch: {agree:.4f}")
    return best[0], best[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300, help="sentences per MLQA-R language (default 300)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--side", choices=["st", "clirbench-float32", "clirbench-auto"], help=argparse.SUPPRESS)
    parser.add_argument("--vectors-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return run_side(args)

    from clirbench.models.me5_small import installed

    if not installed():
        sys.exit("me5-small is not installed: run `clirbench models install me5-small` first")
    n = args.per_language * len(LANGS)
    print(f"me5-small ({installed()['built_from']}) on {n} MLQA-R sentences "
          f"({args.per_language} per language), batch {args.batch_size}, best of {args.repeats}")
    sides = ["st", "clirbench-float32", "clirbench-auto"]
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for side in sides:
                m = measure_side(side, args, Path(tmp) / f"{side}.npy")
                print(f"  {side:<18} run {r + 1}: {n / m['seconds']:7.1f} texts/s, peak RSS {m['peak_rss_mb']:,.0f} MB")
                if side not in best or m["seconds"] < best[side]["seconds"]:
                    best[side] = m
        st = np.load(Path(tmp) / "st.npy")
        cosines = {side: float(np.min(np.sum(st * np.load(Path(tmp) / f"{side}.npy"), axis=1))) for side in sides[1:]}
        doc_vectors = np.load(Path(tmp) / "clirbench-float32.npy")
    print(f"\n{'side':<26} {'texts/s':>8} {'ratio':>6} {'peak RSS MB':>12} {'min cosine to ST':>17}")
    base = n / best["st"]["seconds"]
    for side in sides:
        rate = n / best[side]["seconds"]
        cos = f"{cosines[side]:.5f}" if side in cosines else "-"
        label = side + (f" ({best[side]['precision']})" if "precision" in best[side] and side.endswith("auto") else "")
        print(f"{label:<26} {rate:>8.1f} {rate / base:>5.2f}x {best[side]['peak_rss_mb']:>12,.0f} {cos:>17}")
    for side in sides[1:]:
        ratio = n / best[side]["seconds"] / base
        print(f"clirbench ({side.split('-')[1]}) / sentence-transformers (float32) throughput: {ratio:.2f}x "
              "(target >= 1.0): " + ("met" if ratio >= 1.0 else "NOT met"))

    first, second = cached_rerun()
    print(f"\ncached rerun (mlqa-r en-en, 6,264 passages + 1,148 questions): first {first:.1f} s, "
          f"second {second:.2f} s = {100 * second / first:.1f}% of the first (target < 5%): "
          + ("met" if second / first < 0.05 else "NOT met"))

    rng = np.random.default_rng(0)
    queries = doc_vectors[rng.choice(len(doc_vectors), 1000, replace=False)]
    for docs, label in [(doc_vectors, f"{len(doc_vectors):,} MLQA-R vectors"),
                        (rng.standard_normal((200_000, doc_vectors.shape[1])).astype(np.float32), "200,000 random vectors")]:
        faiss_s, torch_s = search_speed(np.ascontiguousarray(docs), np.ascontiguousarray(queries))
        print(f"search 1,000 queries, top 100, over {label}: faiss {faiss_s * 1000:.0f} ms, "
              f"torch matmul+topk {torch_s * 1000:.0f} ms, torch/faiss {torch_s / faiss_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
