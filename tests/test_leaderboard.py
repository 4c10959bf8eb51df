"""The leaderboard: tables, statistics and exports on results written by real runs on the toy
task; the CLI; the Streamlit app headless (AppTest) and in a real browser (Playwright + chromium)."""

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import one_line_error, streamlit_app
from clirbench.leaderboard.collect import collect
from clirbench.leaderboard.export import render
from clirbench.leaderboard.significance import best_group, compare, difference_grid
from clirbench.leaderboard.tables import SUMMARY, score_table
from clirbench.tasks import task_files

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    """bm25s and the example submission on the toy task, run by clirbench's runner."""
    import os

    from clirbench.systems.bm25s_retriever import Bm25sRetriever
    from clirbench.systems.registry import load_model
    from clirbench.eval.runner import run_task
    from clirbench.tasks import load_task

    root = tmp_path_factory.mktemp("lb")
    os.environ.setdefault("IR_DATASETS_HOME", str(root / "irds"))
    spec = load_task("toy")
    for plugin in [Bm25sRetriever(), load_model("hashed-ngrams")]:
        run_task(spec, plugin, spec.pairs(), out_dir=root / "results", cache_dir=root / "cache")
    return root / "results"


def _toy(results_dir):
    return collect([results_dir], known_tasks=set(task_files())).for_task("toy")


def test_score_table_by_pair_and_language(results_dir):
    results = _toy(results_dir)
    by_name = {r.model.name: r for r in results}
    pairs = score_table(results, "RR@10", by="pair")
    assert set(pairs.scores.index) == {"bm25s", "hashed-ngrams"}
    assert pairs.scores.at["bm25s", "sw-en"] == by_name["bm25s"].pairs["sw-en"].metrics["RR@10"]
    assert list(pairs.scores["avg all"]) == sorted(pairs.scores["avg all"], reverse=True)

    langs = score_table(results, "RR@10", by="query")
    r = by_name["hashed-ngrams"]
    sw = [p.metrics["RR@10"] for p in r.pairs.values() if p.query_lang == "sw"]
    assert langs.scores.at["hashed-ngrams", "sw"] == pytest.approx(sum(sw) / 4)
    # avg high: over the high-resource columns (de, en); avg low: sw, yo
    assert langs.scores.at["hashed-ngrams", "avg high"] == pytest.approx(langs.scores.loc["hashed-ngrams", ["de", "en"]].mean())
    assert langs.scores.at["hashed-ngrams", "avg low"] == pytest.approx(langs.scores.loc["hashed-ngrams", ["sw", "yo"]].mean())
    cross = [p.metrics["RR@10"] for p in r.pairs.values() if p.query_lang != p.doc_lang]
    assert langs.scores.at["hashed-ngrams", "avg cross-lingual"] == pytest.approx(sum(cross) / 12)
    best = langs.best()
    for col, winners in best.items():
        assert all(langs.scores.at[w, col] == langs.scores[col].max() for w in winners)


def test_summary_columns_come_first(results_dir):
    """The averages and the pairs count lead every view: after 49 pair columns they were off screen."""
    results = _toy(results_dir)
    for by in ("pair", "query", "doc"):
        table = score_table(results, "RR@10", by=by)
        assert list(table.scores.columns[:len(SUMMARY)]) == SUMMARY
        assert table.value_columns == sorted(table.value_columns) and len(table.value_columns) == (16 if by == "pair" else 4)
    csv = render(score_table(results, "RR@10"), "csv").splitlines()[0]
    assert csv.startswith("system,avg all,avg high,avg low,avg cross-lingual,pairs,de-de")


