"""The leaderboard for tasks of 7 to 205 languages (issue 29, item 3): rank, coverage, marked
averages and common pairs, CIs and the best group, filters and language search, heatmaps that
keep missing cells, anomaly flags, the model columns, partial runs beside reference rows, the
per-query texts; the app headless (AppTest) and in chromium on a synthetic FLORES-R board of
20 systems x 464 pairs (205 languages) written through the real results classes."""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import streamlit_app
from benchmarks.leaderboard_load import flores_systems
from clirbench.eval import stats
from clirbench.leaderboard import filters, matrix, overview
from clirbench.leaderboard.collect import collect
from clirbench.leaderboard.significance import ALL, average_cis
from clirbench.leaderboard.tables import common_pairs, score_table
from clirbench.tasks import load_task, task_files

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "leaderboard/app.py")
PARTIAL = "partial-run"


@pytest.fixture(scope="module")
def flores_dir(tmp_path_factory) -> Path:
    """20 systems on every FLORES-R pair (20 queries each, two measures), and one that ran 2."""
    root = tmp_path_factory.mktemp("flores") / "results"
    flores_systems(root, 20, queries=20, measures=("RR@10", "nDCG@10"), partial={PARTIAL: 2})
    return root


@pytest.fixture(scope="module")
def flores(flores_dir):
    return collect([flores_dir], known_tasks=set(task_files())).for_task("flores-r")


def test_the_fixture_is_flores_r(flores):
    spec = load_task("flores-r")
    langs = {lang for p in spec.pairs() for lang in (p.query_lang, p.doc_lang)}
    assert len(langs) == 205 and len(flores) == 21
    assert len(next(r for r in flores if r.model.name == "system-00").pairs) == 464


def test_coverage_rank_and_marked_averages(flores):
    spec = load_task("flores-r")
    expected = overview.task_pairs(spec)
    assert len(expected) == 464
    cover = overview.coverage(flores, "RR@10", expected)
    assert cover[PARTIAL].label == "2/464 pairs" and cover[PARTIAL].unequal
    assert cover["system-05"].label == "464/464 pairs" and not cover["system-05"].unequal
    scores = score_table(flores, "RR@10").scores
    main = overview.main_table(flores, "RR@10", scores["avg all"], spec, expected)
    assert list(main[overview.RANK]) == sorted(main[overview.RANK])
    assert main[overview.RANK].iloc[0] == 1 and main.index[0] == scores["avg all"].idxmax()
    assert main.loc[PARTIAL, overview.UNEQUAL] and main[overview.UNEQUAL].sum() == 1
    # Ties share the better rank.
    assert list(overview.ranks(pd.Series([0.5, 0.7, 0.5, float("nan")]))) == [2, 1, 2, pd.NA]
    # Model columns: parameters, embedding size, zero-shot, a link to the source.
    row = main.loc["system-01"]
    assert row[overview.PARAMETERS] == 20_000_000 and row[overview.EMBEDDING] == 384
    assert row[overview.ZERO_SHOT] == "yes" and row[overview.SOURCE] == "https://example.org/system-01"
    assert main.loc["system-00", overview.ZERO_SHOT] == "unknown" and pd.isna(main.loc["system-00", overview.PARAMETERS])
    # Common pairs (the CLI's --common-pairs rule): every system on the partial run's two pairs.
    shared, keys = common_pairs(flores, "RR@10")
    assert len(keys) == 2
    assert not any(c.unequal for c in overview.coverage(shared, "RR@10", keys).values())


def test_average_cis_come_from_the_statistics_module(flores):
    few = [r for r in flores if r.model.name in ("system-00", "system-19")]
    cis = average_cis(few, "RR@10")
    scores = score_table(few, "RR@10").scores
    for name in cis.index:
        assert cis.at[name, "mean"] == pytest.approx(scores.at[name, "avg all"])
        assert cis.at[name, "ci_low"] <= cis.at[name, "mean"] <= cis.at[name, "ci_high"]
    r = few[0]
    values = {k: p.per_query["RR@10"] for k, p in r.pairs.items()}
    assert stats.macro_ci(values)[1:] == pytest.approx((cis.at[r.model.name, "ci_low"], cis.at[r.model.name, "ci_high"]))
    by_query = average_cis(few, "RR@10", by="query")
    assert by_query.at["system-00", "mean"] == pytest.approx(score_table(few, "RR@10", by="query").scores.at["system-00", ALL])


