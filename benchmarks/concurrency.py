"""Two `clirbench run`s at once into one results file: are finished pairs ever lost?

Each trial starts two `clirbench run --system bm25s --task toy` processes at the same moment,
on disjoint halves of the toy task's 16 pairs (queries in de and en; in sw and yo), with the
same --out folder, so both write `toy/bm25s/results.json` after every pair. Afterwards the
file must hold all 16 pairs: a pair missing is a finished pair lost (before results files
were locked and merged, 6 of 12 trials lost some). Both processes also build the same four
indexes at once (the first trial; later trials reuse them).
The target (no pair lost) is in benchmarks/expected/concurrency.yaml: missing it fails the run.
Run: `.venv/bin/python -m benchmarks.concurrency [--trials N] [--json FILE]`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import check_expected, write_json

HALVES = [
    ",".join(f"{q}-{d}" for q in ("de", "en") for d in ("de", "en", "sw", "yo")),
    ",".join(f"{q}-{d}" for q in ("sw", "yo") for d in ("de", "en", "sw", "yo")),
]
PAIRS = 16


def trial(root: Path, i: int, env: dict) -> tuple[int, float]:
    """(pairs lost, seconds) of one trial."""
    out = root / f"trial-{i:02d}"
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "clirbench.cli", "run", "--system", "bm25s", "--task", "toy",
                               "--pairs", half, "--out", str(out)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for half in HALVES]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            sys.exit(f"trial {i}: a run failed ({proc.returncode}):\n{err}")
    seconds = time.perf_counter() - start
    pairs = json.loads((out / "toy" / "bm25s" / "results.json").read_text())["pairs"]
    return PAIRS - len(pairs), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "IR_DATASETS_HOME": str(root / "ir_datasets"), "CLIRBENCH_CACHE": str(root / "cache")}
        lost_total, bad = 0, 0
        for i in range(args.trials):
            lost, seconds = trial(root, i, env)
            lost_total += lost
            bad += lost > 0
            print(f"trial {i + 1:2d}: {PAIRS - lost:2d}/{PAIRS} pairs kept, {lost} lost ({seconds:.1f} s)")
    print(f"{args.trials} trials of two concurrent runs on disjoint pairs: {lost_total} finished pairs lost "
          f"({bad} trials with a loss)")
    out = {"trials": args.trials, "pairs_per_trial": PAIRS, "pairs_lost": lost_total, "trials_with_a_loss": bad}
    met = check_expected("concurrency", out)
    write_json(args.json, out)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
