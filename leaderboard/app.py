"""The clirbench leaderboard: `streamlit run leaderboard/app.py [-- --results DIR ... --with-experiments]`.

Reads the results files where `clirbench run` writes them (./results) and submissions/*/results/,
or only the folders of $CLIRBENCH_RESULTS, as `clirbench leaderboard` does; `--results`
reads other folders instead, `--with-experiments` adds trained/experiments/*/results/ (smoke
runs never). Never imports plugin code. The tables come from clirbench.leaderboard, the same
code as `clirbench leaderboard`.
"""

import argparse
import sys

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit import config as st_config

from clirbench.core.errors import ClirbenchError
from clirbench.leaderboard import filters, matrix, overview
from clirbench.leaderboard.collect import collect, describe_roots, result_roots, stamp
from clirbench.leaderboard.escape import escape_markdown as md
from clirbench.leaderboard.export import formatted, frame_text, render
from clirbench.leaderboard.significance import average_cis, best_group, compare, describe, difference_grid
from clirbench.eval.summary import COLUMNS as SUMMARY_COLUMNS
from clirbench.eval.summary import PUBLISHED, RANK_DISTANCE, rank_distance_by_language, same_language_share, summary_table
from clirbench.leaderboard.tables import (PAIRS, SUMMARY, available_metrics, common_pairs, default_measure, score_table,
                                         with_measure)
from clirbench.tasks import load_task, task_files

# Readers get no developer toolbar (Deploy, Rerun, Clear cache). Started from the repo root,
# .streamlit/config.toml says so; started from elsewhere that file is not read, so set it here
# unless the command line or a config file chose a mode, and rerun once: the browser learns the
# mode when a run starts. The option is the server's, so this happens once per server.
if not st_config.is_manually_set("client.toolbarMode"):
    st.set_option("client.toolbarMode", "minimal")
    st.rerun()

st.set_page_config(page_title="clirbench leaderboard", layout="wide")
st.title("clirbench: cross-lingual retrieval leaderboard")

# The command's options, after `--` (streamlit run leaderboard/app.py -- --with-experiments).
_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
_options.add_argument("--results", nargs="+", action="extend")
_options.add_argument("--with-experiments", action="store_true")
OPTIONS, _ = _options.parse_known_args(sys.argv[1:])
try:
    ROOTS = result_roots(OPTIONS.results, OPTIONS.with_experiments)
except ClirbenchError as e:
    st.error(md(f"{e.message}. {e.hint}"))
    st.stop()


# Reading the results files is most of a page's load: read once per server, again when a file
# changes (`stamp`); and without their per-query values (a FLORES-R file holds 470k), which only
# the tests, CIs and per-query views use: `found.with_per_query` reads them when one of those asks.
# Shared, never modified: filters and common pairs make copies.
@st.cache_resource(show_spinner="Reading results ...", max_entries=8)
def read_results(roots: tuple, known: tuple, files: tuple):
    return collect(list(roots), known_tasks=set(known), per_query=False)


FILES = stamp(ROOTS)  # the results files here, with their sizes and modification times
found = read_results(tuple(map(str, ROOTS)), tuple(sorted(task_files())), FILES)
# Every string from a results file (names, descriptions, notes, sources, training data, pair
# keys, versions) reaches Markdown through md(): it is shown as text, never rendered as markup
# (an image link in a description made the reader's browser fetch a remote address).
for warning in found.warnings:
    st.warning(md(warning))
if not found.results:
    st.info("No results yet. Make some with\n\n"
            "    clirbench run --system bm25 --task mlqa-r\n\n"
            f"then reload this page. The app reads {md(describe_roots(ROOTS))}.")
    st.stop()

