"""What the benchmarks share: timing (best of several runs, the matmul peak), the host they ran
on (native bfloat16 or not), ratios against a peer measured in the same run and the tables
that print them, the expected figures of `benchmarks/expected/NAME.yaml` and their check, and
the results file."""

import json
import os
import platform
import resource
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).resolve().parent / "expected"

# --- timing ----------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synchronize(device: str) -> None:
    """Wait for a GPU's queued work (a timer around it would see only the launch)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def best_seconds(work: Callable[[], Any], repeats: int, device: str = "cpu", warm_ups: int = 1) -> tuple[float, Any]:
    """The best seconds of `work()` over `repeats` runs after `warm_ups` untimed ones (kernels
    chosen, allocator filled), each timed from a synchronised start to a synchronised end; and
    the last run's output."""
    for _ in range(warm_ups):
        work()
    best, out = float("inf"), None
    for _ in range(repeats):
        synchronize(device)
        began = time.perf_counter()
        out = work()
        synchronize(device)
        best = min(best, time.perf_counter() - began)
    return best, out


def matmul_size(device: str) -> int:
    """The side of the peak's square matmul: a GPU needs a large product to reach its peak."""
    return 8192 if device.startswith("cuda") else 2048


def matmul_peak_gflops(dtype_name: str, size: int = 2048, repeats: int = 10, device: str = "cpu") -> float:
    """GFLOP/s of a size^3 matmul in `dtype_name`, best of `repeats` after two warm-ups."""
    import torch

    dtype = getattr(torch, dtype_name)
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    seconds, _ = best_seconds(lambda: torch.mm(a, b), repeats, device, warm_ups=2)
    return 2 * size**3 / seconds / 1e9


def matmul_peaks(dtypes: Iterable[str], device: str = "cpu", before: dict[str, float] | None = None) -> dict[str, float]:
    """The matmul peak of each dtype here; with `before` (the start of a run's peaks), the higher
    of the two: the machine's state can change within a run."""
    size = matmul_size(device)
    return {d: max(matmul_peak_gflops(d, size, device=device), (before or {}).get(d, 0.0)) for d in dtypes}


# --- the host --------------------------------------------------------------------------------

# x86 flags of a native bfloat16 dot product: without them torch emulates bfloat16 matmuls, at a
# small fraction of float32's speed (a 2048^3 product took 60 s on an AMD EPYC without AVX-512).
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpuinfo_field(key: str, cpuinfo: str | None = None) -> str | None:
    """The first value of `key` in the text of /proc/cpuinfo (read here when not given); None
    where there is none (no such file, or no such field)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return None
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo has none: not Linux, or not x86)."""
    return set((cpuinfo_field("flags", cpuinfo) or "").split())


def bf16_native(flags: Iterable[str]) -> bool:
    """Whether a CPU with these feature flags multiplies bfloat16 natively."""
    return not set(BF16_FLAGS).isdisjoint(flags)


def host_bf16_native() -> bool:
    """Native bfloat16 here: from the CPU's flags where /proc/cpuinfo has them, else torch's
    own check (the one clirbench's precision "auto" uses)."""
    flags = cpu_flags()
    if flags:
        return bf16_native(flags)
    from clirbench.systems.encoder_stack import bf16_native as torch_says

    return torch_says()


def host(device: str = "cpu") -> dict:
    """What the figures ran on: CPU, cores this process may use, native bfloat16, torch, GPU."""
    import torch

    flags = cpu_flags()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpuinfo_field("model name") or platform.processor() or platform.machine(), "cores": cores, "bf16_native": host_bf16_native(),
            "bf16_flags": sorted(flags.intersection(BF16_FLAGS)), "torch": torch.__version__, "torch_threads":
            torch.get_num_threads(), "gpu": torch.cuda.get_device_name() if device.startswith("cuda") else None}


