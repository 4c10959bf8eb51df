"""Training steps of the OPTICAL and contrastive recipes in achieved GFLOP/s, against this
machine's matmul peak measured in the same run.

Each recipe runs its real training loop (`clirbench train`'s code: real me5-small, XQuAD-R
bitext or questions, AdamW) for `--steps` steps. Every forward pass of a transformers model is
counted from its attention mask (real tokens only, clirbench.systems.dense.flops): 3 times the
forward when gradients flow (forward and backward), once when they do not (OPTICAL's frozen
teacher). A step's time runs from the end of the step before to the end of its own, so it
includes tokenisation, the loss (Sinkhorn for OPTICAL) and the optimiser; the first step is
left out (warm-up). Dev scoring runs after the last step and is not counted.

Run: `python benchmarks/train_steps.py [--steps 12] [--device auto|cpu|cuda] [--json FILE]` (about 5
minutes on 2 cores; on a GPU machine, me5-small installed from benchmarks/encode_gpu.py's pack).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from encode import matmul_peak_gflops, matmul_size, write_json  # noqa: E402

from clirbench.systems.dense.flops import encoder_flops  # noqa: E402


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
    size = matmul_size(device)

    def peak(dtype: str) -> float:
        return matmul_peak_gflops(dtype, size, device=device)

    peaks = {"float32": peak("float32"), "bfloat16": peak("bfloat16")}
    rows = [measure(REPO / "recipes" / f"{name}.yaml", args.steps, device) for name in ("optical", "contrastive")]
    for name in peaks:
        peaks[name] = max(peaks[name], peak(name))
    where = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(f"{where}: matmul peak ({size}^3): float32 {peaks['float32']:.0f} GFLOP/s, bfloat16 {peaks['bfloat16']:.0f}")
    print(f"{'recipe':<12} {'batch':>5} {'s/step':>7} {'GFLOP/step':>10} {'GFLOP/s':>8} {'% bf16 peak':>11}")
    for row in rows:
        row["fraction_of_bf16_peak"] = row["achieved_gflops"] / peaks["bfloat16"]
        print(f"{row['recipe']:<12} {row['batch_size']:>5} {row['seconds_per_step']:>7.2f} {row['gflop_per_step']:>10.0f} "
              f"{row['achieved_gflops']:>8.0f} {row['fraction_of_bf16_peak']:>10.1%}")
    write_json(args.json, {"device": where, "torch": torch.__version__, "matmul_size": size,
                           "peak_fp32_gflops": peaks["float32"], "peak_bf16_gflops": peaks["bfloat16"], "recipes": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