BY_LABELS = {"language pair": "pair", "query language": "query", "document language": "doc"}
STATS_AT_ONCE = 200  # tests (CIs, best group, against the baseline) up to which they run on load
WIDE = 40  # columns beyond which a table scrolls (st.dataframe) instead of being static HTML
BEST_MARK = "★"  # a wide table's best value per column (a narrow one highlights it)
IN_TABS = ("matrix-system", "chart-side", "chart-systems", "page-system", "page-pair", "query-texts")  # widget keys

with st.sidebar:
    task = st.selectbox("Task", found.tasks(), index=found.tasks().index("mlqa-r") if "mlqa-r" in found.tasks() else 0)
    results = found.for_task(task)
    metrics = available_metrics(results)
    spec = load_task(task)
    # Shown first: the measure `clirbench leaderboard` shows unless told (one rule for both).
    shown = default_measure(results, [m.name for m in spec.measures()])
    metric = st.selectbox("Metric", metrics, index=metrics.index(shown))
    results, lacking = with_measure(results, metric)
    by = BY_LABELS[st.radio("Columns", list(BY_LABELS))]
    common = st.toggle("Common pairs only", key="common-pairs",
                       help="Average every system over only the pairs that all systems shown ran "
                            "(`clirbench leaderboard --common-pairs`)")
    offered = filters.options(results)

    def language_label(code: str) -> str:
        f = filters.facts(code)
        return f"{code} · {f.name}" + (f" ({f.resource_class})" if f.resource_class is not None else "")

    with st.expander("Filters", expanded=False):
        searched = st.text_input("Find a language (name or code)", key="lang-search",
                                 help="Keeps the pairs that have a matching language on either side")
        found_langs = filters.search_languages(set(offered["query"]) | set(offered["doc"]), searched)
        if searched:
            st.caption(("Matches: " + ", ".join(md(language_label(c)) for c in found_langs[:12])
                        + (f" and {len(found_langs) - 12} more" if len(found_langs) > 12 else ""))
                       if found_langs else f"No language of {md(task)} matches {md(searched)}.")
        pair_filter = filters.PairFilter(
            query_langs=frozenset(st.multiselect("Query language", offered["query"], key="f-query",
                                                 format_func=language_label)),
            doc_langs=frozenset(st.multiselect("Document language", offered["doc"], key="f-doc",
                                               format_func=language_label)),
            classes=frozenset(st.multiselect(
                "Resource class (of the pair's less-resourced side)", offered["classes"], key="f-class",
                format_func=lambda c: "unknown" if c == filters.UNKNOWN_CLASS else f"{c}")),
            scripts=frozenset(st.multiselect("Script (either side)", offered["scripts"], key="f-script")),
            kinds=frozenset(st.multiselect("System kind", offered["kinds"], key="f-kind")),
            either_lang=frozenset(found_langs) if searched else frozenset())
    st.caption(f"Results read from {md(describe_roots(ROOTS))}; other folders: "
               "`streamlit run leaderboard/app.py -- --results DIR --with-experiments`")

results_path = {r.model.name: path for path, r in found.results if r.task == task}
results = filters.apply_filter(results, pair_filter)
if not results:
    st.warning("No pair of any system passes the filters: widen them (sidebar, Filters).")
    st.stop()
expected = overview.task_pairs(spec, pair_filter.keeps)
shared_keys = None
if common:
    shared_results, shared_keys = common_pairs(results, metric)
    if shared_keys:
        results = shared_results
        expected = {k: v for k, v in expected.items() if k in set(shared_keys)}
    else:
        st.warning(f"No pair was run by all {len(results)} systems shown: every system keeps its own pairs.")
        shared_keys = None
systems = [r.model.name for r in results]
table = score_table(results, metric, by=by)
with st.sidebar:
    baseline = st.selectbox("Baseline", systems, index=systems.index("bm25") if "bm25" in systems else 0)
    # Each test draws 10,000 resamples: the page would wait a minute for the baseline's 900
    # tests on FLORES-R's 452 pairs. Computed at once where that is cheap; elsewhere on request
    # (then cached for these results).
    tests = 2 * len(results) + (len(results) - 1) * (len(table.scores.columns) - 1)
    with_stats = st.toggle("95% CIs, best group, baseline tests", value=tests <= STATS_AT_ONCE, key="stats",
                           help="Cluster-bootstrap CIs of each average, the systems not significantly below the "
                                "best, and each system against the baseline per column (clirbench.eval.stats)")
