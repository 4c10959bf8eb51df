"""Results files of the previous schema version are migrated when read, not skipped."""

import json

import pytest

from clirbench.eval.results import SCHEMA_VERSION, load_results
from clirbench.leaderboard.collect import collect

# A results file as clirbench wrote it under schema version 1: WikiCLIR's values keyed by
# the measures' full definitions, no `measures` table, no `adapted_from`.
VERSION_1 = {
    "schema_version": 1, "task": "wikiclir", "task_description": "WikiCLIR",
    "metrics": ["RR(rel=2)@10", "nDCG@10", "R(rel=2)@100", "AP(rel=2)"],
    "model": {"name": "bm25s", "kind": "retriever", "description": "BM25", "languages": None,
              "parameters": {"k1": 0.9, "b": 0.4}, "num_parameters": None, "embedding_dim": None,
              "training_data": [], "license": "MIT", "source": None, "notes": ""},
    "model_fingerprint": "abc", "versions": {"clirbench": "0.1.0"},
    "created": "2026-11-01T00:00:00+00:00", "updated": "2026-11-01T00:00:00+00:00",
    "pairs": {"en-sw": {
        "query_lang": "en", "doc_lang": "sw", "resource_level": "low", "num_queries": 2, "num_docs": 4,
        "data": {"queries": "wikiclir/sw", "docs": "wikiclir/sw", "qrels": "wikiclir/sw"},
        "run_file": "runs/en-sw.trec", "seconds": {"index": 0.1, "search": 0.01},
        "metrics": {"RR(rel=2)@10": 0.75, "nDCG@10": 0.8, "R(rel=2)@100": 1.0, "AP(rel=2)": 0.75},
        "per_query": {"RR(rel=2)@10": {"101": 1.0, "102": 0.5}, "nDCG@10": {"101": 1.0, "102": 0.6},
                      "R(rel=2)@100": {"101": 1.0, "102": 1.0}, "AP(rel=2)": {"101": 1.0, "102": 0.5}},
    }},
    "not_applicable": {},
}


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "results" / "wikiclir" / "bm25s" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(VERSION_1))
    return path


def test_a_version_1_file_is_migrated(old_file):
    results = load_results(old_file)
    assert results.schema_version == SCHEMA_VERSION == 2
    assert results.metrics == ["RR@10", "nDCG@10", "R@100", "AP"]
    assert results.measures["RR@10"] == "RR(rel=2)@10" and results.measures["nDCG@10"] == "nDCG@10"
    pair = results.pairs["en-sw"]
    assert pair.metrics["RR@10"] == 0.75 and pair.per_query["AP"] == {"101": 1.0, "102": 0.5}
    assert results.measure_name("RR(rel=2)@10") == "RR@10"


def test_the_leaderboard_shows_migrated_files(old_file, cli):
    found = collect([old_file.parents[2]], known_tasks={"wikiclir"})
    assert found.warnings == [] and [r.model.name for r in found.for_task("wikiclir")] == ["bm25s"]
    board = cli("leaderboard", "--task", "wikiclir", "--results", str(old_file.parents[2]), "--metric", "RR@10",
                "--format", "csv").stdout
    assert "0.75" in board.splitlines()[1]


def test_an_unknown_version_is_skipped_with_a_reason(old_file):
    old_file.write_text(json.dumps({**VERSION_1, "schema_version": 99}))
    found = collect([old_file.parents[2]], known_tasks={"wikiclir"})
    assert found.for_task("wikiclir") == [] and "schema version 99 is unknown" in found.warnings[0]


def test_a_version_1_file_with_an_unknown_measure_is_skipped_not_fatal(old_file):
    old_file.write_text(json.dumps({**VERSION_1, "metrics": ["NotAMeasure@10"]}))
    found = collect([old_file.parents[2]], known_tasks={"wikiclir"})
    assert found.for_task("wikiclir") == [] and "cannot migrate from schema version 1" in found.warnings[0]


def test_a_gzipped_results_file_is_read_where_no_plain_one_stands(tmp_path):
    """Committed baselines are `results.json.gz`: loading, collecting and going on from one."""
    import gzip
    import shutil

    from clirbench.eval.results import load_results, results_path, stored_results
    from clirbench.eval.runner import run_task
    from clirbench.leaderboard.collect import collect
    from clirbench.systems.bm25s_retriever import Bm25sRetriever
    from clirbench.tasks import load_task, select_pairs

    toy = load_task("toy")
    out = tmp_path / "results"
    run_task(toy, Bm25sRetriever(), select_pairs(toy, ["en-sw"]), out_dir=out, cache_dir=tmp_path / "cache")
    path = results_path(out, "toy", "bm25s")
    plain = load_results(path)
    path.with_name("results.json.gz").write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    assert stored_results(path).name == "results.json.gz"
    assert load_results(path).pairs["en-sw"].per_query == plain.pairs["en-sw"].per_query
    assert [r.model.name for r in collect([out]).for_task("toy")] == ["bm25s"]
    # A run goes on from it: the finished pair is kept, the new one added, into results.json.
    report = run_task(toy, Bm25sRetriever(), select_pairs(toy, ["en-sw", "sw-en"]), out_dir=out,
                      cache_dir=tmp_path / "cache")
    assert report.skipped == ["en-sw"] and set(load_results(path).pairs) == {"en-sw", "sw-en"} and path.exists()
    found = collect([out])
    assert len(found.for_task("toy")) == 1 and not found.warnings  # the plain file stands for the gzipped one
    shutil.rmtree(out)


def test_force_keeps_an_unreadable_gzipped_results_file_beside_the_new_one(tmp_path):
    """start_results (the runner's and fusion's one rule) on a committed `results.json.gz` that
    cannot be read: refused, and with --force kept as `results.json.gz.unreadable-*` (the copy
    used to be taken of the absent `results.json`, a FileNotFoundError)."""
    from clirbench.core.errors import ClirbenchError
    from clirbench.eval.results import parse_results, start_results

    path = tmp_path / "results" / "wikiclir" / "bm25s" / "results.json"
    path.parent.mkdir(parents=True)
    path.with_name("results.json.gz").write_bytes(b"not gzip")
    fresh = parse_results({**VERSION_1, "pairs": {}})
    with pytest.raises(ClirbenchError, match="not a gzipped"):
        start_results(path, fresh, force=False)
    notes = []
    assert start_results(path, fresh, force=True, note=notes.append) is fresh
    kept = list(path.parent.glob("results.json.gz.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"not gzip" and kept[0].name in notes[0]
