"""Tasks a user with network runs (CLIRMatrix, MIRACL), run here on tiny files in the formats of
the real downloads, placed where ir_datasets looks for them (tests/network_fixtures.py): ir_datasets
reads them for real, bm25s ranks them, and the scores are checked against values worked out by hand.
Without the files, `clirbench tasks` and `clirbench run` say which files to put where."""

import math
import os
from pathlib import Path

import pytest

from conftest import read_results
from network_fixtures import (CLIRMATRIX_INDEX, CLIRMATRIX_INDEX_URL, CLIRMATRIX_SITE, CLIRMATRIX_TASK_PAIRS,
                              clirmatrix_docs_path, clirmatrix_pair_path, miracl_paths, place_clirmatrix,
                              place_clirmatrix_index, place_miracl)

# Stand-ins for the official files: their MD5s differ, so they are read unchecked.
UNCHECKED = {"CLIRBENCH_VERIFY_DATA": "0"}
# A closed local port as proxy: a download fails at once, as it does offline.
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "IR_DATASETS_DL_TRIES": "1"}


def _home(tmp_path):
    return tmp_path / "ir_datasets"


def _ndcg(gains_in_rank_order, all_gains):
    """nDCG with linear gains (trec_eval's ndcg_cut, which ir-measures computes)."""
    def dcg(gains):
        return sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    return dcg(gains_in_rank_order) / dcg(sorted(all_gains, reverse=True))


# ---- CLIRMatrix ------------------------------------------------------------------------------

def test_clirmatrix_bm25s_both_directions(cli, tmp_path):
    place_clirmatrix(_home(tmp_path))
    cli("run", "--system", "bm25s", "--task", "clirmatrix", "--pairs", "en-sw,sw-en", extra_env={**UNCHECKED, **OFFLINE})
    results = read_results(tmp_path / "results" / "clirmatrix" / "bm25s" / "results.json")
    assert results["metrics"][0] == "nDCG@10"
    # Relevance threshold 1: every graded article counts for the binary measures.
    assert results["measures"]["RR@10"] == "RR@10"
    en_sw, sw_en = results["pairs"]["en-sw"], results["pairs"]["sw-en"]
    # The document language comes first in CLIRMatrix's IDs.
    assert en_sw["data"] == {"queries": "clirmatrix/sw/bi139-base/en/test1", "docs": "clirmatrix/sw",
                             "qrels": "clirmatrix/sw/bi139-base/en/test1"}
    assert sw_en["data"]["docs"] == "clirmatrix/en" and sw_en["data"]["queries"] == "clirmatrix/en/bi139-base/sw/test1"
    assert en_sw["num_queries"] == 2 and en_sw["num_docs"] == 4
    assert sw_en["num_queries"] == 2 and sw_en["num_docs"] == 3
    # "Nairobi": 5001 (grade 2, shorter, the word twice) ranks above 5002 (grade 6); the rest match nothing.
    expected = _ndcg([2, 6], [6, 2, 0])
    assert expected == pytest.approx(0.79670, abs=1e-5)
    ndcg = en_sw["per_query"]["nDCG@10"]
    assert ndcg["21"] == pytest.approx(expected, abs=1e-6) and ndcg["22"] == pytest.approx(1.0)
    assert en_sw["per_query"]["RR@10"] == {"21": 1.0, "22": 1.0}
    assert en_sw["per_query"]["R@100"] == {"21": 1.0, "22": 1.0}
    # "Mlima Kilimanjaro" finds Mount Kilimanjaro; "Bahari Hindi" shares no word with the English articles.
    assert sw_en["per_query"]["RR@10"] == {"31": 1.0, "32": 0.0}
    assert sw_en["per_query"]["nDCG@10"] == {"31": pytest.approx(1.0), "32": 0.0}


def test_clirmatrix_tasks_says_which_files_to_put_where(cli, tmp_path):
    home = _home(tmp_path)
    # Nothing here: ir_datasets reads CLIRMatrix's own index of files before anything else.
    listing = cli("tasks", "clirmatrix", extra_env=OFFLINE)
    text = " ".join(listing.stdout.split())  # rich wraps long lines
    assert str(home / CLIRMATRIX_INDEX) in text and CLIRMATRIX_INDEX_URL in text
    assert "Traceback" not in listing.stderr
    # With the index: every file it names for the task, each with its address.
    place_clirmatrix_index(home)
    text = " ".join(cli("tasks", "clirmatrix", extra_env=OFFLINE).stdout.split())
    for q, d in CLIRMATRIX_TASK_PAIRS:
        assert str(home / clirmatrix_pair_path(q, d)) in text
        assert f"{CLIRMATRIX_SITE}BI-139/base/{q}/{q}.{d}.test1.base.jl.gz" in text
    for lang in ("en", "sw", "yo", "am", "te"):
        assert str(home / clirmatrix_docs_path(lang)) in text and f"{CLIRMATRIX_SITE}DOCS/{lang}.tsv.gz" in text
    assert str(home / CLIRMATRIX_INDEX) not in text
    # With the files of en-sw and sw-en: those two pairs are ready.
    place_clirmatrix(home)
    listing = cli("tasks", "clirmatrix", extra_env=OFFLINE).stdout
    rows = {line.split()[1]: line for line in listing.splitlines() if line.startswith("│ ") and "clirmatrix/" in line}
    assert "yes" in rows["en-sw"] and "yes" in rows["sw-en"] and "no" in rows["en-yo"]
    assert str(home / clirmatrix_docs_path("sw")) not in " ".join(listing.split())
    summary = next(line for line in cli("tasks", extra_env=OFFLINE).stdout.splitlines() if "clirmatrix" in line)
    assert "2/8" in summary