if lacking:
    st.warning(f"Left out of this page, no {md(metric)} in their results: "
               + ", ".join(md(r.model.name) for r in lacking) + ". Rerun them with --force to score the task's measures.")
st.caption(f"**{md(task)}**: {md(spec.description)}  \n{md(spec.citation)}")


def state_of(shown: list) -> tuple:
    """What results a test sees (systems, fingerprints, times, pairs; and the files' sizes and
    times): the tests (10,000 draws each) are cached on it, so a widget change that keeps the
    results does not draw them again."""
    return tuple(sorted((r.model.name, r.model_fingerprint, r.updated, tuple(sorted(r.pairs))) for r in shown)), FILES


# The tests and the per-query views need the per-query values, which the page did not read:
# `with_values` reads them (once per file and server), says which files could not be used, and
# returns the results that have them with their `state_of`.
_values: dict[tuple, tuple[list, tuple]] = {}


def with_values(shown: list) -> tuple[list, tuple]:
    key = tuple(id(r) for r in shown)
    if key not in _values:
        full, problems = found.with_per_query(shown)
        for problem in problems:
            st.warning(md(problem))
        _values[key] = full, state_of(full)
    return _values[key]


# Cached on `state` (state_of); `_results` (the results with their per-query values) is not hashed.
@st.cache_data(show_spinner="Testing significance ...", max_entries=32)
def cached_best_group(task: str, metric: str, by: str, state: tuple, _results: list):
    return best_group(_results, metric, by=by)


@st.cache_data(show_spinner="Bootstrapping CIs ...", max_entries=32)
def cached_cis(task: str, metric: str, by: str, state: tuple, _results: list):
    return average_cis(_results, metric, by=by)


@st.cache_data(show_spinner="Testing significance ...", max_entries=32)
def cached_compare(task: str, metric: str, by: str, baseline: str, state: tuple, _results: list):
    return compare(_results, baseline, metric, by=by)


@st.cache_data(show_spinner="Reading the pair's queries and documents ...", max_entries=16)
def cached_query_view(name: str, path: str, pair_key: str, metric: str, state: tuple, _result):
    from pathlib import Path

    from clirbench.leaderboard.per_query import query_view

    return query_view(_result, Path(path), spec, pair_key, metric, limit=100)


def downloads(df_csv, df_latex, key: str) -> None:
    """CSV and LaTeX buttons; each made when clicked (callables): a 464-column LaTeX table took half a
    second of every page load."""
    left, right = st.columns(2)
    left.download_button("Download CSV", df_csv, file_name=f"{task}-{key}.csv", mime="text/csv", key=f"{key}-csv")
    right.download_button("Download LaTeX", df_latex, file_name=f"{task}-{key}.tex", mime="text/x-tex", key=f"{key}-tex")


def zero_shot_fact(spec, meta) -> str:
    """Whether the system is zero-shot on the task: yes, no (which source datasets it saw) or
    unknown (why); Markdown, its names escaped."""
    zero_shot = spec.zero_shot(meta.training_data)
    if zero_shot is None:
        why = []
        if meta.training_data is None:
            why.append("the system does not declare its training data")
        if not spec.source_datasets:
            why.append(f"{md(spec.name)} names no source datasets")
        return f"zero-shot on {md(spec.name)}: **unknown** ({'; '.join(why)})"
    if not zero_shot:
        seen = {d.casefold() for d in meta.training_data}
        return (f"zero-shot on {md(spec.name)}: **no** (its training data include "
                f"{', '.join(md(d) for d in spec.source_datasets if d.casefold() in seen)})")
    base = (f"; the training data of {md(meta.adapted_from)}, which it was adapted from, are not counted"
            if meta.adapted_from else "")
    return (f"zero-shot on {md(spec.name)}: **yes** (its declared training data include none of "
            f"{', '.join(md(d) for d in spec.source_datasets)}{base})")


