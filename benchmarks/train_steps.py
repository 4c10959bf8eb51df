"""Training steps of the OPTICAL and contrastive recipes in achieved GFLOP/s, against this
machine's matmul peak measured in the same run.

Each recipe runs its real training loop (`clirbench train`'s code: real me5-small, XQuAD-R
bitext or questions, AdamW) for `--steps` steps. Every forward pass of a transformers model is
counted from its attention mask (real tokens only, clirbench.systems.dense.flops): 3 times the
forward when gradients flow (forward and backward), once when they do not (OPTICAL's frozen
teacher). A step's time runs from the end of the step before to the end of its own, so it
includes tokenisation, the loss (Sinkhorn for OPTICAL) and the optimiser; the first step is
left out (warm-up). Dev scoring runs after the last step and is not counted.

Run: `python -m benchmarks.train_steps [--steps 12] [--device auto|cpu|cuda] [--json FILE]` (about 5
minutes on 2 cores; on a GPU machine, me5-small installed from benchmarks.encode_gpu's pack). Its
targets are in benchmarks/expected/train_steps.yaml, checked at the end of the run.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.common import REPO, check_expected, describe, host, matmul_peaks, matmul_size, print_table, write_json
from clirbench.systems.dense.flops import encoder_flops


class FlopMeter:
    """FLOPs of every forward pass of the models it watches, and who did them."""

    def __init__(self):
        self.flops = 0

    def watch(self, model) -> None:
        def count(module, args, kwargs):
            mask = kwargs.get("attention_mask")
            if mask is None:
                return
            trains = torch.is_grad_enabled() and any(p.requires_grad for p in module.parameters())
            self.flops += (3 if trains else 1) * encoder_flops(module.config, mask.sum(dim=1).tolist())

        model.register_forward_pre_hook(count, with_kwargs=True)


def measure(recipe_file: Path, steps: int, device: str) -> dict:
    from clirbench.train import contrastive, optical
    from clirbench.train.encoding import load_transformers
    from clirbench.train.recipe import load_recipe

    meter = FlopMeter()

    def watched(encoder):
        tokenizer, model = load_transformers(encoder)
        meter.watch(model)  # a deep copy (OPTICAL's student) keeps the hook
        return tokenizer, model

    optical.load_transformers = contrastive.load_transformers = watched
    overrides = [f"max_steps={steps}", "dev_every=0", f"checkpoint_every={steps}", f"warmup_steps={min(2, steps - 1)}"]
    recipe = load_recipe(recipe_file, overrides + [f"device={device}"])
    marks: list[tuple[float, int, float]] = []  # (time, FLOPs so far, pairs/s)

    def on_step(report) -> None:
        marks.append((time.perf_counter(), meter.flops, report.pairs_per_second))

    train = optical.train_optical if recipe.recipe == "optical" else contrastive.train_contrastive
    with tempfile.TemporaryDirectory() as tmp:
        train(recipe, Path(tmp) / "run", on_step=on_step, log=lambda message: None)
    (t0, f0, _), (t1, f1, _) = marks[0], marks[-1]
    seconds, flops = t1 - t0, f1 - f0
    return {"recipe": recipe.recipe, "steps_timed": len(marks) - 1, "batch_size": recipe.batch_size,
            "seconds_per_step": seconds / (len(marks) - 1), "gflop_per_step": flops / 1e9 / (len(marks) - 1),
            "achieved_gflops": flops / seconds / 1e9, "precision": recipe.precision}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="the recipes' device (auto: a CUDA GPU where there is one); the peak is measured there")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from clirbench.train.encoding import resolve_device

    device = resolve_device(args.device)
    machine = host(device)
    print(describe(machine), flush=True)
    # bfloat16's peak only where it is native: emulated, a 2048^3 product takes about a minute.
    dtypes = ["float32", "bfloat16"] if device == "cuda" or machine["bf16_native"] else ["float32"]
    peaks = matmul_peaks(dtypes, device)
    rows = {name: measure(REPO / "recipes" / f"{name}.yaml", args.steps, device) for name in ("optical", "contrastive")}
    peaks = matmul_peaks(dtypes, device, before=peaks)
    size = matmul_size(device)
    print(f"matmul peak ({size}^3): " + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in peaks.items()))
    for row in rows.values():
        row["fraction_of_bf16_peak"] = row["achieved_gflops"] / peaks["bfloat16"] if "bfloat16" in peaks else None
        row["fraction_of_fp32_peak"] = row["achieved_gflops"] / peaks["float32"]
    print_table(rows, [("batch", 5, lambda r: str(r["batch_size"])), ("s/step", 7, lambda r: f"{r['seconds_per_step']:.2f}"),
                       ("GFLOP/step", 10, lambda r: f"{r['gflop_per_step']:.0f}"),
                       ("GFLOP/s", 8, lambda r: f"{r['achieved_gflops']:.0f}"),
                       ("% bf16 peak", 11, lambda r: f"{r['fraction_of_bf16_peak']:.1%}" if r["fraction_of_bf16_peak"] else "-"),
                       ("% fp32 peak", 11, lambda r: f"{r['fraction_of_fp32_peak']:.1%}")], first="recipe", width=12)
    out = {"device": machine["gpu"] or "cpu", "host": machine, "torch": torch.__version__, "matmul_size": size,
           "peak_fp32_gflops": peaks["float32"], "peak_bf16_gflops": peaks.get("bfloat16"), "recipes": list(rows.values())}
    by_name = {**out, "recipes": rows}  # targets name a recipe's figures by its name
    check_expected("train_steps", by_name)
    write_json(args.json, {**out, "targets": by_name["targets"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
