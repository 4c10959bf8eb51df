"""Dense encoding with me5-small on MLQA-R candidate sentences: clirbench against
sentence-transformers, measured in one run, in texts/s and in achieved GFLOP/s against the
machine's matrix-multiply peak.

  0. The host: a CPU without native bfloat16 (neither avx512_bf16 nor amx_bf16 among its flags)
     emulates it, and a bfloat16 side there crawls (one ran over 15 minutes). There the bfloat16
     sides, peak and accuracy settings are left out, with a note, and the default and its peer
     are float32 (`--without-bf16` does the same on any host).
  1. Peak: a 2048x2048 matmul in float32 and in bfloat16 on this machine's threads, best of 10,
     measured at the start and the end of the run (the higher counts).
  2. Throughput of each side (its own process, so that peak memory is its own; the sides
     alternate, best of `--repeats`; the model is loaded and warmed up before timing):
       st-float32, st-bfloat16   `SentenceTransformer.encode`, plain and under bfloat16 autocast
       (st-bfloat16-batch16)     (its default 32 texts per batch, and 16: its fastest)
       clirbench-*               the DenseRetriever path `clirbench run` uses (length-sorted
                                 calls of 128 texts cut into forward passes of at most 512
                                 tokens, output checks, chunked vector cache) at float32,
                                 bfloat16, int8; bfloat16 with other token limits, eager
                                 attention, torch.compile; OpenVINO (`backend: openvino`)
       onnx-float32, onnx-int8   ONNX Runtime on the exported model (int8: its dynamic quantisation)
     Achieved GFLOP/s = the forward FLOPs of the texts' real token lengths (clirbench.systems.
     dense.flops: padding not counted) / seconds.
  3. Cached rerun: `run_task` on the en-en pair twice; the second finds every vector cached.
  4. Search: faiss IndexFlatIP against torch matmul + topk over the same vectors.
  5. With --accuracy: RR@10 of float32, bfloat16, bfloat16+compile, int8 and OpenVINO's float32
     and bfloat16 on MLQA-R's 9 pairs en/hi/zh x en/hi/zh.

The targets (the default's share of the peak and its ratio to the peer, the cached rerun, RR@10
against float32) are in benchmarks/expected/encode.yaml, checked at the end of the run.
Needs me5-small (`clirbench systems install me5-small`) and MLQA-R (CLIRBENCH_LOCAL_DATA).
Run: `make bench-encode`, or `python -m benchmarks.encode` (about 20 minutes on 2 cores with
native bfloat16, 40 with --accuracy; without it, float32 sides only, one round by default: about
8 minutes at 2 cores' 48 texts/s); `--json FILE` writes the figures.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import (REPO, against_peer, best_seconds, check_expected, describe, host, matmul_peaks,
                               peak_rss_mb, print_table, ratio, write_json)
from benchmarks.mlqa import ACCURACY_PAIRS, LANGS, against_float32, sentence_transformer
from benchmarks.mlqa import PASSAGE_PREFIX as PREFIX

# clirbench sides: HFEncoder settings over me5-small's. The default on a CPU with native bfloat16
# is clirbench-bfloat16 (PyTorch, sdpa attention, 128 texts per call cut into forward passes of at
# most 512 tokens with padding); clirbench-float32 on one without.
NO_TOKEN_LIMIT = 10**9
CLIRBENCH_SIDES = {
    "clirbench-float32": {"precision": "float32"},
    "clirbench-bfloat16": {"precision": "bfloat16"},
    "clirbench-bfloat16-32-texts-no-token-limit": {"precision": "bfloat16", "batch_size": 32, "batch_tokens": NO_TOKEN_LIMIT},
    "clirbench-bfloat16-256-tokens": {"precision": "bfloat16", "batch_tokens": 256},
    "clirbench-bfloat16-1024-tokens": {"precision": "bfloat16", "batch_tokens": 1024},
    "clirbench-bfloat16-eager": {"precision": "bfloat16", "attention": "eager"},
    "clirbench-int8": {"precision": "int8"},
    "clirbench-bfloat16-compile": {"precision": "bfloat16", "compile": True},
    "clirbench-openvino-float32": {"backend": "openvino", "precision": "float32"},
    "clirbench-openvino-bfloat16": {"backend": "openvino", "precision": "bfloat16"},
    "clirbench-openvino-bfloat16-32-texts-no-token-limit": {"backend": "openvino", "precision": "bfloat16",
                                                           "batch_size": 32, "batch_tokens": NO_TOKEN_LIMIT},
}
# sentence-transformers at the default's precision is the peer: st-bfloat16 (its default 32
# texts per batch; batches of 16 were its fastest) where bfloat16 is native, else st-float32.
SIDES = ["st-float32", "st-bfloat16", "st-bfloat16-batch16", *CLIRBENCH_SIDES, "onnx-float32", "onnx-int8"]
# --accuracy: RR@10 of these settings on MLQA-R's 9 pairs en/hi/zh x en/hi/zh.
ACCURACY_SETTINGS = {"float32": {"precision": "float32"}, "bfloat16": {"precision": "bfloat16"},
                     "int8": {"precision": "int8"}, "bfloat16-compile": {"precision": "bfloat16", "compile": True},
                     "openvino-float32": {"backend": "openvino", "precision": "float32"},
                     "openvino-bfloat16": {"backend": "openvino", "precision": "bfloat16"}}


def uses_bf16(name: str) -> bool:
    """Whether a side or an accuracy setting computes in bfloat16 (named so)."""
    return "bfloat16" in name


def host_plan(bf16: bool) -> dict:
    """What this host measures: without native bfloat16 its bfloat16 sides would crawl (emulated:
    one took over 15 minutes), so they, the bfloat16 peak and bfloat16's accuracy are left out,
    and the default (clirbench's precision "auto") and its peer are float32."""
    precision = "bfloat16" if bf16 else "float32"
    return {"bf16_native": bf16, "precision": precision, "default": f"clirbench-{precision}",
            "peer": f"st-{precision}", "peaks": ["float32", "bfloat16"] if bf16 else ["float32"],
            "sides": [s for s in SIDES if bf16 or not uses_bf16(s)],
            "accuracy": [s for s in ACCURACY_SETTINGS if bf16 or not uses_bf16(s)]}


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


def token_lengths(texts: list[str]) -> list[int]:
    from transformers import AutoTokenizer

    from clirbench.weights.me5_small import install_dir

    tokenizer = AutoTokenizer.from_pretrained(str(install_dir()))
    return [len(ids) for ids in tokenizer([PREFIX + t for t in texts], truncation=True, max_length=512)["input_ids"]]


def padding_waste(lengths: list[int], batch_size: int, batch_tokens: float = float("inf")) -> float:
    """Padded tokens per real token when texts are sorted by length, cut into batches, and each
    batch into passes of at most `batch_tokens` tokens with padding, as HFEncoder cuts them."""
    from clirbench.systems.hf_encoder import token_passes

    ordered = sorted(lengths, reverse=True)
    padded = 0
    for i in range(0, len(ordered), batch_size):
        batch = ordered[i:i + batch_size]
        padded += sum(batch[rows[0]] * len(rows) for rows in token_passes(batch, batch_tokens))
    return padded / sum(lengths) - 1


def side_sentence_transformers(docs, batch_size: int, bfloat16: bool) -> dict:
    from contextlib import nullcontext

    import torch

    from clirbench.weights.me5_small import install_dir

    st = sentence_transformer(install_dir())
    texts = [PREFIX + text for _, text, _ in docs]
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bfloat16 else nullcontext()
    with autocast:
        st.encode(texts[:8], batch_size=batch_size)  # warm-up
        loaded = peak_rss_mb()
        start = time.perf_counter()
        vectors = st.encode(texts, batch_size=batch_size, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded,
            "vectors": np.asarray(vectors, dtype=np.float32)}


def side_clirbench(docs, batch_size: int | None, settings: dict) -> dict:
    from clirbench.systems.dense.retriever import DenseRetriever
    from clirbench.systems.dense.vector_store import read_doc_vectors
    from clirbench.weights.me5_small import me5_small

    encoder = me5_small(**{**({"batch_size": batch_size} if batch_size else {}), **settings})
    start = time.perf_counter()
    encoder.encode_documents([text for _, text, _ in docs[:8]], "en")  # load (and compile) before timing
    warm_up = time.perf_counter() - start
    loaded = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        retriever = DenseRetriever(encoder, Path(tmp))
        start = time.perf_counter()
        # As the runner does: one call per document language, into the chunked vector cache.
        for lang in LANGS:
            retriever.build_index(((d, t) for d, t, lg in docs if lg == lang), lang, Path(tmp) / lang)
        seconds = time.perf_counter() - start
        vectors = np.concatenate([v for lang in LANGS for _, v in read_doc_vectors(Path(tmp) / lang)])
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded, "warm_up_seconds": warm_up,
            "precision": encoder.precision, "vectors": vectors}


