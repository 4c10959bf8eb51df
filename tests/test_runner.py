"""The runner's bookkeeping: index reuse and invalidation, the build lock, results files
that refuse mixed settings, and notes instead of swallowed errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clirbench.core.errors import ClirbenchError
from clirbench.core.progress import Progress
from clirbench.eval.runner import NOT_INSTALLED, _docs_total, run_task
from clirbench.tasks import load_task, select_pairs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from plugins_for_tests import CountingBm25s, UnknownLibrary  # noqa: E402

TOY = load_task("toy")


class Notes(Progress):
    def __init__(self):
        self.notes = []

    def note(self, message):
        self.notes.append(message)


@pytest.fixture
def build_log(tmp_path, monkeypatch):
    log = tmp_path / "builds.log"
    monkeypatch.setenv("BUILD_LOG", str(log))
    return lambda: log.read_text().split() if log.exists() else []


def _run(plugin, pairs, tmp_path, out="results", **kwargs):
    return run_task(TOY, plugin, select_pairs(TOY, pairs), out_dir=tmp_path / out, cache_dir=tmp_path / "cache", **kwargs)


def test_an_index_is_built_once_per_collection_and_reused(tmp_path, build_log):
    _run(CountingBm25s(), ["en-sw", "de-sw"], tmp_path)
    assert build_log() == ["sw"]  # two pairs, one collection
    _run(CountingBm25s(), ["yo-sw", "en-en"], tmp_path, out="other")
    assert build_log() == ["sw", "en"]  # sw came from the cache


def test_a_new_index_format_rebuilds_the_index(tmp_path, build_log):
    _run(CountingBm25s(), ["en-sw"], tmp_path)
    newer = CountingBm25s()
    newer.index_format = 2  # the plugin's code changed what its indexes hold
    _run(newer, ["en-sw"], tmp_path, out="other")
    assert build_log() == ["sw", "sw"]


def test_two_processes_build_one_index_once(tmp_path, build_log):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path\n"
            "from plugins_for_tests import CountingBm25s\n"
            "from clirbench.eval.runner import run_task\n"
            "from clirbench.tasks import load_task, select_pairs\n"
            "t = load_task('toy'); out = Path(sys.argv[2])\n"
            "run_task(t, CountingBm25s(), select_pairs(t, ['en-sw']), out_dir=out / sys.argv[3], cache_dir=out / 'cache')\n")
    env = {**os.environ, "BUILD_SLEEP": "1.5"}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(HERE), str(tmp_path), f"out{i}"], env=env)
             for i in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert build_log() == ["sw"]  # the second waited on the lock, then found the index built


def test_a_results_file_refuses_other_settings(tmp_path):
    _run(CountingBm25s.__mro__[1](), ["en-sw"], tmp_path)  # bm25s, k1=0.9
    from clirbench.systems.bm25s_retriever import Bm25sRetriever

    with pytest.raises(ClirbenchError, match="from another version: its settings") as e:
        _run(Bm25sRetriever(k1=1.2), ["de-sw"], tmp_path)
    assert "k1: 0.9 -> 1.2" in e.value.message and "--force" in e.value.hint and "bm25s-v2" in e.value.hint
    report = _run(Bm25sRetriever(k1=1.2), ["de-sw"], tmp_path, force=True)
    assert set(report.results.pairs) == {"de-sw"}  # the k1=0.9 pair is not kept beside k1=1.2
    assert report.results.model.parameters["k1"] == 1.2


def test_unknown_library_versions_are_recorded_and_reported(tmp_path):
    notes = Notes()
    report = _run(UnknownLibrary(), ["en-sw"], tmp_path, progress=notes)
    assert report.results.versions["no-such-distribution-anywhere"] == NOT_INSTALLED
    assert any("no-such-distribution-anywhere" in n and "not an installed distribution" in n for n in notes.notes)


def test_an_unknown_collection_size_is_reported_not_swallowed():
    import ir_datasets
    from ir_datasets.formats import BaseDocs, TsvDocs

    from clirbench.data import toy

    class UncountableDocs(BaseDocs):  # the toy Swahili documents, with a size that cannot be read
        def __init__(self):
            self._tsv = TsvDocs(toy._file("docs.sw.tsv"), namespace="uncountable", lang="sw")

        def docs_iter(self):
            return iter(self._tsv.docs_iter())

        def docs_cls(self):
            return self._tsv.docs_cls()

        def docs_count(self):
            raise RuntimeError("metadata unreadable")

    dataset = ir_datasets.Dataset(UncountableDocs())  # registering would add ir_datasets' own metadata
    notes = Notes()
    pair = TOY.pairs()[0]
    assert _docs_total(dataset, pair, notes) is None  # only the progress bar needs the size
    assert len(notes.notes) == 1 and "number of documents is unknown" in notes.notes[0]
    assert "metadata unreadable" in notes.notes[0] and pair.docs in notes.notes[0]


def test_a_sample_of_queries_is_the_same_ids_in_every_pair_and_rescored_when_it_changes(tmp_path, build_log):
    pairs = ["en-de", "en-sw"]
    full = _run(CountingBm25s(), pairs, tmp_path, out="full").results.pairs
    sampled = _run(CountingBm25s(), pairs, tmp_path, max_queries=2).results
    kept = [set(sampled.pairs[k].per_query["RR@10"]) for k in pairs]
    assert all(len(ids) == 2 for ids in kept) and kept[0] == kept[1]  # shared ids: the same sample
    assert all(sampled.pairs[k].num_queries == 2 and sampled.pairs[k].data["query_sample"] for k in pairs)
    for k in pairs:  # each sampled value is the full run's value of that query
        assert all(full[k].per_query["RR@10"][q] == v for q, v in sampled.pairs[k].per_query["RR@10"].items())
    # Asked without a sample, the pairs are scored again (not kept as if they were whole).
    again = _run(CountingBm25s(), pairs, tmp_path)
    assert sorted(again.ran) == sorted(pairs) and all(again.results.pairs[k].num_queries == full[k].num_queries
                                                      for k in pairs)
