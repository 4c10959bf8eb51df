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
import pandas as pd
import streamlit as st
from streamlit import config as st_config

from clirbench.core.errors import ClirbenchError
from clirbench.leaderboard.collect import collect, describe_roots, result_roots
from clirbench.leaderboard.escape import escape_markdown as md
from clirbench.leaderboard.export import frame_text, render
from clirbench.leaderboard.significance import best_group, compare, describe, difference_grid
from clirbench.eval.summary import COLUMNS as SUMMARY_COLUMNS
from clirbench.eval.summary import PUBLISHED, RANK_DISTANCE, rank_distance_by_language, same_language_share, summary_table
from clirbench.leaderboard.tables import (PAIRS, SUMMARY, available_metrics, default_measure, language_pairs, score_table,
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
found = collect(ROOTS, known_tasks=set(task_files()))
# Every string from a results file (names, descriptions, notes, sources, training data, pair
# keys, versions) reaches Markdown through md(): it is shown as text, never rendered as markup
# (an image link in a description made the reader's browser fetch a remote address).
for warning in found.warnings:
    st.warning(md(warning))
if not found.results:
    st.info("No results yet. Make some with\n\n"
            "    clirbench run --model bm25 --task mlqa-r\n\n"
            f"then reload this page. The app reads {md(describe_roots(ROOTS))}.")
    st.stop()

BY_LABELS = {"language pair": "pair", "query language": "query", "document language": "doc"}

with st.sidebar:
    task = st.selectbox("Task", found.tasks(), index=found.tasks().index("mlqa-r") if "mlqa-r" in found.tasks() else 0)
    results = found.for_task(task)
    metrics = available_metrics(results)
    # Shown first: the measure `clirbench leaderboard` shows unless told (one rule for both).
    shown = default_measure(results, [m.name for m in load_task(task).measures()])
    metric = st.selectbox("Metric", metrics, index=metrics.index(shown))
    results, lacking = with_measure(results, metric)
    by = BY_LABELS[st.radio("Columns", list(BY_LABELS))]
    systems = [r.model.name for r in results]
    baseline = st.selectbox("Baseline", systems, index=systems.index("bm25") if "bm25" in systems else 0)
    st.caption(f"Results read from {md(describe_roots(ROOTS))}; other folders: "
               "`streamlit run leaderboard/app.py -- --results DIR --with-experiments`")

spec = load_task(task)
if lacking:
    st.warning(f"Left out of this page, no {md(metric)} in their results: "
               + ", ".join(md(r.model.name) for r in lacking) + ". Rerun them with --force to score the task's measures.")
st.caption(f"**{md(task)}**: {md(spec.description)}  \n{md(spec.citation)}")
table = score_table(results, metric, by=by)
# What the shown results are: the significance tests (10,000 draws each) are cached on it, so a
# widget change that keeps the results does not draw them again.
STATE = tuple(sorted((r.model.name, r.model_fingerprint, r.updated, len(r.pairs)) for r in results))


@st.cache_data(show_spinner="Testing significance ...", max_entries=32)
def cached_best_group(task: str, metric: str, by: str, state: tuple):
    return best_group(results, metric, by=by)


@st.cache_data(show_spinner="Testing significance ...", max_entries=32)
def cached_compare(task: str, metric: str, by: str, baseline: str, state: tuple):
    return compare(results, baseline, metric, by=by)


def downloads(df_csv: str, df_latex: str, key: str) -> None:
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


tab_board, tab_base, tab_matrix, tab_chart, tab_bias, tab_system = st.tabs(
    ["Leaderboard", f"Against {md(baseline)}", "Language matrix", "Per-language chart", "Language bias", "System"])

with tab_board:
    st.subheader(f"{md(metric)} per {'language pair' if by == 'pair' else ('query' if by == 'query' else 'document') + ' language'}")
    st.caption("Sorted by the average over all columns; the best value of each column is highlighted. "
               "avg high / avg low: over high- / low-resource columns; avg cross-lingual: over pairs whose "
               "languages differ; pairs: how many pairs a system ran. Averages over fewer pairs (a system not "
               "applicable to some, such as dict+bm25) are not comparable with the others'.")
    # A static HTML table: its text can be selected and copied into a paper.
    values = [c for c in table.scores.columns if c != PAIRS]
    st.table(table.scores.style.format("{:.4f}", subset=values, na_rep="").format("{:.0f}", subset=[PAIRS])
             .highlight_max(axis=0, subset=values, props="font-weight: bold; background-color: #d4edda"))
    downloads(render(table, "csv"), render(table, "latex"), f"{metric}-{by}")
    if len(results) > 1:
        group = cached_best_group(task, metric, by, STATE)
        if group.best is not None:
            others = [m for m in group.members if m != group.best]
            st.markdown(f"**Not significantly different from the best** ({md(group.best)}, `{md(group.column)}`, "
                        "on the pairs every system ran): " + (", ".join(md(m) for m in others) if others else "none")
                        + (f"; not testable against it: {', '.join(md(m) for m in group.untested)}"
                           if group.untested else ""))
            st.caption(describe(group.correction))

with tab_base:
    comparison = cached_compare(task, metric, by, baseline, STATE)
    st.subheader(f"Difference from {md(baseline)}")
    st.caption(describe(comparison.correction) + " * = significant at 0.05 after correction; only the queries both "
               "systems ran are compared.")
    if comparison.table.empty:
        st.info("No other system shares queries with the baseline.")
    else:
        grid = difference_grid(comparison)
        st.dataframe(grid[[c for c in table.scores.columns if c in grid.columns]], width="stretch")
        detail = comparison.table.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high"})
        st.dataframe(detail.style.format({"diff": "{:+.4f}", "95% CI low": "{:+.4f}", "95% CI high": "{:+.4f}",
                                          "p": "{:.2e}", "p_adjusted": "{:.2e}"}), width="stretch")
        downloads(detail.to_csv(index=False), frame_text(detail, "latex", float_format="%.4f", index=False), f"vs-{baseline}")

with tab_matrix:
    name = st.selectbox("System", systems, key="matrix-system")
    chosen = next(r for r in results if r.model.name == name)
    # Translated questions (`hau:en-en`) are a reference, not a cell of the language matrix.
    cells = pd.DataFrame([{"query": p.query_lang, "documents": p.doc_lang, metric: p.metrics.get(metric)}
                          for p in language_pairs(chosen).values() if not p.query_set],
                         columns=["query", "documents", metric])
    if cells.empty:
        st.info(f"{md(name)} has no language-pair results on {md(task)} (only multilingual-pool pairs: see Language bias).")
    else:
        heat = alt.Chart(cells).mark_rect().encode(
            x=alt.X("documents:N", title="document language"), y=alt.Y("query:N", title="query language"),
            color=alt.Color(f"{metric}:Q", scale=alt.Scale(scheme="viridis")), tooltip=["query", "documents", metric])
        text = alt.Chart(cells).mark_text(baseline="middle").encode(
            x="documents:N", y="query:N", text=alt.Text(f"{metric}:Q", format=".3f"),
            color=alt.condition(f"datum['{metric}'] > 0.5", alt.value("black"), alt.value("white")))
        st.altair_chart((heat + text).properties(height=60 * cells["query"].nunique()), width="stretch")
        matrix = cells.pivot(index="query", columns="documents", values=metric)
        downloads(matrix.to_csv(), frame_text(matrix, "latex", float_format="%.4f"), f"matrix-{name}")

with tab_chart:
    side = st.radio("Languages of", ["query", "doc"], horizontal=True, key="chart-side",
                    format_func=lambda s: "queries" if s == "query" else "documents")
    picked = st.multiselect("Systems", systems, default=systems[:5])
    per_lang = score_table(results, metric, by=side).scores.drop(columns=SUMMARY)
    long = per_lang.loc[[s for s in per_lang.index if s in picked]].reset_index().melt(
        id_vars="system", var_name="language", value_name=metric)
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("language:N"), xOffset="system:N", y=alt.Y(f"{metric}:Q"), color="system:N",
        tooltip=["system", "language", metric]), width="stretch")
    chart_table = per_lang.loc[[s for s in per_lang.index if s in picked]]
    downloads(chart_table.to_csv(), frame_text(chart_table, "latex", float_format="%.4f"), f"{metric}-{side}-languages")