def export_onnx(folder: Path, int8: bool) -> Path:
    """me5-small as ONNX (and its int8 dynamic quantisation), exported once into `folder`."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from clirbench.weights.me5_small import install_dir
    from clirbench.systems.openvino_forward import last_hidden_module

    path = folder / "me5-small.onnx"
    if not path.exists():
        model = last_hidden_module(AutoModel.from_pretrained(str(install_dir()), attn_implementation="eager").eval())
        batch = AutoTokenizer.from_pretrained(str(install_dir()))(
            [PREFIX + "a short one", PREFIX + "a somewhat longer sentence for tracing"], padding=True, return_tensors="pt")
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(model, (batch["input_ids"], batch["attention_mask"]), str(path),
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                          opset_version=17, dynamo=False)
    if not int8:
        return path
    quantised = folder / "me5-small-int8.onnx"
    if not quantised.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8)
    return quantised


def side_onnx(docs, batch_size: int, int8: bool, work: Path) -> dict:
    import onnxruntime as ort
    import torch
    from transformers import AutoTokenizer

    from clirbench.weights.me5_small import install_dir
    from clirbench.systems.encoder_stack import pool

    session = ort.InferenceSession(str(export_onnx(work, int8)), providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(str(install_dir()))

    def encode(texts: list[str]) -> np.ndarray:
        batch = tokenizer([PREFIX + t for t in texts], padding=True, truncation=True, max_length=512, return_tensors="np")
        hidden = session.run(None, {"input_ids": batch["input_ids"].astype(np.int64),
                                    "attention_mask": batch["attention_mask"].astype(np.int64)})[0]
        return pool(torch.from_numpy(hidden), torch.from_numpy(batch["attention_mask"])).numpy()

    texts = [text for _, text, _ in docs]
    encode(texts[:8])
    loaded = peak_rss_mb()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)  # as clirbench batches
    vectors = np.empty((len(texts), 384), dtype=np.float32)
    start = time.perf_counter()
    for i in range(0, len(order), batch_size):
        rows = order[i:i + batch_size]
        vectors[rows] = encode([texts[r] for r in rows])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded, "vectors": vectors}


def run_side(args) -> int:
    docs = sample_sentences(args.per_language)
    if args.side.startswith("st-"):
        out = side_sentence_transformers(docs, 16 if args.side.endswith("batch16") else args.batch_size or 32,
                                         bfloat16="bfloat16" in args.side)
    elif args.side.startswith("onnx-"):
        out = side_onnx(docs, args.batch_size or 16, int8=args.side == "onnx-int8", work=Path(args.vectors_out).parent.parent)
    else:
        out = side_clirbench(docs, args.batch_size, CLIRBENCH_SIDES[args.side])
    np.save(args.vectors_out, out.pop("vectors"))
    print(json.dumps(out))
    return 0


def measure_side(side: str, args, vectors_out: Path) -> dict | None:
    cmd = [sys.executable, "-m", "benchmarks.encode", "--side", side, "--per-language", str(args.per_language),
           "--vectors-out", str(vectors_out)] + (["--batch-size", str(args.batch_size)] if args.batch_size else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        print(f"  {side} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cached_rerun() -> tuple[float, float]:
    from clirbench.weights.me5_small import me5_small
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
    """Seconds of exact top-k search, best of 3: faiss's IndexFlatIP (what `clirbench run` uses)
    against its peer, a torch matmul and topk over the same vectors."""
    import faiss
    import torch

    index = faiss.IndexFlatIP(doc_vectors.shape[1])
    index.add(doc_vectors)
    queries, docs = torch.from_numpy(query_vectors), torch.from_numpy(doc_vectors)

    def with_torch():
        with torch.inference_mode():
            return torch.topk(queries @ docs.T, k, dim=1)

    faiss_s, (_, faiss_rows) = best_seconds(lambda: index.search(query_vectors, k), 3, warm_ups=0)
    torch_s, (_, torch_rows) = best_seconds(with_torch, 3, warm_ups=0)
    print(f"  top-1 agreement faiss vs torch: {np.mean(faiss_rows[:, 0] == torch_rows[:, 0].numpy()):.4f}")
    return faiss_s, torch_s


def accuracy(settings: list[str]) -> dict:
    """RR@10 per pair of each of `settings` (float32 first) on MLQA-R's en/hi/zh pairs (vectors encoded as `clirbench
    run` encodes them), each one's largest difference from float32, and per pair how many
    questions changed RR@10 and a paired t-test of the change (scipy)."""
    from clirbench.weights.me5_small import me5_small
    from clirbench.eval.runner import run_task
    from clirbench.tasks import load_task, select_pairs

    spec = load_task("mlqa-r")
    pairs = select_pairs(spec, ACCURACY_PAIRS)
    scores, per_query = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in settings:
            encoder = me5_small(**ACCURACY_SETTINGS[name], name=f"me5-small-{name}")
            # Its own vector cache: cached vectors would carry the batching they were made with.
            report = run_task(spec, encoder, pairs, out_dir=Path(tmp) / name, cache_dir=Path(tmp) / "cache")
            scores[name] = {key: report.results.pairs[key].metrics["RR@10"] for key in ACCURACY_PAIRS}
            per_query[name] = {key: report.results.pairs[key].per_query["RR@10"] for key in ACCURACY_PAIRS}
    return against_float32(scores, per_query)


def measure_speed(args, sides: list[str], plan: dict, out: dict) -> np.ndarray | None:
    """Each side's best texts/s and GFLOP/s against the matmul peak of the default's precision
    and against the peer, into out["sides"] and out["default"]; the float32 side's vectors."""
    from transformers import AutoConfig

    from clirbench.weights.me5_small import install_dir, installed
    from clirbench.systems.dense.flops import encoder_flops
    from clirbench.systems.hf_encoder import CPU_BATCH_SIZE, CPU_BATCH_TOKENS

    docs = sample_sentences(args.per_language)
    n = len(docs)
    lengths = token_lengths([text for _, text, _ in docs])
    flops = encoder_flops(AutoConfig.from_pretrained(str(install_dir())), lengths)
    print(f"me5-small ({installed()['built_from']}) on {n} MLQA-R sentences ({args.per_language} per language, "
          f"{np.mean(lengths):.1f} tokens on average), batch {args.batch_size or 'each side default'}, best of {args.repeats}")
    print(f"forward FLOPs of these texts: {flops / 1e9:,.0f} GFLOP ({flops / n / 1e9:.2f} per text); padding in "
          f"length-sorted batches: " + ", ".join(f"{padding_waste(lengths, b):.1%} at {b}" for b in (8, 32, 128))
          + f"; {padding_waste(lengths, CPU_BATCH_SIZE, CPU_BATCH_TOKENS):.1%} in passes of at most {CPU_BATCH_TOKENS} "
          f"tokens of {CPU_BATCH_SIZE}-text calls (the CPU default)")
    peaks = matmul_peaks(plan["peaks"])
    print("matmul peak (2048^2, start of run): " + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in peaks.items()))
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vectors").mkdir()
        for r in range(args.repeats):
            for side in sides:
                m = measure_side(side, args, Path(tmp) / "vectors" / f"{side}.npy")
                if m is None:
                    continue
                print(f"  {side:<28} run {r + 1}: {n / m['seconds']:7.1f} texts/s, {flops / m['seconds'] / 1e9:6.0f} GFLOP/s, "
                      f"peak RSS {m['peak_rss_mb']:,.0f} MB", flush=True)
                if side not in best or m["seconds"] < best[side]["seconds"]:
                    best[side] = m
        reference = np.load(Path(tmp) / "vectors" / "clirbench-float32.npy") if "clirbench-float32" in best else None
        if reference is not None:
            for side in best:
                best[side]["min_cosine_to_float32"] = float(np.min(np.sum(reference * np.load(Path(tmp) / "vectors" / f"{side}.npy"), axis=1)))
    peaks = matmul_peaks(plan["peaks"], before=peaks)
    print("matmul peak (best of start and end): " + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in peaks.items()))
    peak = peaks[plan["precision"]]
    figures = {side: {"texts_per_s": n / m["seconds"], "gflops": flops / m["seconds"] / 1e9,
                      "fraction_of_peak": flops / m["seconds"] / 1e9 / peak,
                      **{k: v for k, v in m.items() if k != "seconds"}} for side, m in best.items()}
    against_peer(figures, plan["peer"])
    print()
    print_table(figures, [("texts/s", 8, lambda r: f"{r['texts_per_s']:.1f}"), ("GFLOP/s", 8, lambda r: f"{r['gflops']:.0f}"),
                          (f"% {plan['precision']} peak", 15, lambda r: f"{r['fraction_of_peak']:.1%}"),
                          (f"vs {plan['peer']}", 14, lambda r: ratio(r["vs_peer"])),
                          ("peak RSS MB", 12, lambda r: f"{r['peak_rss_mb']:,.0f}"),
                          ("min cos fp32", 12, lambda r: f"{r['min_cosine_to_float32']:.5f}" if "min_cosine_to_float32" in r else "-")])
    out.update({"texts": n, "mean_tokens": float(np.mean(lengths)), "gflop_total": flops / 1e9,
                "peak_fp32_gflops": peaks["float32"], "peak_bf16_gflops": peaks.get("bfloat16"),
                "peak_of": plan["precision"], "sides": figures})
    default = figures.get(plan["default"])
    if default:
        out["default"] = {"side": plan["default"], "precision": default["precision"], "peer": plan["peer"],
                          "gflops": default["gflops"], "fraction_of_peak": default["fraction_of_peak"],
                          "vs_peer": default["vs_peer"]}
        print(f"\nclirbench ({default['precision']}, the default on this CPU): {default['gflops']:.0f} GFLOP/s = "
              f"{default['fraction_of_peak']:.0%} of the {plan['precision']} matmul peak; {ratio(default['vs_peer'])} "
              f"sentence-transformers at the same precision ({plan['peer']}, measured in this run)")
    return reference


def cached_and_search(doc_vectors: np.ndarray, out: dict) -> None:
    """The cached rerun, and faiss against torch search over the float32 vectors, into `out`."""
    first, second = cached_rerun()
    out["cached_rerun"] = {"first_seconds": first, "second_seconds": second, "fraction_of_first": second / first}
    print(f"\ncached rerun (mlqa-r en-en, 6,264 passages + 1,148 questions): first {first:.1f} s, "
          f"second {second:.2f} s = {100 * second / first:.1f}% of the first")
    rng = np.random.default_rng(0)
    queries = doc_vectors[rng.choice(len(doc_vectors), min(1000, len(doc_vectors)), replace=False)]
    out["search"] = {}
    for docs, label in [(doc_vectors, f"{len(doc_vectors):,} MLQA-R vectors"),
                        (rng.standard_normal((200_000, doc_vectors.shape[1])).astype(np.float32), "200,000 random vectors")]:
        k = min(100, len(docs))
        faiss_s, torch_s = search_speed(np.ascontiguousarray(docs), np.ascontiguousarray(queries), k)
        out["search"][label] = {"faiss_seconds": faiss_s, "torch_seconds": torch_s, "torch_over_faiss": torch_s / faiss_s}
        print(f"search {len(queries):,} queries, top {k}, over {label}: faiss {faiss_s * 1000:.0f} ms, "
              f"torch matmul+topk {torch_s * 1000:.0f} ms, torch/faiss {torch_s / faiss_s:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300, help="sentences per MLQA-R language (default 300)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="texts per batch (default: each side's own; 32, and 16 for ONNX Runtime)")
    parser.add_argument("--repeats", type=int,
                        help="rounds of the sides, the best counts (default 2; 1 without native bfloat16)")
    parser.add_argument("--sides", nargs="+", choices=SIDES,
                        help="sides to measure (default: all that this host computes natively)")
    parser.add_argument("--accuracy", action="store_true", help="also score precisions on 9 MLQA-R pairs (minutes)")
    parser.add_argument("--accuracy-only", action="store_true", help="only the scores of --accuracy")
    parser.add_argument("--without-bf16", action="store_true",
                        help="measure as on a CPU without native bfloat16: no bfloat16 side, peak or accuracy")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--vectors-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return run_side(args)

    from clirbench.weights.me5_small import installed

    if not installed():
        sys.exit("me5-small is not installed: run `clirbench systems install me5-small` first")
    machine = host()
    if args.without_bf16:
        machine.update(bf16_native=False, bf16_flags=[], bf16_left_out_by="--without-bf16")
    plan = host_plan(machine["bf16_native"])
    if args.repeats is None:  # without native bfloat16 float32 is the fast path, and it is slow: one round
        args.repeats = 2 if plan["bf16_native"] else 1
    print(describe(machine))
    wanted = args.sides or SIDES
    sides = [s for s in wanted if s in plan["sides"]]
    out: dict = {"host": machine}
    if not plan["bf16_native"]:
        out["left_out_without_bf16"] = [s for s in wanted if s not in sides] + [
            f"accuracy: {s}" for s in ACCURACY_SETTINGS if s not in plan["accuracy"]]
        print("note: no native bfloat16 here (" + ("--without-bf16" if args.without_bf16 else
              "neither avx512_bf16 nor amx_bf16 among the CPU's flags") + "): emulated bfloat16 crawls, so the "
              "bfloat16 sides, peak and accuracy are left out (" + ", ".join(out["left_out_without_bf16"])
              + f"); the default and its peer are float32; {args.repeats} round(s) of the sides", flush=True)
    if not args.accuracy_only:
        doc_vectors = measure_speed(args, sides, plan, out)
        write_json(args.json, out)
        if doc_vectors is not None and args.sides is None:
            cached_and_search(doc_vectors, out)
    if args.accuracy or args.accuracy_only:
        out["accuracy"] = accuracy(plan["accuracy"])
        print("\nRR@10 on MLQA-R, largest difference from float32 over the 9 pairs:",
              json.dumps(out["accuracy"]["max_abs_difference_from_float32"]))
    check_expected("encode", out)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
