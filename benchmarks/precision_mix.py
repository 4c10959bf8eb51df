"""bfloat16 with some of me5-small's layers kept in float32: how much float32 does it take to
bring RR@10 within 0.003 of float32 on MLQA-R's 9 pairs en/hi/zh x en/hi/zh?

Every bfloat16 path of benchmarks/encode.py misses that bound (by .0003 to .0008, on pairs of
189 and 504 questions). Here bfloat16 runs as `clirbench run` runs it (autocast over float32
weights, the same forward passes), except that chosen transformer layers run with autocast off
and their inputs in float32. Two steps, so that MLQA-R (the evaluation set) chooses nothing:

  select   RR@10 of float32, plain bfloat16 and each mix on XQuAD-R's dev split (the training
           recipes' fixed 10% of question ids, `clirbench.train.bitext.in_dev`), the 9 pairs,
           every sentence of a language its candidates; also float32 over weights rounded to
           bfloat16, which shows how much of bfloat16's change the weights alone make. Two rules
           choose a mix, each the one with the fewest float32 layers that passes it:
             fewest_moved  dev questions that moved RR@10 (all 9 pairs) at most a fifth of plain
                           bfloat16's. Set first: plain bfloat16 moves about 2.4% of MLQA-R's
                           questions, and a fifth of that is about one of the 189 questions of
                           its smallest pairs, where an answer falling from first to second
                           place moves RR@10 by .0026.
             within_bound  RR@10 within 0.003 of float32 on every dev pair: the target itself,
                           added when the first rule chose no mix.
           Where the CPU computes bfloat16 natively, it then times each setting over the
           candidates, beside OpenVINO float32 (exact, and the fast float32 path).
  confirm  RR@10 of float32, plain bfloat16 and the mix select chose (its JSON, `--from`) on
           MLQA-R's 9 pairs, once.

Needs me5-small (`clirbench systems install me5-small`) and LaReQA (CLIRBENCH_LOCAL_DATA).
Without AVX-512 BF16 bfloat16 is emulated: its numbers are those of native bfloat16 (operands
rounded to bfloat16, products summed in float32), its times are not, and none are taken.
About 10 minutes for `select` and 12 for `confirm` on 2 cores with AVX-512 BF16.

The target (`confirm`: the chosen mix within the bound on MLQA-R) is in
benchmarks/expected/precision_mix.yaml, checked at the end of a run.

  python -m benchmarks.precision_mix select --json benchmarks/results/precision_mix_select.json
  python -m benchmarks.precision_mix confirm --from benchmarks/results/precision_mix_select.json \
      --json benchmarks/results/precision_mix_mlqa.json
"""

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path

from benchmarks.common import check_expected, host_bf16_native, write_json
from benchmarks.mlqa import ACCURACY_LANGS, ACCURACY_PAIRS, accuracy_of, mlqa_texts
from clirbench.train.recipe import OpticalRecipe

MIXES = ["last:1", "last:2", "last:4", "last:6", "first:2"]
DEV_FRACTION = OpticalRecipe.model_fields["dev_fraction"].default  # the recipes' dev split
LAYERS = 12  # me5-small's transformer layers
MOVED_SHARE = 0.2  # of plain bfloat16's moved dev questions: the first selection rule
BOUND = 0.003  # RR@10 from float32 on every pair: the target, and the second selection rule
ROUNDED_WEIGHTS, OPENVINO = "float32, bf16 weights", "openvino float32"


def float32_layers(mix: str, layers: int) -> list[int]:
    """`last:N` or `first:N` -> the indices of those layers of a model with `layers` layers."""
    side, _, count = mix.partition(":")
    if side not in ("last", "first") or not count.isdigit() or not 0 < int(count) <= layers:
        raise SystemExit(f"--mix {mix!r}: write last:N or first:N with N from 1 to {layers}")
    n = int(count)
    return list(range(layers - n, layers)) if side == "last" else list(range(n))


def in_float32(forward):
    """A layer's forward with autocast off and its floating-point inputs in float32."""
    import torch

    def as_float32(value):
        return value.float() if torch.is_tensor(value) and value.is_floating_point() else value

    def run(*args, **kwargs):
        with torch.autocast("cpu", enabled=False):
            return forward(*map(as_float32, args), **{k: as_float32(v) for k, v in kwargs.items()})
    return run