def test_significance_tests_the_printed_difference_and_is_corrected(results_dir):
    from scipy import stats as scipy_stats

    results = _toy(results_dir)
    for by in ("pair", "query"):
        comparison = compare(results, "bm25s", "RR@10", by=by)
        printed = score_table(results, "RR@10", by=by).scores
        for _, row in comparison.table.iterrows():
            # The difference tested is the difference of the two cells the table prints.
            expected = printed.at[row["system"], row["column"]] - printed.at["bm25s", row["column"]]
            assert row["diff"] == pytest.approx(expected), (by, row["column"])
            assert row["ci_low"] <= row["diff"] <= row["ci_high"]
            assert 0 < row["p"] <= 1
    # Benjamini-Hochberg over every test of the table, as scipy computes it.
    assert comparison.table["p_adjusted"].to_numpy() == pytest.approx(
        scipy_stats.false_discovery_control(comparison.table["p"].to_numpy(), method="bh"))
    holm = compare(results, "bm25s", "RR@10", by="query", correction="holm").table
    assert (holm["p_adjusted"] >= comparison.table["p_adjusted"] - 1e-12).all()  # Holm is the stricter
    grid = difference_grid(comparison)
    assert grid.loc["hashed-ngrams", "en"].startswith(("+", "-"))


def test_the_boards_best_group_is_tested_again_when_its_fields_change(results_dir):
    """Leaderboard.best_group keeps its answer for the board's results, measure, `by` and
    correction, and tests again when one of them changes (the dataclass is not frozen)."""
    from clirbench.leaderboard.board import build_leaderboard

    board = build_leaderboard("toy", [results_dir])
    first = board.best_group()
    assert board.best_group() is first  # tested once
    for change, value in [("metric", "nDCG@10"), ("by", "query"), ("correction", "holm"),
                          ("results", collect([results_dir]).for_task("toy"))]:
        setattr(board, change, value)
        group = board.best_group()
        assert group is not first and board.best_group() is group, change
        expected = best_group(board.results, board.metric, by=board.by, correction=board.correction)
        assert (group.best, group.members, group.correction) == (expected.best, expected.members, expected.correction)
        assert group.table.equals(expected.table), change
        first = group
    assert board.best_group().correction == "holm"


def test_the_best_group_holds_the_best_and_what_is_not_below_it(results_dir):
    results = _toy(results_dir)
    group = best_group(results, "RR@10")
    scores = score_table(results, "RR@10").scores
    assert group.best == scores["avg all"].idxmax() and group.members[0] == group.best
    assert set(group.members) - {group.best} == set(group.table.loc[~group.table["significant"], "system"])
    assert (group.table["against"] == group.best).all()


