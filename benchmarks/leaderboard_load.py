"""How long the leaderboard takes to load with 20 systems x 49 MLQA-R pairs, against one system.

Twenty results files are made from one real MLQA-R results file (default
results/mlqa-r/bm25/results.json, from `make demo`): each a renamed copy whose per-query values
are shuffled within each pair, so tables and t-tests do their full work. The app runs headless
(streamlit.testing AppTest: the whole script, every tab) and the page is timed; best of three.
Run: `make bench-leaderboard`, or `python -m benchmarks.leaderboard_load`; its targets are in
benchmarks/expected/leaderboard_load.yaml.
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from benchmarks.common import REPO, best_seconds, check_expected, write_json


def make_systems(template: dict, count: int, out: Path) -> None:
    rng = random.Random(0)
    for i in range(count):
        raw = json.loads(json.dumps(template))
        name = f"system-{i:02d}"
        raw["model"]["name"] = name
        for pair in raw["pairs"].values():
            for measure, values in pair["per_query"].items():
                shuffled = list(values.values())
                rng.shuffle(shuffled)
                pair["per_query"][measure] = dict(zip(values, shuffled))
                pair["metrics"][measure] = sum(shuffled) / len(shuffled) if shuffled else 0.0
        folder = out / raw["task"] / name
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps(raw))


def load_seconds(results_dir: Path) -> float:
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["CLIRBENCH_RESULTS"] = str(results_dir)

    def load():
        app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=300).run()
        if app.exception:
            sys.exit(f"the app failed: {app.exception[0].value}")

    seconds, _ = best_seconds(load, 3, warm_ups=0)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default=str(REPO / "results/mlqa-r/bm25/results.json"))
    parser.add_argument("--systems", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    template = Path(args.template)
    if not template.exists():
        sys.exit(f"no {template}: run `make demo` (or `clirbench run --model bm25 --task mlqa-r`) first")
    raw = json.loads(template.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one", Path(tmp) / "many"
        make_systems(raw, 1, one)
        make_systems(raw, args.systems, many)
        load_seconds(one)  # warm-up: imports, numba-free but altair/pandas caches
        t1 = load_seconds(one)
        tn = load_seconds(many)
    print(f"leaderboard load, {raw['task']}, {len(raw['pairs'])} pairs: 1 system {t1:.2f} s, "
          f"{args.systems} systems {tn:.2f} s ({tn / t1:.2f}x the time of one)")
    out = {"task": raw["task"], "pairs": len(raw["pairs"]), "systems": args.systems, "one_system_seconds": t1,
           "systems_seconds": tn, "ratio_to_one": tn / t1}
    check_expected("leaderboard_load", out)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