def test_filters_and_language_search(flores):
    assert filters.search_languages(["swh_Latn", "eng_Latn", "zul_Latn"], "swahili") == ["swh_Latn"]
    assert filters.search_languages(["swh_Latn", "eng_Latn"], "SWH")[0] == "swh_Latn"
    assert filters.search_languages(["swh_Latn"], "") == []
    offered = filters.options(flores)
    assert len(offered["query"]) == 205 and set(offered["kinds"]) == {"encoder", "retriever"}
    assert set(offered["classes"]) <= {*range(6), filters.UNKNOWN_CLASS} and "Ethi" in offered["scripts"]
    zero = filters.apply_filter(flores, filters.PairFilter(classes=frozenset({0})))
    for r in zero:
        assert all(filters.pair_class(p.query_lang, p.doc_lang) == 0 for p in r.pairs.values())
    african = filters.apply_filter(flores, filters.PairFilter(query_langs=frozenset({"hau_Latn"}), doc_langs=frozenset({"yor_Latn"})))
    assert {k for r in african for k in r.pairs} == {"hau_Latn-yor_Latn"}
    ethiopic = filters.apply_filter(flores, filters.PairFilter(scripts=frozenset({"Ethi"})))
    assert all({filters.facts(p.query_lang).script, filters.facts(p.doc_lang).script} & {"Ethi"}
               for r in ethiopic for p in r.pairs.values())
    encoders = filters.apply_filter(flores, filters.PairFilter(kinds=frozenset({"encoder"})))
    assert encoders and all(r.model.kind == "encoder" for r in encoders)
    # Languages sort by resource class, highest first.
    order = filters.language_order(offered["query"])
    classes = [filters.facts(c).resource_class for c in order]
    known = [c for c in classes if c is not None]
    assert known == sorted(known, reverse=True) and classes[:len(known)] == known


def test_heatmap_cells_keep_missing_pairs_and_flag_the_anomaly(flores):
    expected = overview.task_pairs(load_task("flores-r"))
    partial = next(r for r in flores if r.model.name == PARTIAL)
    cells = matrix.cells(partial, "RR@10", expected)
    assert len(cells) == 464 and (cells["status"] == matrix.RUN).sum() == 2  # not collapsed to two strips
    queries, docs = matrix.axes(cells)
    assert len(set(queries) | set(docs)) == 205
    first = next(r for r in flores if r.model.name == "system-00")
    flagged = matrix.anomalies(matrix.cells(first, "RR@10", expected), "RR@10")
    assert [a.pair for a in flagged] == ["hau_Latn-yor_Latn"] and flagged[0].expected > 0.2
    assert not matrix.anomalies(matrix.cells(next(r for r in flores if r.model.name == "system-05"), "RR@10", expected), "RR@10")


def test_median_polish_recovers_an_additive_matrix():
    rows, cols = np.array([0.1, 0.3, 0.0, 0.2]), np.array([0.2, 0.0, 0.1])
    values = 0.3 + rows[:, None] + cols[None, :]
    values[1, 2] = np.nan
    frame = pd.DataFrame(values)
    assert np.allclose(matrix.median_polish(frame).to_numpy()[~np.isnan(values)], values[~np.isnan(values)])


def test_summary_coverage_marks_partial_runs(flores):
    table = overview.summary_coverage(flores, load_task("flores-r"))
    assert table.at[PARTIAL, "cross"] == "2/464" and not table.at[PARTIAL, "cross complete"]
    assert table.at["system-03", "cross complete"] and table.at["system-03", "pool"] == "-"


def test_query_texts_gold_and_top_hit_on_the_toy_task(tmp_path):
    """From the pair's TREC run and the task's ir_datasets data (the toy collection)."""
    from clirbench.eval.runner import run_task
    from clirbench.leaderboard.per_query import query_view
    from clirbench.systems.bm25s_retriever import Bm25sRetriever

    os.environ.setdefault("IR_DATASETS_HOME", str(tmp_path / "irds"))
    spec = load_task("toy")
    run_task(spec, Bm25sRetriever(), [p for p in spec.pairs() if p.key == "sw-en"], out_dir=tmp_path / "results",
             cache_dir=tmp_path / "cache")
    [(path, r)] = collect([tmp_path / "results"]).results
    view = query_view(r, path, spec, "sw-en", "RR@10")
    pair = r.pairs["sw-en"]
    assert len(view) == pair.num_queries and list(view["value"]) == sorted(view["value"])
    assert view["query"].str.len().gt(0).all() and view["gold text"].str.len().gt(0).all()
    hit = view["top hit"].notna()
    assert hit.sum() >= len(view) - 1 and view.loc[hit, "top hit text"].str.len().gt(0).all()
    assert not list((REPO / "clirbench/data/toy_collection").glob("*.pklz4"))  # the viewer writes nothing there
    # A top hit judged relevant is a query of RR@10 1.
    assert (view.loc[view["top hit relevant"], "value"] == 1).all()