def test_a_system_against_its_own_copy_differs_by_nothing(results_dir, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(results_dir, copy)
    path = copy / "toy/bm25s/results.json"
    raw = json.loads(path.read_text())
    raw["model"]["name"] = "bm25s-copy"
    (copy / "toy/bm25s-copy").mkdir()
    (copy / "toy/bm25s-copy/results.json").write_text(json.dumps(raw))
    results = collect([copy]).for_task("toy")
    table = compare(results, "bm25s", "RR@10").table
    same = table[table["system"] == "bm25s-copy"]
    assert len(same) == 17 and (same["diff"] == 0).all() and not same["significant"].any()


def test_exports(results_dir):
    table = score_table(_toy(results_dir), "RR@10", by="doc")
    csv = pd.read_csv(io.StringIO(render(table, "csv")), index_col=0)
    assert csv.loc["bm25s", "en"] == pytest.approx(table.scores.at["bm25s", "en"], abs=1e-6)
    latex = render(table, "latex")
    assert "\\begin{tabular}" in latex and latex.count("\\textbf{") >= len(table.scores.columns) - 1  # not "pairs"
    md = render(table, "md")
    assert md.splitlines()[0].startswith("| system") and "**" in md


def test_bad_files_are_skipped_with_warnings(results_dir, tmp_path, monkeypatch):
    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    (root / "toy/broken").mkdir()
    (root / "toy/broken/results.json").write_text("{not json")
    old = json.loads((root / "toy/bm25s/results.json").read_text())
    (root / "toy/old").mkdir()
    (root / "toy/old/results.json").write_text(json.dumps({**old, "schema_version": 0}))
    (root / "nosuchtask/bm25s").mkdir(parents=True)
    (root / "nosuchtask/bm25s/results.json").write_text(json.dumps({**old, "task": "nosuchtask"}))
    (root / "toy/nometrics").mkdir()
    (root / "toy/nometrics/results.json").write_text(json.dumps({k: v for k, v in old.items() if k != "metrics"}))
    found = collect([root], known_tasks=set(task_files()))
    assert {r.model.name for r in found.for_task("toy")} == {"bm25s", "hashed-ngrams"}
    text = "\n".join(found.warnings)
    assert "broken/results.json: skipped, not readable JSON" in text
    assert "schema version 0" in text and "unknown task 'nosuchtask'" in text and "field `metrics`" in text
    # Read without per-query values (the app's page), the same files are skipped with the same words;
    # read again in full only where the parser or the schema refused them (its words are the full read's).
    from clirbench.leaderboard import reading

    full_reads, full_read = [], reading.read_results_json
    monkeypatch.setattr(reading, "read_results_json", lambda path: full_reads.append(path) or full_read(path))
    assert collect([root], known_tasks=set(task_files()), per_query=False).warnings == found.warnings
    assert sorted(full_reads) == sorted(root / "toy" / name / "results.json" for name in ("broken", "old", "nometrics"))


def test_leaderboard_command(cli, results_dir, tmp_path):
    proc = cli("leaderboard", "--task", "toy", "--results", str(results_dir), "--by", "query")
    assert "hashed-ngrams" in proc.stdout and "avg cross-lingual" in proc.stdout
    csv = cli("leaderboard", "--task", "toy", "--results", str(results_dir), "--format", "csv").stdout
    assert csv.splitlines()[0].startswith("system,avg all,avg high,avg low,avg cross-lingual,pairs,de-de")
    (tmp_path / "junk/toy/x").mkdir(parents=True)
    (tmp_path / "junk/toy/x/results.json").write_text("[]")
    proc = cli("leaderboard", "--task", "toy", "--results", str(results_dir), str(tmp_path / "junk"))
    assert "warning:" in proc.stderr and "not a results file" in proc.stderr and "bm25s" in proc.stdout
    proc = cli("leaderboard", "--task", "mlqa-r", "--results", str(results_dir), check=False)
    assert proc.returncode == 2 and "clirbench run --system bm25 --task mlqa-r" in proc.stderr


def test_app_headless(results_dir, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CLIRBENCH_RESULTS", str(results_dir))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception
    board = app.table[0].value
    assert set(board.index) == {"bm25s", "hashed-ngrams"} and "avg all" in board.columns
    app.selectbox(key="page-system").set_value("hashed-ngrams").run()
    page = "\n".join(m.value for m in app.markdown)
    # The built-in toy task names no source datasets: whether a system is zero-shot there is unknown.
    assert "zero-shot on toy: **unknown** (toy names no source datasets)" in page
    assert "training data: none" in page and "Per-query results on de-de, worst first" in page

    monkeypatch.setenv("CLIRBENCH_RESULTS", str(tmp_path / "empty"))
    empty = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not empty.exception and "No results yet" in empty.info[0].value


def test_app_zero_shot_flag(results_dir, monkeypatch, tmp_path):
    """The System tab's zero-shot flag: no (trained on a source dataset of the task), yes
    (trained on nothing), unknown (training data not declared)."""
    from streamlit.testing.v1 import AppTest

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    toy = (REPO / "clirbench/tasks/toy.yaml").read_text()
    assert "source_datasets: []" in toy
    (tasks / "toy.yaml").write_text(toy.replace("source_datasets: []", "source_datasets: [ToySet, OtherSet]"))
    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    raw = json.loads((root / "toy/hashed-ngrams/results.json").read_text())
    systems = {
        "tuned": {"training_data": ["msmarco", "toyset"], "adapted_from": "base-encoder"},
        "untrained": {"training_data": []},
        "undeclared": {"training_data": None},
    }
    for name, model in systems.items():
        (root / "toy" / name).mkdir()
        (root / "toy" / name / "results.json").write_text(
            json.dumps({**raw, "model": {**raw["model"], "name": name, "adapted_from": None, **model}}))
    monkeypatch.setenv("CLIRBENCH_TASKS_DIR", str(tasks))
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(root))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception

    def page(system: str) -> str:
        app.selectbox(key="page-system").set_value(system).run()
        assert not app.exception
        return "\n".join(m.value for m in app.markdown)

    tuned = page("tuned")
    assert "zero-shot on toy: **no** (its training data include ToySet)" in tuned
    assert "training data: msmarco, toyset" in tuned and "adapted from: base-encoder" in tuned
    untrained = page("untrained")
    assert "zero-shot on toy: **yes**" in untrained and "training data: none" in untrained
    assert "adapted from" not in untrained
    undeclared = page("undeclared")
    assert "zero-shot on toy: **unknown** (the system does not declare its training data)" in undeclared
    assert "training data: not declared" in undeclared


def test_toolbar_hides_developer_options():
    """No Deploy button for readers: .streamlit/config.toml in the repo root, read by
    `streamlit run leaderboard/app.py` started there (the browser test starts it elsewhere)."""
    import subprocess
    import sys
    import tomllib

    config = tomllib.loads((REPO / ".streamlit/config.toml").read_text())
    assert config["client"]["toolbarMode"] in ("minimal", "viewer")
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=REPO,
                           capture_output=True, text=True, timeout=120).stdout
    assert f'toolbarMode = "{config["client"]["toolbarMode"]}"' in shown