with tab_bias:
    st.subheader("Language bias: the multilingual pool")
    st.caption("Each question is asked against every language's candidates at once (pairs X-multi); its "
               "relevant candidates are its answers in every language. mAP mono / cross: averages over "
               "monolingual and cross-lingual pairs; mAP multi: over the pool's pairs; rank distance: per "
               "question, the rank of the worst-placed language's best answer minus the best-placed one's, "
               "averaged (lower: less bias toward one language). Published rows (italic) come from the task "
               "file, with their citation: they are not ranked among runs or tested.")
    summary = summary_table(results, spec)
    if summary[SUMMARY_COLUMNS[2]].isna().all() and not spec.references:
        st.info(f"No run of {md(task)} has multilingual-pool pairs: run e.g. "
                f"`clirbench run --model bm25 --task {md(task)}` (the pool pairs are X-multi).")
    else:
        styled = summary.style.format({c: "{:.1f}" if c == RANK_DISTANCE else "{:.3f}" for c in SUMMARY_COLUMNS},
                                      na_rep="").apply(
            lambda row: ["font-style: italic; color: #666" if row[PUBLISHED] else "" for _ in row], axis=1)
        st.table(styled)
        downloads(summary.to_csv(), frame_text(summary, "latex", float_format="%.3f"), "summary")
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
    pair = chosen.pairs[pair_key]
    per_query = pd.DataFrame(pair.per_query)
    per_query = per_query.sort_values(metric if metric in per_query.columns else per_query.columns[0])
    per_query.index.name = "query id"
    st.markdown(f"Per-query results on {md(pair_key)}, worst first ({pair.num_queries} queries, {pair.num_docs:,} documents)")
    st.dataframe(per_query.style.format("{:.4f}"), width="stretch")
    downloads(per_query.to_csv(), frame_text(per_query, "latex", float_format="%.4f"), f"{name}-{pair_key}-per-query")
