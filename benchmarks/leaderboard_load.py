"""How long the leaderboard takes to load with 20 systems x 49 MLQA-R pairs, against one system;
and with 20 systems x FLORES-R's 464 pairs (205 languages, 204 queries a pair, five measures:
synthetic files of the real size, `flores_systems`), the first load (files read) against a later
one (the app keeps what it read until a file changes) and against the empty page (the app with no
results: what any page costs), all three in this run.

The first load is the first page that reads the files, in a process that has drawn a page before
(the app's imports paid, as on a server after its first visitor): best of three, the app's cache
of files read emptied before each. It reads the files without their per-query values (the tests
and per-query views read them on request); `flores_full_read_seconds` is what reading them in full
takes (what the first request of the CIs pays once).

Twenty results files are made from one real MLQA-R results file (default
results/mlqa-r/bm25/results.json, from `make demo`): each a renamed copy whose per-query values
are shuffled within each pair, so tables and t-tests do their full work. The app runs headless
(streamlit.testing AppTest: the whole script) and the page is timed; best of three. A page draws
what the app draws: on a board of more than 40 columns (by pair, MLQA-R's 49 pairs and FLORES-R's
464) the open tab only, the first; on a narrower one every tab.
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


FLORES_MEASURES = ("RR@10", "Success@1", "nDCG@10", "R@100", "AP")


def flores_systems(out: Path, count: int = 20, queries: int = 204, measures=FLORES_MEASURES,
                   partial: dict[str, int] | None = None, anomaly: str | None = "hau_Latn-yor_Latn") -> list[str]:
    """Synthetic results of `count` systems on every pair of FLORES-R (205 languages, 464 pairs),
    written through the real ResultsFile / PairResult classes (and so checked by them) under
    `out/flores-r/<system>/results.json`: per-query values that depend on the system, the pair's
    resource class and the query, and `partial` systems (name -> how many pairs they ran). The
    first system scores `anomaly` (a pair of the African block) near 0: a cell for the anomaly
    flag. Returns the system names."""
    import numpy as np

    from clirbench.core.contract import SystemMeta
    from clirbench.core.atomic import write_json_atomic
    from clirbench.eval.results import PairResult, ResultsFile, now
    from clirbench.tasks import load_task

    spec = load_task("flores-r")
    pairs = [p for p in spec.pairs() if not p.pool]
    qids = [str(1000 + i) for i in range(queries)]
    names = [f"system-{i:02d}" for i in range(count)] + list(partial or {})
    for i, name in enumerate(names):
        rng = np.random.default_rng(i)
        skill = 0.35 + 0.4 * (i % count) / max(1, count - 1) if name not in (partial or {}) else 0.5
        ran = pairs if name not in (partial or {}) else pairs[:partial[name]]
        results = {}
        for p in ran:
            level = skill + 0.05 * ((p.resource_class if p.resource_class is not None else 0) - 2.5)
            base = np.clip(rng.normal(level, 0.3, len(qids)), 0, 1)
            if i == 0 and p.key == anomaly:  # a broken pair (the wrong documents): nearly nothing found
                base = rng.uniform(0, 0.03, len(qids))
            per_query = {m: dict(zip(qids, (np.round(np.clip(base + 0.02 * k, 0, 1), 4)).tolist()))
                         for k, m in enumerate(measures)}
            results[p.key] = PairResult(
                query_lang=p.query_lang, doc_lang=p.doc_lang, resource_level=p.resource_level, num_queries=len(qids),
                num_docs=204, data={"queries": p.queries, "docs": p.docs, "qrels": p.qrels},
                run_file=f"runs/{p.key}.trec", seconds={"index": 0.0, "search": 0.0},
                metrics={m: sum(v.values()) / len(v) for m, v in per_query.items()}, per_query=per_query)
        model = SystemMeta(name=name, kind="encoder" if i % 3 else "retriever", description=f"synthetic system {i}",
                          num_parameters=None if i % 3 == 0 else 10_000_000 * (i + 1),
                          embedding_dim=None if i % 3 == 0 else 384, training_data=[] if i % 2 else None,
                          source=f"https://example.org/{name}")
        file = ResultsFile(task="flores-r", metrics=list(measures), model=model, model_fingerprint=f"fp-{name}",
                           versions={"clirbench": "test"}, created=now(), updated=now(), pairs=results)
        write_json_atomic(out / "flores-r" / name / "results.json", file.model_dump(mode="json"))
    return names


def load_seconds(results_dir: Path, repeats: int = 3, first: bool = False) -> float:
    """Best seconds of a page of the app (AppTest: the whole script; on a board of more than 40
    columns the open tab only, the first, else every tab) reading `results_dir`; `first`: each
    page after emptying the app's cache of the files read."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["CLIRBENCH_RESULTS"] = str(results_dir)

    def load():
        if first:
            st.cache_resource.clear()
        app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=300).run()
        if app.exception:
            sys.exit(f"the app failed: {app.exception[0].value}")

    seconds, _ = best_seconds(load, repeats, warm_ups=0)
    return seconds


