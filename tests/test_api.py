"""The library's front door (clirbench.api, exported lazily by `clirbench`): real runs on the toy
task, checked against what the `clirbench` command writes and prints for the same work."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import clirbench
from clirbench.api import leaderboard, train
from clirbench.core.errors import ClirbenchError

from conftest import read_results

REPO = Path(__file__).resolve().parent.parent
README_LINE = "import clirbench; clirbench.evaluate('bm25', 'toy')"


def test_import_is_cheap_and_the_front_door_is_lazy():
    code = ("import sys, clirbench\n"
            "assert 'clirbench.api' not in sys.modules and 'pandas' not in sys.modules, sorted(sys.modules)\n"
            "assert callable(clirbench.evaluate) and 'clirbench.api' in sys.modules\n"
            "assert {'get_task', 'get_system', 'evaluate', 'fuse'} <= set(dir(clirbench))\n"
            # The subpackages of these names stay what they are; the functions are the api's.
            "from clirbench.api import leaderboard, train\n"
            "import clirbench.leaderboard.tables, clirbench.train.recipe\n"
            "assert clirbench.leaderboard.tables.score_table and clirbench.train.recipe.load_recipe\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        clirbench.nothing


def test_the_readme_line_writes_what_clirbench_run_writes(cli, env, tmp_path):
    """The README's one line, on a fresh folder (no index, no results), writes results/toy/bm25/
    where `clirbench run` writes by default, with the same scores and the same TREC runs."""
    assert README_LINE in (REPO / "README.md").read_text()
    lib = tmp_path / "lib"
    lib.mkdir()
    proc = subprocess.run([sys.executable, "-c", README_LINE], cwd=lib, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    cli("run", "--system", "bm25", "--task", "toy", "--out", "cli")
    ours, theirs = lib / "results" / "toy" / "bm25", tmp_path / "cli" / "toy" / "bm25"
    a, b = read_results(ours / "results.json"), read_results(theirs / "results.json")
    assert len(a["pairs"]) == 16 and set(a["pairs"]) == set(b["pairs"])
    for key in a["pairs"]:
        assert a["pairs"][key]["metrics"] == b["pairs"][key]["metrics"], key
        assert a["pairs"][key]["per_query"] == b["pairs"][key]["per_query"], key
        assert (ours / "runs" / f"{key}.trec").read_text() == (theirs / "runs" / f"{key}.trec").read_text()


def test_evaluate_returns_the_results_the_run_command_writes(cli, env, tmp_path, monkeypatch):
    """In this process, by name: Results holds per pair the RR@10 (and per query) that
    `clirbench run` writes for the same system and pairs; a rerun skips, as the command does."""
    for key in ("IR_DATASETS_HOME", "CLIRBENCH_CACHE"):
        monkeypatch.setenv(key, env[key])
    work = tmp_path / "lib"
    work.mkdir()
    monkeypatch.chdir(work)
    results = clirbench.evaluate("bm25s", "toy", pairs="en-sw,sw-en,yo-yo")
    assert results.path == Path("results/toy/bm25s/results.json") and results.path.exists()
    assert results.pairs == ["en-sw", "sw-en", "yo-yo"] and results.runs == Path("results/toy/bm25s/runs")
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw,sw-en,yo-yo", "--out", "cli")
    written = read_results(tmp_path / "cli" / "toy" / "bm25s" / "results.json")
    assert results.scores() == {k: written["pairs"][k]["metrics"]["RR@10"] for k in results.pairs}
    assert results.scores("AP") == {k: written["pairs"][k]["metrics"]["AP"] for k in results.pairs}
    assert results.per_query("sw-en") == written["pairs"]["sw-en"]["per_query"]["RR@10"]
    assert results.scores()["yo-yo"] == 1.0
    again = clirbench.evaluate("bm25s", "toy", pairs=["en-sw"])
    assert again.skipped == ["en-sw"] and again.scores() == {"en-sw": results.scores()["en-sw"]}


def test_systems_and_tasks_as_objects(tmp_path):
    """get_task / get_system give what evaluate also takes; errors are the command's."""
    from clirbench.systems.bm25s_retriever import Bm25sRetriever

    task = clirbench.get_task("toy")
    system = clirbench.get_system("bm25s")
    assert task.name == "toy" and isinstance(system, Bm25sRetriever)
    results = clirbench.evaluate(system, task, ["de-en"], out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    assert results.path == tmp_path / "out" / "toy" / "bm25s" / "results.json"
    assert set(results.scores()) == {"de-en"} and results.file.pairs["de-en"].num_queries == 6
    with pytest.raises(ClirbenchError, match="unknown system 'nosuch'"):
        clirbench.get_system("nosuch")
    with pytest.raises(ClirbenchError, match="unknown task 'nosuch'"):
        clirbench.evaluate("bm25s", "nosuch", out_dir=tmp_path / "out")
    with pytest.raises(ClirbenchError, match="--pairs is empty"):
        clirbench.evaluate("bm25s", "toy", pairs="", out_dir=tmp_path / "out")
    with pytest.raises(ClirbenchError, match="cannot read recipe"):
        train(tmp_path / "nosuch.yaml")


def test_fusion_by_name(tmp_path):
    """`fuse:a+b` through evaluate, as `clirbench run --system fuse:a+b` takes it."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    for name in ("bm25s", "hashed-ngrams"):
        clirbench.evaluate(name, "toy", "en-sw,sw-en", out_dir=out, cache_dir=cache)
    fused = clirbench.evaluate("fuse:bm25s+hashed-ngrams", "toy", "en-sw,sw-en,yo-yo", out_dir=out, cache_dir=cache)
    assert fused.path == out / "toy" / "fuse-rrf:bm25s+hashed-ngrams" / "results.json"
    assert fused.pairs == ["en-sw", "sw-en"] and fused.not_fused == ["yo-yo"]


def test_leaderboard_rows_are_the_commands_table(cli, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    for name in ("bm25s", "hashed-ngrams"):
        clirbench.evaluate(name, "toy", out_dir=out, cache_dir=cache)
    board = leaderboard("toy", results=[out])
    assert board.metric == "RR@10" and [r.model.name for r in board.results]
    printed = cli("leaderboard", "--task", "toy", "--results", str(out), "--format", "csv").stdout
    table = list(csv.DictReader(io.StringIO(printed)))
    rows = board.rows()
    assert [r["system"] for r in rows] == [r["system"] for r in table]
    for ours, theirs in zip(rows, table):
        for column, value in theirs.items():
            if column != "system" and value:
                assert float(value) == pytest.approx(ours[column], abs=5e-5), column
    summary = leaderboard("toy", results=[out], view="summary")
    assert summary.metric == "AP" and set(summary.summary().index) == {"bm25s", "hashed-ngrams"}
    with pytest.raises(ClirbenchError, match="baseline 'nosuch' has no results"):
        leaderboard("toy", results=[out], baseline="nosuch")


def _only_ap(path: Path) -> None:
    """Rewrite a results file as if its task had scored AP alone."""
    raw = json.loads(path.read_text())
    raw["metrics"], raw["measures"] = ["AP"], {"AP": raw["measures"].get("AP", "AP")}
    for pair in raw["pairs"].values():
        pair["metrics"] = {"AP": pair["metrics"]["AP"]}
        pair["per_query"] = {"AP": pair["per_query"]["AP"]}
    path.write_text(json.dumps(raw))


def test_the_app_and_the_command_show_the_same_measure_by_default(tmp_path, monkeypatch):
    """One rule (clirbench.leaderboard.tables.default_measure): the task's first measure that
    some file has. With one file scored on AP alone, AP is the only measure every file has:
    the app showed it first, the command RR@10; both show RR@10 now, leaving that file out."""
    from streamlit.testing.v1 import AppTest

    out, cache = tmp_path / "results", tmp_path / "cache"
    for name in ("bm25s", "hashed-ngrams"):
        clirbench.evaluate(name, "toy", "en-sw,sw-en", out_dir=out, cache_dir=cache)
    _only_ap(out / "toy" / "bm25s" / "results.json")
    warned = []
    board = leaderboard("toy", results=[out], warn=warned.append)
    assert board.metric == "RR@10" and [r.model.name for r in board.results] == ["hashed-ngrams"]
    assert any("bm25s" in w and "no RR@10" in w for w in warned)
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(out))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception
    assert next(box for box in app.selectbox if box.label == "Metric").value == "RR@10"
    assert set(app.table[0].value.index) == {"hashed-ngrams"}


def test_systems_is_the_new_name_of_models(cli):
    """`clirbench systems` lists what `clirbench models` lists, word for word."""
    assert cli("systems").stdout == cli("models").stdout
    assert "bm25s" in cli("systems", "list").stdout
    failed = cli("systems", "install", "nosuch", check=False)
    assert failed.returncode == 2 and "cannot install 'nosuch'" in failed.stderr


def test_model_is_the_old_name_of_system(cli_here, tmp_path):
    """`--model` (one release) is `--system` by its old name, in every command that takes a system."""
    from clirbench.cli import build_parser

    parser = build_parser()
    for command, extra in (("run", []), ("show", []), ("compare", ["--published", "f.json"])):
        for option in ("--system", "--model"):
            assert parser.parse_args([command, option, "bm25s", "--task", "toy", *extra]).system == "bm25s"
    run_help = next(a for a in parser._subparsers._group_actions[0].choices["run"]._actions if a.dest == "system")
    assert run_help.option_strings == ["--system", "--model"] and "--model is its old name" in run_help.help
    assert cli_here("run", "--model", "bm25s", "--task", "toy", "--pairs", "en-sw").returncode == 0
    assert (tmp_path / "results/toy/bm25s/results.json").is_file()
    shown = cli_here("show", "--model", "bm25s", "--task", "toy")
    assert shown.returncode == 0 and shown.stdout == cli_here("show", "--system", "bm25s", "--task", "toy").stdout