def describe(machine: dict) -> str:
    """One line for the top of a benchmark's output."""
    bf16 = ("native bfloat16 (" + ", ".join(machine["bf16_flags"]) + ")" if machine["bf16_flags"]
            else "native bfloat16" if machine["bf16_native"] else "no native bfloat16 (emulated: slow)")
    return (f"{machine['gpu'] + ' on ' if machine['gpu'] else ''}{machine['cpu']}, {machine['cores']} cores, "
            f"{bf16}, torch {machine['torch']} on {machine['torch_threads']} threads")


# --- peers, ratios and tables ----------------------------------------------------------------


def against_peer(rows: dict[str, dict], peer: str, rate: str = "texts_per_s", field: str = "vs_peer") -> float | None:
    """Each row's `rate` over the peer row's (a side measured in the same run), written into
    the row's `field` (None where the peer was not measured); the peer's rate."""
    base = rows.get(peer, {}).get(rate)
    for row in rows.values():
        row[field] = row[rate] / base if base else None
    return base


def ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def print_table(rows: dict[str, dict], columns: list[tuple[str, int, Callable[[dict], str]]], first: str = "side",
                width: int = 28) -> None:
    """A row per entry of `rows` (name -> figures), a column per (header, width, cell of a row)."""
    print(f"{first:<{width}} " + " ".join(f"{header:>{w}}" for header, w, _ in columns))
    for name, row in rows.items():
        print(f"{name:<{width}} " + " ".join(f"{cell(row):>{w}}" for _, w, cell in columns))


# --- expected figures --------------------------------------------------------------------------

_BOUNDS = {"at_least": lambda value, bound: value >= bound, "at_most": lambda value, bound: value <= bound,
           "below": lambda value, bound: value < bound}


def expected(name: str, folder: Path = EXPECTED) -> list[dict]:
    """The targets of benchmark `name` (benchmarks/expected/NAME.yaml): each names a figure of
    the run (a path into its JSON, keys joined by dots), one bound (at_least, at_most or below),
    what it says, and whether missing it fails the run (`required`)."""
    import yaml

    path = folder / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    targets = raw.get("targets") or []
    for i, target in enumerate(targets):
        where = f"{path}: target {i + 1}"
        if not isinstance(target, dict) or not isinstance(target.get("figure"), str):
            raise ValueError(f"{where}: give a `figure` (a path into the run's figures)")
        unknown = set(target) - {"figure", "says", "required", *_BOUNDS}
        bounds = [b for b in _BOUNDS if b in target]
        if unknown or len(bounds) != 1 or not isinstance(target[bounds[0]], (int, float)):
            raise ValueError(f"{where} ({target['figure']}): give one number as at_least, at_most or below"
                             + (f"; unknown keys {sorted(unknown)}" if unknown else ""))
    return targets


def figure_at(figures: dict, path: str):
    """The value at `path` (keys joined by dots) in a run's figures, or None."""
    value: Any = figures
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def check_expected(name: str, figures: dict, folder: Path = EXPECTED) -> bool:
    """Each target of benchmark `name` against this run's `figures`, printed (met, NOT met, or
    not measured in this run) and recorded in figures["targets"]; False if a required one was
    missed."""
    results, ok = [], True
    print(f"\ntargets (benchmarks/expected/{name}.yaml):")
    for target in expected(name, folder):
        bound = next(b for b in _BOUNDS if b in target)
        value = figure_at(figures, target["figure"])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            status = "not measured"
        else:
            status = "met" if _BOUNDS[bound](value, target[bound]) else "NOT met"
        ok &= not (target.get("required") and status == "NOT met")
        shown = f"{value:.4g}" if status != "not measured" else "-"
        print(f"  {target.get('says', target['figure'])}: {target['figure']} = {shown} "
              f"({bound.replace('_', ' ')} {target[bound]}): {status}")
        results.append({**target, "value": value if status != "not measured" else None, "status": status})
    figures["targets"] = results
    return ok


# --- results files -----------------------------------------------------------------------------


def write_json(path: Path | None, figures: dict) -> None:
    """The figures to `path` (atomically: a run cut off keeps the file it had), when given."""
    from clirbench.core.atomic import write_text_atomic

    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(figures, indent=2) + "\n")