def test_app_in_a_real_browser(results_dir, tmp_path):
    """`streamlit run leaderboard/app.py` on a free port, driven by Debian's chromium (started
    outside the repo root: the app hides the developer toolbar itself)."""
    import os

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (`make setup` installs it)")
    from playwright.sync_api import sync_playwright

    with streamlit_app(results_dir, tmp_path) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            # The score table (static HTML); the main table above it is a grid (whose hidden <table> is for screen readers).
            table = page.locator('[data-testid="stTable"] table').first
            table.wait_for(timeout=60_000)
            text = table.inner_text()
            headers = table.locator("thead th").all_inner_texts()
            deploy = page.locator('[data-testid="stAppDeployButton"]').count() + page.get_by_text("Deploy", exact=True).count()
            best_line = page.locator("p", has_text="Not significantly different from the best").first
            best_line.wait_for(timeout=60_000)
            best_text = best_line.inner_text()
            page.screenshot(path=str(tmp_path / "leaderboard.png"), full_page=True)
            if os.environ.get("CLIRBENCH_SCREENSHOTS"):  # for a person to look at
                shutil.copy(tmp_path / "leaderboard.png", os.environ["CLIRBENCH_SCREENSHOTS"])
            browser.close()
        expected = score_table(_toy(results_dir), "RR@10").scores
        for system in expected.index:
            assert system in text
            assert f"{expected.at[system, 'avg all']:.4f}" in text
        assert (tmp_path / "leaderboard.png").stat().st_size > 10_000
        # The group of systems not significantly below the best, as the statistics module finds it.
        assert f"({best_group(_toy(results_dir), 'RR@10').best}," in best_text
        # The averages first (they were 49 columns to the right, off screen); no Deploy button.
        assert [h.strip() for h in headers[1:1 + len(SUMMARY)]] == SUMMARY, headers
        assert deploy == 0


