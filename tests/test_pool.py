"""The multilingual pool: its construction, the language-bias measures, and its search by
every kind of system."""

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from clirbench.eval.language_bias import PoolBias, answer_ranks, rank_distance
from clirbench.eval.runner import run_task
from clirbench.tasks import load_task, load_task_file

MLQA = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "")) / "lareqa" / "mlqa-r"
LANGS = ["ar", "de", "en", "es", "hi", "vi", "zh"]


def test_rank_distance_by_hand():
    """Three languages; the question's answers in en, de and sw rank 1, 5 and 9: distance 8."""
    order = ["en-a", "en-x", "de-x", "sw-x", "de-a", "en-y", "de-y", "sw-y", "sw-a", "en-z"]
    ranking = [(doc, 10.0 - i) for i, doc in enumerate(order)]
    doc_lang = {doc: doc.split("-")[0] for doc in order}
    relevant = {"en-a", "de-a", "sw-a"}
    ranks = answer_ranks(ranking, relevant, pool_size=len(order))
    assert ranks == {"en-a": 1, "de-a": 5, "sw-a": 9}
    assert rank_distance(ranks, doc_lang) == 8
    bias = PoolBias("en", pool_share=4 / 10)
    bias.add("q", ranking, relevant, doc_lang, pool_size=10)
    assert bias.rank_distance == {"q": 8} and bias.same_language_top10 == {"q": 0.4}
    assert bias.ap_full["q"] == pytest.approx((1 / 1 + 2 / 5 + 3 / 9) / 3)  # AP over the complete ranking
    assert {lang: v["q"] for lang, v in bias.recall_by_lang.items()} == {"en": 1.0, "de": 1.0, "sw": 1.0}


def test_unscored_answers_share_the_tail():
    """A BM25 ranking scores 3 of 10 documents; an answer it leaves out gets the mean rank of
    the 7 tied below, (3 + 1 + 10) / 2 = 7."""
    ranking = [("en-a", 3.0), ("de-x", 2.0), ("de-y", 1.0)]
    ranks = answer_ranks(ranking, {"en-a", "de-a"}, pool_size=10)
    assert ranks == {"en-a": 1, "de-a": 7}
    assert rank_distance(ranks, {"en-a": "en", "de-a": "de"}) == 6
    assert rank_distance({"en-a": 1}, {"en-a": "en"}) is None  # one language: no distance
    # No answer scored at all: every answer ties in the tail; that is no distance, not 0.
    bias = PoolBias("en", pool_share=0.5)
    bias.add("q", [("de-x", 1.0)], {"en-a", "de-a"}, {"en-a": "en", "de-a": "de", "de-x": "de"}, pool_size=10)
    assert bias.rank_distance == {} and bias.summary()["unscored_questions"] == 1


