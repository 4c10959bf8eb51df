"""End to end through the command line on the toy collection, with both BM25 back-ends."""

import os
import re

import pytest

from conftest import read_results

PAIRS = "en-sw,sw-en,yo-yo,de-en"


@pytest.mark.parametrize("model", ["bm25", "bm25s"])
def test_run_writes_results_runs_and_table(cli, tmp_path, model):
    proc = cli("run", "--system", model, "--task", "toy", "--pairs", PAIRS)
    results = read_results(tmp_path / "results" / "toy" / model / "results.json")
    assert results["task"] == "toy" and results["model"]["name"] == model
    assert results["metrics"] == ["RR@10", "nDCG@10", "R@100", "AP"]
    assert {"clirbench", "ir_datasets", "ir-measures"} <= set(results["versions"])
    assert set(results["pairs"]) == set(PAIRS.split(","))
    yo = results["pairs"]["yo-yo"]
    assert (yo["query_lang"], yo["doc_lang"], yo["resource_level"]) == ("yo", "yo", "low")
    assert yo["num_queries"] == 6 and yo["num_docs"] == 8
    # Monolingual Yoruba: every question shares its key words with its passage.
    assert yo["metrics"]["RR@10"] == 1.0
    assert set(yo["per_query"]["RR@10"]) == {f"t{i}" for i in range(1, 7)}
    assert results["pairs"]["de-en"]["resource_level"] == "high"
    # The TREC run file: qid Q0 docid rank score tag, ranks from 1, scores descending.
    lines = (tmp_path / "results" / "toy" / model / "runs" / "sw-en.trec").read_text().splitlines()
    rows = [line.split() for line in lines]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == model for r in rows)
    t1 = [r for r in rows if r[0] == "t1"]
    assert [int(r[3]) for r in t1] == list(range(1, len(t1) + 1))
    assert [float(r[4]) for r in t1] == sorted((float(r[4]) for r in t1), reverse=True)
    assert t1[0][2] == "en-1"  # "Kenya" and "Nairobi"-question finds the Kenya passage
    # The table: pairs grouped by level, with macro averages.
    assert "mean: cross-lingual" in proc.stdout and "mean: low" in proc.stdout
    assert re.search(r"yo-yo\s+│\s+class 2", proc.stdout)  # Joshi et al.'s class of Yoruba


def test_rerun_skips_finished_pairs_and_force_reruns(cli, tmp_path):
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw")
    path = tmp_path / "results" / "toy" / "bm25s" / "results.json"
    first = read_results(path)
    again = cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw,sw-en")
    assert "1 pair(s) already in" in again.stderr
    second = read_results(path)
    assert second["pairs"]["en-sw"] == first["pairs"]["en-sw"]
    assert set(second["pairs"]) == {"en-sw", "sw-en"}
    forced = cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw", "--force")
    assert "already in" not in forced.stderr  # en-sw ran again
    third = read_results(path)
    assert set(third["pairs"]) == {"en-sw", "sw-en"}  # --force reruns the pairs named, keeps the others
    assert third["pairs"]["en-sw"]["metrics"] == first["pairs"]["en-sw"]["metrics"]
    assert third["pairs"]["sw-en"] == second["pairs"]["sw-en"]


def test_interrupted_run_keeps_finished_pairs_and_resumes(cli, tmp_path):
    model = "plugins_for_tests:FailsOnPair"
    env = {"PYTHONPATH": os.path.dirname(__file__), "FAIL_ON_QUERY_LANG": "yo"}
    crashed = cli("run", "--system", model, "--task", "toy", "--pairs", "en-sw,yo-sw,de-sw", extra_env=env, check=False)
    assert crashed.returncode != 0 and "simulated crash" in crashed.stderr
    path = tmp_path / "results" / "toy" / "bm25s" / "results.json"
    assert set(read_results(path)["pairs"]) == {"en-sw"}
    env["FAIL_ON_QUERY_LANG"] = ""
    resumed = cli("run", "--system", model, "--task", "toy", "--pairs", "en-sw,yo-sw,de-sw", extra_env=env)
    assert set(read_results(path)["pairs"]) == {"en-sw", "yo-sw", "de-sw"}
    assert "1 pair(s) already in" in resumed.stderr


@pytest.mark.parametrize(
    "args, message, hint",
    [
        (["--system", "nope", "--task", "toy"], "unknown system 'nope'", "bm25s"),
        (["--system", "bm25s", "--task", "nope"], "unknown task 'nope'", "mlqa-r"),
        (["--system", "bm25s", "--task", "toy", "--pairs", "en-xx"], "no pair(s) en-xx: xx is not a language of toy", "no task has xx"),
        (["--system", "plugins_for_tests:NotAPlugin", "--task", "toy"], "not a clirbench plugin", "Retriever"),
    ],
)
def test_bad_input_gets_a_clear_error(cli, args, message, hint):
    proc = cli("run", *args, check=False, extra_env={"PYTHONPATH": os.path.dirname(__file__)})
    assert proc.returncode == 2
    assert message in proc.stderr and hint in proc.stderr
    assert "Traceback" not in proc.stderr


def test_tasks_and_models_commands(cli):
    listing = cli("tasks").stdout
    for name in ["toy", "mlqa-r", "xquad-r", "wikiclir", "mmarco-clir"]:
        assert name in listing
    toy = cli("tasks", "toy").stdout
    assert toy.count("yes") == 16
    wikiclir = cli("tasks", "wikiclir").stdout
    assert "wiki_sw.documents" in wikiclir and "en2sw.rel" in wikiclir
    models = cli("models").stdout
    assert "bm25 " in models and "bm25s" in models