def flores_seconds(systems: int) -> dict:
    """First and later load of `systems` synthetic FLORES-R results files, the empty page, and a
    full read of the files (per-query values too)."""
    from clirbench.leaderboard.collect import collect
    from clirbench.tasks import task_files

    with tempfile.TemporaryDirectory() as tmp:
        flores, empty = Path(tmp) / "flores", Path(tmp) / "empty"
        flores_systems(flores, systems)
        empty.mkdir()
        load_seconds(empty, repeats=1)  # warm-up: the app's imports
        floor = load_seconds(empty)
        first = load_seconds(flores, first=True)
        later = load_seconds(flores)
        full, _ = best_seconds(lambda: collect([flores], known_tasks=set(task_files())), 1, warm_ups=0)
    return {"flores_systems": systems, "flores_first_seconds": first, "flores_later_seconds": later,
            "flores_first_to_later": first / later, "empty_page_seconds": floor, "flores_full_read_seconds": full}


def mlqa_seconds(raw: dict, systems: int) -> dict:
    """One system against `systems` copies of a real results file (later loads: best of three)."""
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one", Path(tmp) / "many"
        make_systems(raw, 1, one)
        make_systems(raw, systems, many)
        load_seconds(one)  # warm-up: imports, numba-free but altair/pandas caches
        t1 = load_seconds(one)
        tn = load_seconds(many)
    print(f"leaderboard load, {raw['task']}, {len(raw['pairs'])} pairs: 1 system {t1:.2f} s, "
          f"{systems} systems {tn:.2f} s ({tn / t1:.2f}x the time of one)")
    return {"task": raw["task"], "pairs": len(raw["pairs"]), "one_system_seconds": t1, "systems_seconds": tn,
            "ratio_to_one": tn / t1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default=str(REPO / "results/mlqa-r/bm25/results.json"))
    parser.add_argument("--systems", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--no-flores", dest="flores", action="store_false",
                        help="leave out the 205-language case (20 synthetic FLORES-R files, 190 MB, written first)")
    args = parser.parse_args()
    template = Path(args.template)
    out: dict = {"systems": args.systems}
    if template.exists():
        out.update(mlqa_seconds(json.loads(template.read_text()), args.systems))
    elif not args.flores:
        sys.exit(f"no {template}: run `make demo` (or `clirbench run --system bm25 --task mlqa-r`) first")
    else:
        print(f"no {template} (`make demo` makes it): the MLQA-R case is left out")
    if args.flores:
        flores = flores_seconds(args.systems)
        print(f"leaderboard load, flores-r, 464 pairs (205 languages), {args.systems} systems: first load "
              f"{flores['flores_first_seconds']:.2f} s (files read), later loads {flores['flores_later_seconds']:.2f} s "
              f"(first {flores['flores_first_to_later']:.2f}x a later one); the empty page "
              f"{flores['empty_page_seconds']:.2f} s; reading the files in full (the tests' first request) "
              f"{flores['flores_full_read_seconds']:.2f} s")
        out.update(flores)
    check_expected("leaderboard_load", out)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