@pytest.mark.skipif(not MLQA.is_dir(), reason="the MLQA-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_mlqa_pool_against_an_independent_count():
    """Read from the JSON files directly: a question's relevant candidates in the pool are one
    answer sentence for each pool language holding its id."""
    import ir_datasets

    from clirbench.data import register_all

    register_all()
    ids = {}
    for lang in LANGS:
        data = json.loads((MLQA / f"{lang}.json").read_text(encoding="utf-8"))
        ids[lang] = {qa["id"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]}
    pool = ir_datasets.load("clirbench/mlqa-r/multi")
    assert pool.docs_count() == 20534
    doc_ids = [d.doc_id for d in pool.docs_iter()]
    assert len(set(doc_ids)) == len(doc_ids)  # unique across languages
    for q in LANGS:
        dataset = ir_datasets.load(f"clirbench/mlqa-r/{q}-multi")
        assert {x.query_id for x in dataset.queries_iter()} == ids[q]
        relevant = Counter(x.query_id for x in dataset.qrels_iter())
        assert all(relevant[qid] == sum(qid in ids[d] for d in LANGS) for qid in ids[q]), q
    assert sum(p.pool for p in load_task("mlqa-r").pairs()) == 7


def _toy_pool_task(tmp_path: Path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "toy-pool.yaml"
    path.write_text(
        "name: toy-pool\ndescription: the toy collection, pairs and pool\ncitation: clirbench\n"
        "pair_groups:\n  - {query_langs: [en, sw], doc_langs: [de, en, sw, yo], queries: 'clirbench/toy/{q}-{d}',"
        " docs: 'clirbench/toy/{d}', qrels: 'clirbench/toy/{q}-{d}'}\n"
        "pool_groups:\n  - {query_langs: [en, sw], pool_langs: [de, en, sw, yo], queries: 'clirbench/toy/{q}-multi',"
        " docs: clirbench/toy/multi, qrels: 'clirbench/toy/{q}-multi', pool_docs: 'clirbench/toy/{d}'}\n"
        "references:\n  - {system: Paper, training: X-Y, citation: 'A paper, Table 1', ap_monolingual: 0.5,"
        " ap_cross_lingual: 0.4, ap_pool: 0.3, rank_distance: 2}\n")
    return load_task_file(path)


def test_a_dense_pool_reuses_every_language_vectors_and_ranks_exactly(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from plugins_for_tests import CountingEncoder

    os.environ["ENCODE_LOG"] = str(tmp_path / "encode.log")
    spec = _toy_pool_task(tmp_path)
    pairs = [p for p in spec.pairs() if not p.pool]
    pool_pairs = [p for p in spec.pairs() if p.pool]
    run_task(spec, CountingEncoder(), pairs, out_dir=tmp_path / "results", cache_dir=tmp_path / "cache")
    report = run_task(spec, CountingEncoder(), pool_pairs, out_dir=tmp_path / "results", cache_dir=tmp_path / "cache")
    assert report.model_calls == {"documents encoded": 0, "queries encoded": 0}  # all cached by the pairs
    pool = report.results.pairs["sw-multi"]
    assert pool.num_docs == 32 and set(pool.language_bias) >= {"rank_distance", "same_language_top10", "pool_share"}
    assert pool.language_bias["pool_share"] == 0.25

    # The combined search equals one exact search over all 32 passages.
    encoder = CountingEncoder()
    docs = [line.split("\t") for d in ["de", "en", "sw", "yo"]
            for line in (Path(__file__).parents[1] / f"clirbench/data/toy_collection/docs.{d}.tsv").read_text().splitlines()]
    queries = dict(line.split("\t") for line in
                   (Path(__file__).parents[1] / "clirbench/data/toy_collection/queries.sw.tsv").read_text().splitlines())
    doc_vectors = encoder.vectors([text for _, text in docs])
    run = [line.split() for line in (tmp_path / "results/toy-pool/countingencoder/runs/sw-multi.trec").read_text().splitlines()]
    for qid, text in queries.items():
        scores = doc_vectors @ encoder.vectors([text])[0]
        best = sorted(zip((doc_id for doc_id, _ in docs), scores), key=lambda h: (-h[1], h[0]))
        got = [r[2] for r in run if r[0] == qid]
        assert got[:5] == [doc_id for doc_id, _ in best[:5]]


@pytest.mark.parametrize("system", ["bm25s", "bm25"])
def test_bm25_searches_one_mixed_index_of_the_pool(tmp_path, system):
    """BM25 builds one index of all four languages (one set of statistics), each passage
    analysed as its own language; names shared across languages find answers in all of them."""
    from clirbench.systems.registry import load_model

    spec = _toy_pool_task(tmp_path)
    pool_pairs = [p for p in spec.pairs() if p.pool]
    report = run_task(spec, load_model(system), pool_pairs, out_dir=tmp_path / "results", cache_dir=tmp_path / "cache")
    assert sorted(report.ran) == ["en-multi", "sw-multi"]
    index_dirs = list((tmp_path / "cache" / "indexes").glob(f"{system}/*/clirbench_toy_multi-de-en-sw-yo"))
    assert len(index_dirs) == 1  # one index for the pool, none per language
    for key in ("en-multi", "sw-multi"):
        bias = report.results.pairs[key].language_bias
        assert bias["pool_share"] == 0.25 and "rank_distance" in bias
        assert all(bias[f"R@100:{lang}"] > 0 for lang in ["de", "en", "sw", "yo"]), bias
    # Monolingual retrieval in the pool still works: the English question's English answer
    # is found in the top 100 (it shares words beyond names with it).
    assert report.results.pairs["en-multi"].language_bias["R@100:en"] == 1.0


def test_translation_baselines_do_not_claim_the_pool(tmp_path):
    from clirbench.systems.dict_bm25 import DictBM25

    spec = _toy_pool_task(tmp_path)
    report = run_task(spec, DictBM25(), [p for p in spec.pairs() if p.pool], out_dir=tmp_path / "results",
                      cache_dir=tmp_path / "cache")
    assert report.ran == [] and set(report.not_applicable) == {"en-multi", "sw-multi"}
    assert "multilingual-pool" in report.not_applicable["en-multi"]


def test_summary_view_in_the_cli_and_the_app(tmp_path, cli, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from clirbench.systems.registry import load_model

    tasks = tmp_path / "tasks"
    spec = _toy_pool_task(tasks)
    for system in ("bm25s", "hashed-ngrams"):
        run_task(spec, load_model(system), spec.pairs(), out_dir=tmp_path / "results", cache_dir=tmp_path / "cache")
    extra = {"CLIRBENCH_TASKS_DIR": str(tasks)}
    text = cli("leaderboard", "--task", "toy-pool", "--view", "summary", "--format", "csv",
               "--results", str(tmp_path / "results"), extra_env=extra).stdout
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == ["system", "mAP mono", "mAP cross", "mAP multi", "rank distance", "published"]
    assert sorted(r[0] for r in rows[:2]) == ["bm25s", "hashed-ngrams"] and rows[2][0] == "Paper (X-Y)"
    assert float(rows[0][3]) >= float(rows[1][3])  # runs ranked by mAP over the pool, then published rows
    assert rows[2][-1] == "A paper, Table 1" and rows[0][-1] == ""
    # The pool's pairs stay out of the pair averages and the scores view.
    scores = cli("leaderboard", "--task", "toy-pool", "--format", "csv", "--results", str(tmp_path / "results"),
                 extra_env=extra).stdout
    assert "multi" not in scores and "en-sw" in scores

    monkeypatch.setenv("CLIRBENCH_TASKS_DIR", str(tasks))
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(tmp_path / "results"))
    app = AppTest.from_file(str(Path(__file__).parents[1] / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert not app.warning, [w.value for w in app.warning]
    app.sidebar.selectbox[0].set_value("toy-pool").run()
    tables = [t.value for t in app.table]
    summary = next(t for t in tables if "rank distance" in t.columns)
    assert list(summary.index) == [r[0] for r in rows]
    assert summary.loc["Paper (X-Y)", "published"] == "A paper, Table 1"
    by_lang = next(d.value for d in app.dataframe if list(d.value.columns) == ["en", "sw"])
    assert set(by_lang.index) == {"bm25s", "hashed-ngrams"}


def test_a_dense_pool_is_searched_exactly_even_with_hnsw(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from plugins_for_tests import CountingEncoder

    os.environ["ENCODE_LOG"] = str(tmp_path / "encode.log")
    spec = _toy_pool_task(tmp_path)
    pool_pairs = [p for p in spec.pairs() if p.pool]
    flat = run_task(spec, CountingEncoder(), pool_pairs, out_dir=tmp_path / "flat", cache_dir=tmp_path / "cache")
    hnsw = run_task(spec, CountingEncoder(), pool_pairs, out_dir=tmp_path / "hnsw", cache_dir=tmp_path / "cache",
                    search="hnsw")
    for key in ("en-multi", "sw-multi"):
        assert hnsw.results.pairs[key].per_query == flat.results.pairs[key].per_query
        assert hnsw.results.pairs[key].bias_per_query == flat.results.pairs[key].bias_per_query


def test_pool_languages_that_disagree_with_the_pool_get_a_clear_error(tmp_path):
    from clirbench.core.errors import ClirbenchError
    from clirbench.systems.registry import load_model

    _toy_pool_task(tmp_path)
    task = tmp_path / "toy-pool.yaml"
    task.write_text(task.read_text().replace("pool_langs: [de, en, sw, yo]", "pool_langs: [en, sw]"))
    spec = load_task_file(task)
    with pytest.raises(ClirbenchError, match="not in the pool's languages") as e:
        run_task(spec, load_model("bm25s"), [p for p in spec.pairs() if p.pool], out_dir=tmp_path / "results",
                 cache_dir=tmp_path / "cache")
    assert "pool_langs" in e.value.hint


def test_a_system_with_only_pool_pairs_shows_in_the_app(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from clirbench.systems.registry import load_model

    tasks = tmp_path / "tasks"
    spec = _toy_pool_task(tasks)
    run_task(spec, load_model("bm25s"), [p for p in spec.pairs() if p.pool], out_dir=tmp_path / "results",
             cache_dir=tmp_path / "cache")
    monkeypatch.setenv("CLIRBENCH_TASKS_DIR", str(tasks))
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(tmp_path / "results"))
    app = AppTest.from_file(str(Path(__file__).parents[1] / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert any("only multilingual-pool pairs" in i.value for i in app.info)
    assert any("rank distance" in t.value.columns for t in app.table)