def test_clirmatrix_run_without_data_names_the_index(cli, tmp_path):
    proc = cli("run", "--system", "bm25s", "--task", "clirmatrix", "--pairs", "en-yo", check=False, extra_env=OFFLINE)
    assert proc.returncode == 2, proc.stderr
    assert "pair en-yo: data is not available here" in proc.stderr
    assert os.path.join("clirmatrix", "clirmatrix_downloads.json.gz") in proc.stderr
    assert "Traceback" not in proc.stderr


# ---- MIRACL ----------------------------------------------------------------------------------

def test_miracl_paths_are_those_ir_datasets_reads():
    from clirbench.data.availability import required_files

    for lang in ("sw", "te"):
        files = required_files(f"miracl/{lang}/dev")
        # Under ir_datasets' home as it was when ir_datasets built the dataset (another test of
        # this process may have pointed IR_DATASETS_HOME elsewhere since).
        home = files[0].path.parents[len(Path(next(iter(miracl_paths(lang).values()))).parts) - 1]
        assert {f.path.relative_to(home).as_posix() for f in files} == set(miracl_paths(lang).values())
        assert all(f.url.startswith("https://huggingface.co/datasets/") for f in files)


def test_miracl_bm25s_monolingual(cli, tmp_path):
    home = _home(tmp_path)
    listing = " ".join(cli("tasks", "miracl-lr", extra_env=OFFLINE).stdout.split())
    assert str(home / miracl_paths("sw")["docs-0"]) in listing
    assert "https://huggingface.co/datasets/miracl/miracl-corpus/resolve/main/miracl-corpus-v1.0-sw/docs-0.jsonl.gz" in listing
    place_miracl(home)
    cli("run", "--system", "bm25s", "--task", "miracl-lr", "--pairs", "sw-sw,te-te", extra_env={**UNCHECKED, **OFFLINE})
    results = read_results(tmp_path / "results" / "miracl-lr" / "bm25s" / "results.json")
    assert results["metrics"][:2] == ["nDCG@10", "R@100"]
    sw, te = results["pairs"]["sw-sw"], results["pairs"]["te-te"]
    assert sw["data"]["qrels"] == "miracl/sw/dev" and sw["data"]["docs"] == "miracl/sw"
    # Query 4 has no judgements: it is not evaluated.
    assert sw["num_queries"] == 3 and sw["num_docs"] == 4
    # Telugu's corpus is two files: both are read, and the relevant passage is in the second.
    assert te["num_queries"] == 1 and te["num_docs"] == 2
    assert sw["per_query"]["RR@10"] == {"1": 1.0, "2": 1.0, "3": 0.5}
    assert sw["per_query"]["nDCG@10"] == {"1": pytest.approx(1.0), "2": pytest.approx(1.0),
                                          "3": pytest.approx(1 / math.log2(3))}
    assert sw["per_query"]["AP"] == {"1": 1.0, "2": 1.0, "3": 0.5}
    assert te["per_query"]["RR@10"] == {"5": 1.0}


def test_miracl_references_name_the_tasks_measures_and_pairs():
    from clirbench.tasks import load_task

    spec = load_task("miracl-lr")
    pairs = {p.key for p in spec.pairs()}
    assert pairs == {"sw-sw", "yo-yo", "te-te", "bn-bn"}
    assert [r.system.split()[0] for r in spec.references] == ["BM25", "mDPR", "BM25"]
    for ref in spec.references:
        assert set(ref.scores) == {"nDCG@10", "R@100"} <= set(spec.metrics)
        for values in ref.scores.values():
            assert set(values) == pairs and all(0 < v < 1 for v in values.values())
    # pyserini/2cr/miracl.yaml, split dev: spot checks of each condition.
    bm25, mdpr, hybrid = spec.references
    assert bm25.scores["nDCG@10"]["sw-sw"] == 0.3826 and mdpr.scores["R@100"]["yo-yo"] == 0.8403
    assert hybrid.scores["nDCG@10"]["bn-bn"] == 0.6540