# A wide board (FLORES-R: 464 pair columns, a 205 x 205 heatmap) draws a tab when it is opened (a
# rerun): drawing the hidden ones (heatmap, chart, a results file's per-query values) was most of
# its page. A narrow board draws them all, so that switching is instant.
TABS = ["Leaderboard", "Against the baseline", "Language matrix", "Per-language chart", "Language bias", "System"]
if len(table.scores.columns) > WIDE:
    # Widgets of a tab not drawn would lose their values (Streamlit drops them): kept by hand.
    for kept in IN_TABS:
        if kept in st.session_state:
            st.session_state[kept] = st.session_state[kept]
    try:
        tab_board, tab_base, tab_matrix, tab_chart, tab_bias, tab_system = st.tabs(TABS, key="tab", on_change="rerun")
    except TypeError:  # a Streamlit whose st.tabs has no on_change (no lazy tabs): every tab is drawn
        tab_board, tab_base, tab_matrix, tab_chart, tab_bias, tab_system = st.tabs(TABS)
else:
    tab_board, tab_base, tab_matrix, tab_chart, tab_bias, tab_system = st.tabs(TABS)


def opened(tab) -> bool:
    """Whether to draw `tab`: the one open, or every one where tabs do not track which is (None)."""
    return getattr(tab, "open", None) is not False


with tab_board:
    if opened(tab_board):
        cover = overview.coverage(results, metric, expected)
        total = max(c.total for c in cover.values())
        st.caption(f"{len(results)} system(s) on {'the ' + str(len(shared_keys)) + ' pairs all of them ran' if shared_keys else str(total) + ' pairs'}"
                   f" of {md(task)}" + (" (filtered)" if pair_filter.active else "") + ".")
        tested, tested_state = with_values(results) if with_stats else ([], ())
        group = cached_best_group(task, metric, by, tested_state, tested) if with_stats and len(results) > 1 else None
        cis = cached_cis(task, metric, by, tested_state, tested) if with_stats else None
        main = overview.with_statistics(overview.main_table(results, metric, table.scores["avg all"], spec, expected),
                                        cis, group)
        unequal = main.index[main[overview.UNEQUAL]]
        shown_main = main.drop(columns=[overview.UNEQUAL])
        styled_main = shown_main.style.format("{:.4f}", subset=["avg all"], na_rep="")
        if len(unequal):
            styled_main = styled_main.format("{:.4f} †", subset=pd.IndexSlice[list(unequal), ["avg all"]], na_rep="")
        st.subheader(f"Ranking by {md(metric)}, average over all {'pairs' if by == 'pair' else 'languages'}")
        st.dataframe(styled_main, width="stretch", key="main-table", column_config={
            overview.RANK: st.column_config.NumberColumn(width="small"),
            overview.PARAMETERS: st.column_config.NumberColumn(format="compact"),
            overview.SOURCE: st.column_config.LinkColumn(display_text="source"),
        })
        notes = []
        if len(unequal):
            notes.append(f"† over other pairs than the other systems' ({', '.join(md(n) for n in unequal)}): not comparable; "
                         "turn on *Common pairs only* in the sidebar to compare on the pairs all of them ran.")
        if with_stats:
            notes.append("95% CI: cluster bootstrap of the average over the queries (clirbench.eval.stats). best group: "
                         "yes = not significantly below the best (on the pairs every system ran).")
        else:
            notes.append(f"CIs and tests are off ({tests:,} tests of 10,000 draws each would delay the page): "
                         "turn on *95% CIs, best group, baseline tests* in the sidebar.")
        st.caption(" ".join(notes))
        st.subheader(f"{md(metric)} per {'language pair' if by == 'pair' else ('query' if by == 'query' else 'document') + ' language'}")
        wide = len(table.scores.columns) > WIDE
        st.caption("Sorted by the average over all columns; the best value of each column is "
                   + (f"marked {BEST_MARK}" if wide else "highlighted") + ". "
                   "avg high / avg low: over high- / low-resource columns; avg cross-lingual: over pairs whose "
                   "languages differ; pairs: how many pairs a system ran. Averages over fewer pairs (a system not "
                   "applicable to some, such as dict+bm25) are not comparable with the others'.")
        values = [c for c in table.scores.columns if c != PAIRS]
        if not wide:
            # A static HTML table: its text can be selected and copied into a paper.
            best_cells = pd.DataFrame(np.where(table.best_mask(), "font-weight: bold; background-color: #d4edda", ""),
                                      index=table.scores.index, columns=table.scores.columns)
            st.table(table.scores.style.format("{:.4f}", subset=values, na_rep="").format("{:.0f}", subset=[PAIRS])
                     .apply(lambda _: best_cells, axis=None))
        else:  # hundreds of columns (FLORES-R's 464 pairs): a grid that scrolls, fixed column width, each column's
            # best marked in its text (a pandas Styler of 10,000 cells took half a second of every load)
            marked = formatted(table, lambda text: f"{text} {BEST_MARK}")
            marked[PAIRS] = table.scores[PAIRS]
            st.dataframe(marked, width="stretch", height=min(600, 38 + 35 * len(table.scores)), key="wide-scores")
        downloads(lambda t=table: render(t, "csv"), lambda t=table: render(t, "latex"), f"{metric}-{by}")
        if group is not None:
            if group.best is not None:
                others = [m for m in group.members if m != group.best]
                st.markdown(f"**Not significantly different from the best** ({md(group.best)}, `{md(group.column)}`, "
                            "on the pairs every system ran): " + (", ".join(md(m) for m in others) if others else "none")
                            + (f"; not testable against it: {', '.join(md(m) for m in group.untested)}"
                               if group.untested else ""))
                st.caption(describe(group.correction))
            else:
                st.caption("No pair that every system ran: no best to test against.")