def encoder_for(setting: str):
    """A setting's me5-small: float32, bfloat16, a mix (bfloat16 with some layers in float32),
    float32 over weights rounded to bfloat16 (what rounding the weights alone does), or OpenVINO
    float32 (the exact fast path of benchmarks/encode.py, for speed)."""
    import torch

    from clirbench.weights.me5_small import me5_small

    if setting in ("float32", "bfloat16"):
        return me5_small(precision=setting, device="cpu")
    if setting == OPENVINO:
        return me5_small(precision="float32", backend="openvino")
    encoder = me5_small(precision="float32" if setting == ROUNDED_WEIGHTS else "bfloat16", device="cpu")
    encoder.encode_documents(["load"], "en")  # the model loads on its first text
    if setting == ROUNDED_WEIGHTS:
        with torch.no_grad():  # the weight matrices of the linear layers (autocast rounds their biases too)
            for module in encoder._model.modules():
                if isinstance(module, torch.nn.Linear):
                    module.weight.copy_(module.weight.bfloat16().float())
        return encoder
    return keep_in_float32(encoder, setting)


def keep_in_float32(encoder, mix: str):
    """A loaded HFEncoder (BERT/XLM-R layers, on the CPU) with the layers of `mix` run in float32."""
    if encoder.device != "cpu":
        raise SystemExit(f"the mixes run on the CPU (autocast off there), not on {encoder.device}")
    layers = encoder._model.encoder.layer
    for i in float32_layers(mix, len(layers)):
        layers[i].forward = in_float32(layers[i].forward)
    return encoder


def xquad_dev_texts() -> dict:
    """XQuAD-R's dev questions in en/hi/zh, in mlqa_texts' layout: every sentence of a language
    is a candidate, a question's answers in the candidates' language are its relevant ones."""
    from clirbench.train.retrieval_data import lareqa_corpus

    corpus = lareqa_corpus(ACCURACY_LANGS)
    _, dev = corpus.split(DEV_FRACTION)
    docs = {lang: [[d, corpus.documents[d][0]] for d in corpus.documents_in(lang)] for lang in ACCURACY_LANGS}
    queries, qrels = {}, {}
    for pair in ACCURACY_PAIRS:
        q, d = pair.split("-")
        queries[pair] = [[question.qid, question.text[q]] for question in dev]
        qrels[pair] = {question.qid: list(question.positives[d]) for question in dev}
    return {"docs": docs, "queries": queries, "qrels": qrels}


def layer_flop_share(mix: str) -> float:
    """The share of a forward pass's matrix-product FLOPs in the mix's float32 layers (every
    layer does the same work)."""
    return len(float32_layers(mix, LAYERS)) / LAYERS


def report(result: dict, settings: list[str]) -> None:
    print(f"\n{'setting':<22} " + " ".join(f"{p:>7}" for p in ACCURACY_PAIRS) + f" {'max diff':>9} {'moved':>6}")
    for s in settings:
        rr = result["rr10"][s]
        print(f"{s:<22} " + " ".join(f"{rr[p]:7.4f}" for p in ACCURACY_PAIRS)
              + f" {result['max_abs_difference_from_float32'][s]:9.4f}"
              + f" {sum(result['questions_changed_from_float32'][s].values()):6d}", flush=True)


def score(settings: list[str], texts: dict, where: str) -> dict:
    """accuracy_of over `settings`, float32 first (the reference)."""
    def make(setting):
        print(f"{where}: encoding with {setting} ...", flush=True)
        return encoder_for(setting)

    return accuracy_of({setting: partial(make, setting) for setting in settings}, texts)


