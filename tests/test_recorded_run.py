"""A toy run's results file and TREC runs against a committed copy (tests/data/toy-bm25/): a
refactoring of the runner, the results file or the TREC writer must leave them byte-identical
(issue 26, "Rules for the change"). Times, dates and library versions are left out.

After a change that is meant to alter them (a named bug fix), rewrite the copy with
`CLIRBENCH_REWRITE_RECORDED=1 pytest tests/test_recorded_run.py` and commit it with the fix."""

import json
import os
from pathlib import Path

RECORDED = Path(__file__).resolve().parent / "data" / "toy-bm25"
VOLATILE = ("created", "updated", "versions")  # of the file; and each pair's `seconds`


def stable_fields(results: dict) -> dict:
    """A results file without the fields that change from run to run (dates, versions, timings)."""
    kept = {k: v for k, v in results.items() if k not in VOLATILE}
    kept["pairs"] = {key: {k: v for k, v in pair.items() if k != "seconds"} for key, pair in results["pairs"].items()}
    return kept


def _text(results: dict) -> str:
    return json.dumps(stable_fields(results), indent=1, sort_keys=True) + "\n"


def test_bm25_on_the_toy_task_records_what_it_recorded_before(cli, tmp_path):
    cli("run", "--system", "bm25", "--task", "toy")
    out = tmp_path / "results" / "toy" / "bm25"
    got = _text(json.loads((out / "results.json").read_text()))
    runs = {p.name: p.read_bytes() for p in sorted((out / "runs").glob("*.trec"))}
    assert len(runs) == 16
    if os.environ.get("CLIRBENCH_REWRITE_RECORDED"):
        (RECORDED / "runs").mkdir(parents=True, exist_ok=True)
        for old in (RECORDED / "runs").glob("*.trec"):
            old.unlink()
        (RECORDED / "results.json").write_text(got)
        for name, data in runs.items():
            (RECORDED / "runs" / name).write_bytes(data)
    assert got == (RECORDED / "results.json").read_text()
    assert runs == {p.name: p.read_bytes() for p in sorted((RECORDED / "runs").glob("*.trec"))}