with tab_base:
    if opened(tab_base):
        tested, tested_state = with_values(results) if with_stats else ([], ())
        comparison = (cached_compare(task, metric, by, baseline, tested_state, tested)
                      if with_stats and baseline in {r.model.name for r in tested} else None)
        st.subheader(f"Difference from {md(baseline)}")
        if comparison is None and with_stats:
            st.info(f"No tests against {md(baseline)}: its per-query values cannot be read (the warning above says why).")
        elif comparison is None:
            st.info(f"The tests against {md(baseline)} are off ({tests:,} tests): turn on *95% CIs, best group, "
                    "baseline tests* in the sidebar.")
        else:
            st.caption(describe(comparison.correction) + " * = significant at 0.05 after correction; only the queries "
                       "both systems ran are compared.")
        if comparison is None:
            pass
        elif comparison.table.empty:
            st.info("No other system shares queries with the baseline.")
        else:
            grid = difference_grid(comparison)
            st.dataframe(grid[[c for c in table.scores.columns if c in grid.columns]], width="stretch")
            detail = comparison.table.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high"})
            st.dataframe(detail.style.format({"diff": "{:+.4f}", "95% CI low": "{:+.4f}", "95% CI high": "{:+.4f}",
                                              "p": "{:.2e}", "p_adjusted": "{:.2e}"}), width="stretch")
            downloads(lambda d=detail: d.to_csv(index=False),
                      lambda d=detail: frame_text(d, "latex", float_format="%.4f", index=False), f"vs-{baseline}")