def test_app_leaves_out_a_file_that_lacks_the_measure(results_dir, monkeypatch, tmp_path):
    """One results file with only P@5 used to leave no measure in common and break the app."""
    import json
    import shutil

    from streamlit.testing.v1 import AppTest

    shutil.copytree(results_dir, tmp_path / "results")
    odd = tmp_path / "results" / "toy" / "hashed-ngrams" / "results.json"
    raw = json.loads(odd.read_text())
    raw["metrics"], raw["measures"] = ["P@5"], {"P@5": "P@5"}
    for pair in raw["pairs"].values():
        pair["metrics"] = {"P@5": 0.2}
        pair["per_query"] = {"P@5": {q: 0.2 for q in next(iter(pair["per_query"].values()))}}
    odd.write_text(json.dumps(raw))
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(tmp_path / "results"))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception
    assert set(app.table[0].value.index) == {"bm25s"}
    assert any("no RR@10" in w.value and "hashed-ngrams" in w.value for w in app.warning)


def test_app_shows_translated_questions_apart(monkeypatch, tmp_path):
    """AfriQA-R's committed baselines: the `hau:en-en` pairs (questions in their human
    translation) are columns of the pair view, in no average, and no cell of the matrix (six of
    them are en-en: the matrix once failed on the duplicates)."""
    from streamlit.testing.v1 import AppTest

    shutil.copytree(REPO / "baselines" / "afriqa-r", tmp_path / "results" / "afriqa-r")
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(tmp_path / "results"))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=120).run()
    assert not app.exception
    results = collect([tmp_path / "results"]).for_task("afriqa-r")
    scores = score_table(results, "RR@10").scores
    native = [c for c in scores.columns if c.endswith("-en") and ":" not in c]
    assert "hau:en-en" in scores.columns
    assert scores.at["me5-small", "avg all"] == pytest.approx(scores.loc["me5-small", native].mean())


# The page reads results files without their per-query values; the tests and per-query views read them.

def _with_partial_run(results_dir: Path, root: Path) -> Path:
    """The toy results and `two-pairs`: bm25s's file, renamed, with two of its 16 pairs."""
    shutil.copytree(results_dir, root)
    raw = json.loads((root / "toy/bm25s/results.json").read_text())
    raw["model"]["name"] = "two-pairs"
    raw["pairs"] = {key: raw["pairs"][key] for key in ("en-sw", "sw-en")}
    (root / "toy/two-pairs").mkdir()
    (root / "toy/two-pairs/results.json").write_text(json.dumps(raw))
    return root


def test_tables_read_without_per_query_values(results_dir):
    from clirbench.leaderboard.filters import PairFilter, apply_filter
    from clirbench.leaderboard.reading import has_per_query

    known = set(task_files())
    full, light = collect([results_dir], known_tasks=known), collect([results_dir], known_tasks=known, per_query=False)
    without = {"pairs": {"__all__": {"per_query"}}}
    assert [p for p, _ in light.results] == [p for p, _ in full.results]
    for (_, f), (path, r) in zip(full.results, light.results):
        assert r.model_dump(exclude=without) == f.model_dump(exclude=without) and not has_per_query(r)
        with pytest.raises(RuntimeError, match=f"{path}: its per-query values were not read"):
            r.pairs["en-sw"].per_query.get("RR@10")  # never taken for none
    read, warnings = light.with_per_query(light.for_task("toy"))
    assert not warnings and [r.model_dump() for r in read] == [f.model_dump() for f in full.for_task("toy")]
    # A filtered copy gets its own pairs' values, and only those.
    sw = apply_filter(light.for_task("toy"), PairFilter(query_langs=frozenset({"sw"})))
    read, _ = light.with_per_query(sw)
    by_name = {r.model.name: r for r in full.for_task("toy")}
    for r in read:
        assert set(r.pairs) == {k for k in by_name[r.model.name].pairs if k.startswith("sw-")}
        assert all(p.per_query == by_name[r.model.name].pairs[k].per_query for k, p in r.pairs.items())