def speed(settings: list[str], texts: list[str], rounds: int = 2) -> dict:
    """texts/s of each setting over `texts` through the runner's encoding path, best of
    `rounds`, the settings alternating within a round (rates drift between runs here)."""
    from clirbench.systems.dense.batching import encode_sorted

    encoders = {s: encoder_for(s) for s in settings}
    for encoder in encoders.values():
        encoder.encode_documents(texts[:256], "en")  # warm-up
    best = dict.fromkeys(settings, float("inf"))
    for _ in range(rounds):
        for setting, encoder in encoders.items():
            began = time.perf_counter()
            encode_sorted(encoder.encode_documents, texts, "en", encoder.batch_size, "me5-small")
            best[setting] = min(best[setting], time.perf_counter() - began)
    rates = {s: len(texts) / best[s] for s in settings}
    for s in settings:
        print(f"  {s:<22} {rates[s]:7.1f} texts/s  {rates[s] / rates['float32']:.2f}x float32", flush=True)
    return {"texts": len(texts), "rounds": rounds, "texts_per_s": rates,
            "vs_float32": {s: rates[s] / rates["float32"] for s in settings}}


def choose(result: dict, mixes: list[str]) -> dict:
    """The two selection rules on the dev split (module docstring), each one's choice or None."""
    moved = {s: sum(changed.values()) for s, changed in result["questions_changed_from_float32"].items()}
    by_moved = [m for m in mixes if moved[m] <= MOVED_SHARE * moved["bfloat16"]]
    by_bound = [m for m in mixes if result["max_abs_difference_from_float32"][m] <= BOUND]
    return {"fewest_moved": min(by_moved, key=layer_flop_share) if by_moved else None,
            "within_bound": min(by_bound, key=layer_flop_share) if by_bound else None}


def chosen_mix(path: Path) -> str:
    """The mix that `select` chose by the target itself (within_bound), from its JSON."""
    try:
        mix = json.loads(path.read_text())["chosen"]["within_bound"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"--from {path}: not the JSON of `python -m benchmarks.precision_mix select` ({e}); run select first") from None
    if mix is None:
        raise SystemExit(f"--from {path}: select chose no mix (none was within {BOUND} on the dev split); "
                         "nothing to confirm")
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select", help="score the mixes on XQuAD-R's dev split and choose one")
    s.add_argument("--mixes", nargs="+", default=MIXES, help=f"last:N or first:N (default: {' '.join(MIXES)})")
    s.add_argument("--json", type=Path)
    c = sub.add_parser("confirm", help="score the chosen mix once on MLQA-R")
    chosen = c.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--from", dest="chosen_in", type=Path, help="the JSON of `select`: its within_bound choice")
    chosen.add_argument("--mix", help="a mix to score (last:N or first:N)")
    c.add_argument("--json", type=Path)
    args = parser.parse_args()
    mixes = args.mixes if args.command == "select" else [args.mix or chosen_mix(args.chosen_in)]
    for mix in mixes:
        float32_layers(mix, LAYERS)  # a bad mix fails before the encoding
    select = args.command == "select"
    settings = ["float32", "bfloat16", *([ROUNDED_WEIGHTS] if select else []), *mixes]
    texts = xquad_dev_texts() if select else mlqa_texts()
    where = "XQuAD-R dev split" if select else "MLQA-R"
    print(f"{where}: " + ", ".join(f"{p} {len(texts['queries'][p])}" for p in ACCURACY_PAIRS) + " questions; "
          + ", ".join(f"{lang} {len(texts['docs'][lang])}" for lang in ACCURACY_LANGS) + " candidates", flush=True)
    result = score(settings, texts, where)
    result.update(texts_from=where, float32_flop_share={m: layer_flop_share(m) for m in mixes})
    report(result, settings)
    if select:
        result["chosen"] = choose(result, mixes)
        print(f"chosen: {json.dumps(result['chosen'])}", flush=True)
        if host_bf16_native():  # emulated bfloat16's times say nothing
            print(f"speed over the {where}'s candidates:", flush=True)
            candidates = [t for lang in ACCURACY_LANGS for _, t in texts["docs"][lang]]
            result["speed"] = speed(["float32", "bfloat16", *mixes, OPENVINO], candidates)
        else:
            print("note: no native bfloat16 here: the settings' speed is not measured (emulated bfloat16's "
                  "times say nothing)", flush=True)
    else:
        result["chosen_mix"] = mixes[0]
        result["chosen_mix_max_abs_difference"] = result["max_abs_difference_from_float32"][mixes[0]]
    check_expected("precision_mix", result)
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