with tab_matrix:
    if opened(tab_matrix):
        name = st.selectbox("System", systems, key="matrix-system")
        chosen_result = next(r for r in results if r.model.name == name)
        # Translated questions (`hau:en-en`) are a reference, not a cell of the language matrix.
        cells = matrix.cells(chosen_result, metric, expected)
        ran = int((cells["status"] == matrix.RUN).sum())
        if not ran:
            st.info(f"{md(name)} has no language-pair results on {md(task)} (only multilingual-pool pairs: see Language bias).")
        else:
            queries_axis, docs_axis = matrix.axes(cells)
            st.markdown(f"**{md(name)}: {ran} of {len(cells)} pairs run**"
                        + (f" ({len(cells) - ran} not run: grey)" if ran < len(cells) else "")
                        + ". Languages by resource class (highest first), then code.")
            flagged = matrix.anomalies(cells, metric)
            cells["flag"] = cells["pair"].isin({a.pair for a in flagged})
            small = max(len(queries_axis), len(docs_axis)) <= 12
            size = 48 if small else 16  # pixels per cell, whatever the number of languages
            # Every label shown (Vega hides overlapping ones by default: every other language went missing).
            x = alt.X("documents:N", title="document language", sort=docs_axis,
                      axis=alt.Axis(orient="top", labelAngle=0 if small else -90, labelOverlap=False, labelFontSize=10))
            y = alt.Y("query:N", title="query language", sort=queries_axis,
                      axis=alt.Axis(labelOverlap=False, labelFontSize=10))
            tooltip = ["query", "documents", alt.Tooltip(f"{metric}:Q", format=".4f"), "status"]
            layers = [
                alt.Chart(cells[cells["status"] == matrix.RUN]).mark_rect().encode(
                    x=x, y=y, color=alt.Color(f"{metric}:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1])), tooltip=tooltip),
                alt.Chart(cells[cells["status"] == matrix.NOT_RUN]).mark_rect(color="#d9d9d9").encode(x=x, y=y, tooltip=tooltip),
                alt.Chart(cells[cells["flag"]]).mark_rect(fill=None, stroke="red", strokeWidth=2).encode(x=x, y=y, tooltip=tooltip),
            ]
            if small:
                layers.append(alt.Chart(cells[cells["status"] == matrix.RUN]).mark_text(baseline="middle").encode(
                    x=x, y=y, text=alt.Text(f"{metric}:Q", format=".3f"),
                    color=alt.condition(f"datum['{metric}'] > 0.5", alt.value("black"), alt.value("white"))))
            heat = alt.layer(*layers).properties(width=size * len(docs_axis), height=size * len(queries_axis))
            # Fixed cell size: a large matrix scrolls inside its frame instead of shrinking its cells.
            frame = st.container(height=min(720, size * len(queries_axis) + 160)) if not small else st.container()
            frame.altair_chart(heat, width="content")
            if flagged:
                st.markdown(f"**Flagged for a look** ({len(flagged)}): far below what their row and column predict")
                st.dataframe(pd.DataFrame([{"pair": a.pair, metric: a.value, "expected": a.expected, "residual": a.residual}
                                           for a in flagged]).style.format(precision=4), width="stretch", key="anomalies")
            st.caption("Red frames: cells far below their row and column's prediction (additive median-polish fit; "
                       f"flagged below -max({matrix.THRESHOLD}, {matrix.MADS:g} scaled MADs), rows and columns of at "
                       f"least {matrix.MIN_CELLS} cells): a data bug or a real failure, worth a look.")
            table_cells = cells[cells["status"] == matrix.RUN].pivot(index="query", columns="documents", values=metric)
            downloads(lambda t=table_cells: t.to_csv(), lambda t=table_cells: frame_text(t, "latex", float_format="%.4f"),
                      f"matrix-{name}")

with tab_chart:
    if opened(tab_chart):
        side = st.radio("Languages of", ["query", "doc"], horizontal=True, key="chart-side",
                        format_func=lambda s: "queries" if s == "query" else "documents")
        picked = st.multiselect("Systems", systems, default=systems[:5], key="chart-systems")
        per_lang = score_table(results, metric, by=side).scores.drop(columns=SUMMARY)
        order = filters.language_order(per_lang.columns)
        long = per_lang.loc[[s for s in per_lang.index if s in picked]].reset_index().melt(
            id_vars="system", var_name="language", value_name=metric).dropna(subset=[metric])
        long["class"] = [filters.facts(c).resource_class for c in long["language"]]
        x = alt.X("language:N", sort=order, title=f"{'query' if side == 'query' else 'document'} language (by resource class)")
        tooltip = ["system", "language", "class", alt.Tooltip(f"{metric}:Q", format=".4f")]
        if len(order) <= 30:
            st.altair_chart(alt.Chart(long).mark_bar().encode(
                x=x, xOffset="system:N", y=alt.Y(f"{metric}:Q"), color="system:N", tooltip=tooltip), width="stretch")
        else:  # one column of points per language, at a fixed width: the chart scrolls sideways
            chart = alt.Chart(long).mark_circle(size=40).encode(
                x=x, y=alt.Y(f"{metric}:Q"), color="system:N", tooltip=tooltip).properties(width=alt.Step(14), height=320)
            with st.container(height=480):
                st.altair_chart(chart, width="content")
        chart_table = per_lang.loc[[s for s in per_lang.index if s in picked], order]
        downloads(lambda t=chart_table: t.to_csv(), lambda t=chart_table: frame_text(t, "latex", float_format="%.4f"),
                  f"{metric}-{side}-languages")

with tab_bias:
    if opened(tab_bias):
        st.subheader("Language bias: the multilingual pool")
        st.caption("Each question is asked against every language's candidates at once (pairs X-multi); its "
                   "relevant candidates are its answers in every language. mAP mono / cross: averages over "
                   "monolingual and cross-lingual pairs; mAP multi: over the pool's pairs; rank distance: per "
                   "question, the rank of the worst-placed language's best answer minus the best-placed one's, "
                   "averaged (lower: less bias toward one language). Published rows (italic) come from the task "
                   "file, with their citation: they are not ranked among runs or tested.")
        summary = summary_table(results, spec)
        coverage_of = overview.summary_coverage(results, spec)
        if len(coverage_of):
            partial = {n: row for n, row in coverage_of.iterrows()
                       if not (row["mono complete"] and row["cross complete"] and row["pool complete"])}
            if partial and (spec.references or len(partial) < len(coverage_of)):
                st.warning("Partial runs beside " + ("published rows (over the whole task)" if spec.references else
                                                     "complete runs") + ": their averages are over fewer pairs and do not "
                           "compare. " + "; ".join(f"{md(n)} ran " + ", ".join(
                               f"{row[k]} {label}" for k, label in (("mono", "monolingual"), ("cross", "cross-lingual"),
                                                                    ("pool", "pool")) if row[k] != "-") + " pairs"
                               for n, row in partial.items()))
            summary.insert(len(SUMMARY_COLUMNS), "pairs run (mono / cross / pool)",
                           [" / ".join(coverage_of.loc[n, ["mono", "cross", "pool"]]) if n in coverage_of.index else "published"
                            for n in summary.index])
        if summary[SUMMARY_COLUMNS[2]].isna().all() and not spec.references:
            st.info(f"No run of {md(task)} has multilingual-pool pairs: run e.g. "
                    f"`clirbench run --system bm25 --task {md(task)}` (the pool pairs are X-multi).")
        else:
            styled = summary.style.format({c: "{:.1f}" if c == RANK_DISTANCE else "{:.3f}" for c in SUMMARY_COLUMNS},
                                          na_rep="").apply(
                lambda row: ["font-style: italic; color: #666" if row[PUBLISHED] else "" for _ in row], axis=1)
            st.table(styled)
            downloads(lambda t=summary: t.to_csv(), lambda t=summary: frame_text(t, "latex", float_format="%.3f"), "summary")
            by_lang = rank_distance_by_language(results)
            if len(by_lang):
                st.markdown("**Mean rank distance per query language** (lower: less bias)")
                st.dataframe(by_lang.style.format("{:.1f}"), width="stretch")
                share = same_language_share(results)
                st.markdown("**Own language in the top 10**, against that language's share of the pool (the bar's tick)")
                bars = alt.Chart(share).mark_bar().encode(
                    x=alt.X("query language:N"), xOffset="system:N", y=alt.Y("own language in top 10:Q", scale=alt.Scale(domain=[0, 1])),
                    color="system:N", tooltip=["system", "query language", "own language in top 10", "own share of pool"])
                ticks = alt.Chart(share).mark_tick(color="black", thickness=2).encode(
                    x="query language:N", xOffset="system:N", y="own share of pool:Q")
                st.altair_chart(bars + ticks, width="stretch")

with tab_system:
    if opened(tab_system):
        name = st.selectbox("System", systems, key="page-system")
        chosen = next(r for r in results if r.model.name == name)
        meta = chosen.model
        st.subheader(md(meta.name))
        st.markdown(md(meta.description))
        facts = [
            f"kind: **{meta.kind}**",
            f"parameters: {meta.num_parameters:,}" if meta.num_parameters is not None else "parameters: -",
            f"embedding size: {meta.embedding_dim or '-'}",
            # None: the system does not say; []: it was trained on nothing (beyond `adapted_from`'s data).
            "training data: " + ("not declared" if meta.training_data is None else
                                 ', '.join(md(d) for d in meta.training_data) or "none"),
            *([f"adapted from: {md(meta.adapted_from)}"] if meta.adapted_from else []),
            zero_shot_fact(spec, meta),
            f"licence: {md(meta.license or '-')}",
            f"source: {md(meta.source or '-')}",
        ] + ([f"notes: {md(meta.notes)}"] if meta.notes else [])
        st.markdown("\n".join(f"- {fact}" for fact in facts))
        st.markdown("**Settings it ran with**")
        st.json(meta.parameters, expanded=False)
        st.caption(md(f"versions: {', '.join(f'{k} {v}' for k, v in chosen.versions.items())}; updated {chosen.updated}"))
        pair_key = st.selectbox("Pair", sorted(chosen.pairs), key="page-pair")
        # Its per-query values, read now (a warning above says why where they cannot be).
        for chosen_values in with_values([chosen])[0]:
            pair = chosen_values.pairs[pair_key]
            per_query = pd.DataFrame(pair.per_query)
            per_query = per_query.sort_values(metric if metric in per_query.columns else per_query.columns[0])
            per_query.index.name = "query id"
            st.markdown(f"Per-query results on {md(pair_key)}, worst first ({pair.num_queries} queries, "
                        f"{pair.num_docs:,} documents)")
            st.dataframe(per_query.style.format("{:.4f}"), width="stretch")
            downloads(lambda t=per_query: t.to_csv(), lambda t=per_query: frame_text(t, "latex", float_format="%.4f"),
                      f"{name}-{pair_key}-per-query")
            # Reading the task's data takes a moment (and the data must be here): on request.
            if st.toggle("Query texts, gold documents and top hits (worst first)", key="query-texts"):
                try:
                    texts = cached_query_view(name, str(results_path[name]), pair_key, metric,
                                              state_of([chosen_values]), chosen_values)
                except ClirbenchError as e:
                    st.info(md(f"{e.message}. {e.hint}"))
                else:
                    st.dataframe(texts.style.format({"value": "{:.4f}"}), width="stretch", hide_index=True,
                                 key="query-texts-table")
                    st.caption(f"The {len(texts)} worst queries of {md(pair_key)} by {md(metric)}; gold document: the "
                               "most relevant judged one; top hit: the system's first document (relevant: judged "
                               "relevant, any grade).")