def _frames(app) -> list[pd.DataFrame]:
    return [d.value.data if hasattr(d.value, "data") else d.value for d in app.dataframe]


def _main(app) -> pd.DataFrame:
    """The main table: the page's first grid (rank first)."""
    main = _frames(app)[0]
    assert main.columns[0] == overview.RANK
    return main


def _app(results_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CLIRBENCH_RESULTS", str(results_dir))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, app.exception
    return app


def test_app_on_205_languages(flores_dir, monkeypatch):
    app = _app(flores_dir, monkeypatch)
    main = _main(app)
    assert list(main.columns[:2]) == [overview.RANK, "avg all"] and len(main) == 21
    assert main.at[PARTIAL, overview.COVERAGE] == "2/464 pairs" and main.at["system-05", overview.COVERAGE] == "464/464 pairs"
    captions = "\n".join(c.value for c in app.caption)
    assert "† over other pairs than the other systems' (partial-run)" in captions
    assert "CIs and tests are off" in captions  # 9,000 tests: on request, not on load
    # A wide board draws a tab when it is opened: the first page drew no heatmap and no chart.
    assert not app.get("vega_lite_chart") and "matrix-system" not in [b.key for b in app.selectbox]
    app.session_state["tab"] = "Language matrix"
    app.run()
    assert len(app.get("vega_lite_chart")) == 1  # the heatmap, now
    # The heatmap of the partial run says what it holds; no "All ... pairs".
    app.selectbox(key="matrix-system").set_value(PARTIAL).run()
    text = "\n".join(m.value for m in app.markdown)
    assert "partial-run: 2 of 464 pairs run** (462 not run: grey)" in text and "All 464" not in text
    app.selectbox(key="matrix-system").set_value("system-00").run()
    flagged = [f for f in _frames(app) if "residual" in f.columns]
    assert flagged and "hau_Latn-yor_Latn" in set(flagged[0]["pair"])
    # A tab's widgets keep their values while another tab is open.
    app.session_state["tab"] = "System"
    app.run()
    assert not app.exception and "Per-query results on" in "\n".join(m.value for m in app.markdown)
    app.session_state["tab"] = "Language matrix"
    app.run()
    assert app.selectbox(key="matrix-system").value == "system-00"
    app.session_state["tab"] = "Leaderboard"
    app.run()
    # Common pairs: nothing is marked.
    app.toggle(key="common-pairs").set_value(True).run()
    assert not app.exception
    main = _main(app)
    assert set(main[overview.COVERAGE]) == {"2/2 pairs"}
    assert "† over other pairs" not in "\n".join(c.value for c in app.caption)
    app.toggle(key="common-pairs").set_value(False).run()
    # Filters: resource class 0 and encoders only; the search narrows to one language.
    app.multiselect(key="f-class").set_value([0]).run()
    app.multiselect(key="f-kind").set_value(["encoder"]).run()
    assert not app.exception
    main = _main(app)
    assert set(main[overview.KIND]) == {"encoder"} and "(filtered)" in "\n".join(c.value for c in app.caption)
    app.multiselect(key="f-class").set_value([]).run()
    app.multiselect(key="f-kind").set_value([]).run()
    app.text_input(key="lang-search").set_value("Hausa").run()
    assert not app.exception
    main = _main(app)
    hausa = [k for k, (q, d) in overview.task_pairs(load_task("flores-r")).items() if "hau_Latn" in (q, d)]
    assert main.at["system-03", overview.COVERAGE] == f"{len(hausa)}/{len(hausa)} pairs"
    # The CIs and the best group, turned on.
    app.toggle(key="stats").set_value(True).run()
    assert not app.exception
    main = _main(app)
    assert "95% CI" in main.columns and "best group" in main.columns and (main["best group"] == "best").sum() == 1


def test_wide_score_table_marks_the_best_of_each_column(flores_dir, monkeypatch):
    """Beyond 40 columns the score table is a scrolling grid, not a styled table: each column's best
    value carries a ★ (the narrow table's highlight; the same rule, ScoreTable.best_mask)."""
    app = _app(flores_dir, monkeypatch)
    grid = next(f for f in _frames(app) if "avg all" in f.columns and len(f.columns) > 40)
    scores = score_table(collect([flores_dir], known_tasks=set(task_files())).for_task("flores-r"), "RR@10").scores
    assert list(grid.columns) == list(scores.columns) and list(grid.index) == list(scores.index)
    best = scores.drop(columns="pairs").eq(scores.drop(columns="pairs").max())
    marked = 0
    for column in best.columns:
        for system in scores.index:
            value, cell = scores.at[system, column], grid.at[system, column]
            assert cell == ("" if pd.isna(value) else f"{value:.4f}" + (" ★" if best.at[system, column] else ""))
            marked += cell.endswith(" ★")
    assert marked >= len(best.columns) - 1  # every column with a value has its best marked
    assert list(grid["pairs"]) == list(scores["pairs"])  # the count stays a number
    assert "the best value of each column is marked ★" in "\n".join(c.value for c in app.caption)


def test_app_warns_on_partial_runs_beside_published_rows(monkeypatch, tmp_path):
    """MLQA-R's published rows (the hybrid-batch paper) beside a run of 2 of its 49 pairs."""
    from clirbench.core.contract import SystemMeta
    from clirbench.core.atomic import write_json_atomic
    from clirbench.eval.results import PairResult, ResultsFile, now

    spec = load_task("mlqa-r")
    assert spec.references
    pairs = {}
    for p in spec.pairs()[:2]:
        values = {"AP": {"q1": 0.1, "q2": 0.0}}
        pairs[p.key] = PairResult(query_lang=p.query_lang, doc_lang=p.doc_lang, resource_level=p.resource_level,
                                  num_queries=2, num_docs=10, data={}, run_file=f"runs/{p.key}.trec", seconds={},
                                  metrics={"AP": 0.05}, per_query=values)
    file = ResultsFile(task="mlqa-r", metrics=["AP"], model=SystemMeta(name="two-pairs", kind="retriever"),
                       model_fingerprint="x", versions={}, created=now(), updated=now(), pairs=pairs)
    write_json_atomic(tmp_path / "results/mlqa-r/two-pairs/results.json", file.model_dump(mode="json"))
    app = _app(tmp_path / "results", monkeypatch)
    warnings = "\n".join(w.value for w in app.warning)
    assert "Partial runs beside published rows" in warnings and "two-pairs ran" in warnings
    assert "/49 cross-lingual" in warnings or "/42 cross-lingual" in warnings


def test_flores_r_in_chromium(flores_dir, tmp_path):
    """The 205-language board in a real browser: the main table, the scrolling score grid, the
    heatmap of a partial run; screenshots under the test's tmp folder."""
    import time

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (`make setup` installs it)")
    from playwright.sync_api import sync_playwright

    with streamlit_app(flores_dir, tmp_path) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            page.get_by_text("Ranking by RR@10").first.wait_for(timeout=90_000)
            page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
            page.get_by_text("partial-run", exact=False).first.wait_for(timeout=60_000)
            time.sleep(2)  # the grid draws on a canvas after it appears
            page.screenshot(path=str(tmp_path / "flores-board.png"), full_page=True)
            board_text = page.inner_text("body")
            page.get_by_role("tab", name="Language matrix").click()
            page.get_by_text("of 464 pairs run").first.wait_for(timeout=60_000)
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(tmp_path / "flores-matrix.png"), full_page=True)
            matrix_text = page.inner_text("body")
            chart_box = page.locator('[data-testid="stVegaLiteChart"]').first.bounding_box()
            if os.environ.get("CLIRBENCH_SCREENSHOTS"):  # for a person to look at
                for name in ("flores-board.png", "flores-matrix.png"):
                    shutil.copy(tmp_path / name, Path(os.environ["CLIRBENCH_SCREENSHOTS"]) / name)
            browser.close()
        assert "21 system(s) on 464 pairs of flores-r" in board_text
        assert "over other pairs than the other systems' (partial-run)" in board_text
        assert "the best value of each column is marked ★" in board_text  # the 469-column grid's marker
        assert "of 464 pairs run" in matrix_text and "All 464" not in matrix_text
        for name in ("flores-board.png", "flores-matrix.png"):
            assert (tmp_path / name).stat().st_size > 20_000
        # Fixed cells: the 205-language heatmap is far wider than it would be squeezed to the page.
        assert chart_box is not None and chart_box["height"] > 400
