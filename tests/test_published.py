"""Published scores beside a run's own (clirbench.eval.published, `clirbench compare`)."""

import json

import pytest

from clirbench.core.errors import ClirbenchError
from clirbench.eval.published import REFERENCES, Published, agreement, read_published
from clirbench.eval.runner import run_task
from clirbench.systems.bm25s_retriever import Bm25sRetriever
from clirbench.tasks import load_task, select_pairs

MTEB_TATOEBA = REFERENCES / "mteb_tatoeba_multilingual-e5-small.json"


@pytest.fixture(scope="module")
def toy_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("published")
    toy = load_task("toy")
    return run_task(toy, Bm25sRetriever(), select_pairs(toy, ["sw-en", "yo-en", "en-en"]), out_dir=out / "results",
                    cache_dir=out / "cache").results


def test_agreement_is_the_difference_pair_by_pair(toy_results):
    ours = {k: toy_results.pairs[k].metrics["RR@10"] for k in ("sw-en", "yo-en")}
    published = Published("test", {"sw-en": ours["sw-en"] - 0.1, "yo-en": ours["yo-en"] + 0.3, "de-en": 0.5})
    found = agreement(toy_results, published, "RR@10")
    assert found.differences() == pytest.approx({"sw-en": 0.1, "yo-en": -0.3})
    assert found.mean_difference == pytest.approx(-0.1) and found.mean_absolute == pytest.approx(0.2)
    assert found.max_absolute == ("yo-en", pytest.approx(-0.3))
    assert found.missing == ["de-en"]  # published, not run


def test_no_shared_pair_or_measure_is_an_error(toy_results):
    with pytest.raises(ClirbenchError, match="no pair of the published scores"):
        agreement(toy_results, Published("test", {"amh-eng": 0.5}), "RR@10")
    with pytest.raises(ClirbenchError, match="no measure Success@1"):
        agreement(toy_results, Published("test", {"sw-en": 0.5}), "Success@1")


def test_mteb_tatoeba_scores_are_read_as_published():
    published = read_published(MTEB_TATOEBA)
    raw = json.loads(MTEB_TATOEBA.read_text())
    assert len(published.scores) == 112 and raw["source"]["commit"] in published.source
    assert published.scores["amh-eng"] == raw["scores"]["amh"]["accuracy"]
    assert read_published(MTEB_TATOEBA, "f1").scores["amh-eng"] == raw["scores"]["amh"]["f1"]


def test_a_published_file_without_the_field_names_it(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"source": {}, "scores": {"amh": {"f1": 0.5}}}))
    with pytest.raises(ClirbenchError, match="accuracy"):
        read_published(bad)