def test_unread_per_query_values_are_never_written_or_compared(results_dir, tmp_path):
    """A lightly read file (no per-query values): dumping it (model_dump, model_dump_json,
    save_results), json.dumps of its values and `== {}` raise, naming the file; none writes or
    sees `{}`. Dumps that leave the per-query values out work."""
    from clirbench.eval.results import save_results

    light = collect([results_dir], known_tasks=set(task_files()), per_query=False)
    path, r = light.results[0]
    pair = r.pairs["en-sw"]
    unread = f"{path}: its per-query values were not read"
    for dump in (r.model_dump, lambda: r.model_dump(mode="json"), r.model_dump_json, pair.model_dump,
                 pair.model_dump_json, lambda: r.model_dump(exclude={"pairs": {"en-sw": {"per_query"}}})):
        with pytest.raises(ValueError, match=unread):  # pydantic's PydanticSerializationError
            dump()
    full = dict((p, f) for p, f in collect([results_dir], known_tasks=set(task_files())).results)[path]
    for look in (lambda: pair.per_query == {}, lambda: {} == pair.per_query, lambda: dict(pair.per_query),
                 lambda: pair == full.pairs["en-sw"], lambda: r == full):
        with pytest.raises(RuntimeError, match=unread):
            look()
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps(pair.per_query)
    target = tmp_path / "toy/copy/results.json"
    target.parent.mkdir(parents=True)
    with pytest.raises(ValueError, match=unread):
        save_results(target, r)
    assert not target.exists()
    assert "per_query" not in r.model_dump(exclude={"pairs": {"__all__": {"per_query"}}})["pairs"]["en-sw"]


def test_a_corrupt_gzipped_results_file_is_a_warning_on_the_board_and_a_clear_error(cli, results_dir, tmp_path):
    """`results.json.gz` whose data are corrupt (zlib.error) or cut short (EOFError): the board
    (light and full reads, the command) skips each with a warning naming it; the reader
    (load_results, `clirbench show`) says which file and how to fix it. No traceback."""
    import gzip

    from clirbench.core.errors import ClirbenchError
    from clirbench.eval.results import load_results

    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    packed = gzip.compress((root / "toy/bm25s/results.json").read_bytes())
    broken = {"corrupt": packed[:10] + b"\xff" * 8 + packed[18:], "cut-short": packed[: len(packed) // 2]}
    paths = {}
    for name, data in broken.items():
        paths[name] = root / "toy" / name / "results.json.gz"
        paths[name].parent.mkdir()
        paths[name].write_bytes(data)
        with pytest.raises(ClirbenchError, match=f"{paths[name]}: not a gzipped results file, or a corrupt or "
                                                 "cut-short one") as e:
            load_results(paths[name].with_suffix(""))
        assert "git checkout" in e.value.hint and "--force" in e.value.hint
    known = set(task_files())
    for found in (collect([root], known_tasks=known), collect([root], known_tasks=known, per_query=False)):
        assert {r.model.name for r in found.for_task("toy")} == {"bm25s", "hashed-ngrams"}
        assert sorted(found.warnings) == sorted(f"{path}: skipped, not readable JSON: not a gzipped results file, "
                                                f"or a corrupt or cut-short one ({why})" for path, why in
                                                zip(paths.values(), ["Error -3 while decompressing data: invalid "
                                                                     "block type", "Compressed file ended before "
                                                                     "the end-of-stream marker was reached"]))
    proc = cli("leaderboard", "--task", "toy", "--results", str(root))
    assert "Traceback" not in proc.stderr and "bm25s" in proc.stdout
    assert all(f"warning: {path}: skipped" in " ".join(proc.stderr.split()) for path in paths.values())
    error, fix = one_line_error(cli("show", "--system", "corrupt", "--task", "toy", "--out", str(root), check=False))
    assert str(paths["corrupt"]) in error and "git checkout" in fix


def test_a_malformed_per_query_value_leaves_the_system_out_of_the_tests(results_dir, monkeypatch, tmp_path):
    """A per-query value out of range: a full read skips the file; the page (which reads no
    per-query value) shows the system's averages, and leaves it out of the CIs and the tests with
    the full read's warning."""
    from streamlit.testing.v1 import AppTest

    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    path = root / "toy/hashed-ngrams/results.json"
    raw = json.loads(path.read_text())
    first = next(iter(raw["pairs"]["en-sw"]["per_query"]["RR@10"]))
    raw["pairs"]["en-sw"]["per_query"]["RR@10"][first] = 1.5
    path.write_text(json.dumps(raw))
    known = set(task_files())
    full = collect([root], known_tasks=known)
    assert [r.model.name for r in full.for_task("toy")] == ["bm25s"] and "outside [0, 1]" in full.warnings[0]
    light = collect([root], known_tasks=known, per_query=False)
    assert {r.model.name for r in light.for_task("toy")} == {"bm25s", "hashed-ngrams"} and not light.warnings
    read, warnings = light.with_per_query(light.for_task("toy"))
    assert [r.model.name for r in read] == ["bm25s"]
    reason = full.warnings[0].removeprefix(f"{path}: skipped, ")
    assert warnings == [f"{path}: left out of the CIs, tests and per-query views, {reason}"]

    monkeypatch.setenv("CLIRBENCH_RESULTS", str(root))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception
    main = app.dataframe[0].value
    main = main.data if hasattr(main, "data") else main
    assert main.at["hashed-ngrams", "95% CI"] == "" and main.at["hashed-ngrams", "best group"] == ""
    assert main.at["bm25s", "95% CI"].startswith("[") and main.at["bm25s", "best group"] == "best"
    assert any("left out of the CIs, tests and per-query views" in w.value and r"outside \[0, 1\]" in w.value
               for w in app.warning)


def _rich_rows(text: str, title: str) -> list[list[str]]:
    """The header and rows of the rich table printed under `title`, each cell stripped."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("└"):
            break
        if line[:1] in ("┃", "│"):
            rows.append([cell.strip() for cell in line.strip("┃│").split(line[0])])
    return rows


def test_leaderboard_command_ranks_with_coverage_and_cis(cli, results_dir, tmp_path):
    """`clirbench leaderboard` prints the app's main table (overview.main_table, with_statistics):
    rank, the average (marked † over other pairs), its 95% CI (significance.average_cis), the best
    group and coverage; on real results files of the toy task and a partial run of 2 of 16 pairs."""
    from clirbench.leaderboard.overview import ci_label
    from clirbench.leaderboard.significance import average_cis

    root = _with_partial_run(results_dir, tmp_path / "results")
    out = cli("leaderboard", "--task", "toy", "--results", str(root)).stdout
    header, *body = _rich_rows(out, "toy · ranking by RR@10")
    assert header[:6] == ["rank", "system", "avg all", "95% CI", "best group", "coverage"]
    rows = {row[1]: dict(zip(header, row)) for row in body}
    results = collect([root]).for_task("toy")
    averages = score_table(results, "RR@10").scores["avg all"]
    cis = average_cis(results, "RR@10")
    assert [row[1] for row in body] == list(averages.sort_values(ascending=False).index)
    assert [rows[name]["rank"] for name in averages.sort_values(ascending=False).index] == ["1", "2", "3"]
    for name, row in rows.items():
        assert row["avg all"] == f"{averages[name]:.4f}" + (" †" if name == "two-pairs" else "")
        assert row["95% CI"] == ci_label(cis.at[name, "ci_low"], cis.at[name, "ci_high"])
        low, high = map(float, row["95% CI"].strip("[]").split(", "))
        assert low < averages[name] < high
    assert rows["hashed-ngrams"]["coverage"] == rows["bm25s"]["coverage"] == "16/16 pairs"
    assert rows["two-pairs"]["coverage"] == "2/16 pairs"
    assert rows["hashed-ngrams"]["best group"] == "best"
    assert "† over other pairs than the other systems' (two-pairs)" in out
    # The score table follows, as before.
    assert _rich_rows(out, "toy · RR@10 (best per column in bold)")[0][:2] == ["system", "avg all"]
