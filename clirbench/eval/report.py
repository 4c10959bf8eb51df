"""The per-pair table: one row per pair grouped by resource class (Joshi et al. 2020, 0-5),
the task's measures as columns, and macro averages over all pairs, each class, high- and
low-resource, cross-lingual and monolingual pairs; the per-language table of tasks with many
languages."""

from rich.table import Table

from clirbench.core.languages import language, pair_resource_class
from clirbench.eval.results import PairResult, ResultsFile

UNKNOWN_CLASS = "class ?"
TRANSLATED = "translated"


def class_label(pair: PairResult) -> str:
    """`class N` of the pair's less-resourced side (the query side of a pool pair);
    `class ?` where Joshi et al.'s table lacks a side's language; `translated` for questions in
    their human translation (AfriQA-R's `hau:en-en`), a reference that no average mixes in."""
    if pair.query_set:
        return TRANSLATED
    cls = language(pair.query_lang).resource_class if pair.pool else pair_resource_class(pair.query_lang, pair.doc_lang)
    return UNKNOWN_CLASS if cls is None else f"class {cls}"


def _class_order(label: str) -> int:
    """Classes from 5 down (sorted in reverse), `class ?` after 0, translated questions first."""
    special = {TRANSLATED: 6, UNKNOWN_CLASS: -1}
    return special[label] if label in special else int(label.split()[1])


def macro_averages(pairs: dict[str, PairResult], metrics: list[str]) -> dict[str, dict[str, float]]:
    """Average of the pairs' means (each pair weighs the same), per group that has pairs;
    pool pairs (`X-multi`) only in their own group."""
    # The multilingual pool is a setting of its own, and translated questions a reference: their
    # pairs are averaged apart.
    language_pairs = [p for p in pairs.values() if not p.pool and not p.query_set]
    by_class: dict[str, list[PairResult]] = {}
    for p in language_pairs:
        by_class.setdefault(class_label(p), []).append(p)
    groups = {
        "all": language_pairs,
        **{label: by_class[label] for label in sorted(by_class, key=_class_order, reverse=True)},
        "high": [p for p in language_pairs if p.resource_level == "high"],
        "low": [p for p in language_pairs if p.resource_level == "low"],
        "cross-lingual": [p for p in language_pairs if p.cross_lingual],
        "monolingual": [p for p in language_pairs if p.monolingual],
        "multilingual pool": [p for p in pairs.values() if p.pool],
        "translated questions": [p for p in pairs.values() if p.query_set],
    }
    return {
        name: {m: sum(p.metrics[m] for p in members) / len(members) for m in metrics}
        for name, members in groups.items()
        if members
    }


def results_table(results: ResultsFile, keys: list[str] | None = None) -> Table:
    pairs = {k: v for k, v in results.pairs.items() if keys is None or k in keys}
    metrics = results.metrics
    table = Table(title=f"{results.task} · {results.model.name}", title_justify="left")
    table.add_column("pair", no_wrap=True)
    table.add_column("resource")
    table.add_column("queries", justify="right")
    table.add_column("docs", justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    labels = sorted({class_label(p) for p in pairs.values()}, key=_class_order, reverse=True)
    for label in labels:
        rows = sorted((k, p) for k, p in pairs.items() if class_label(p) == label)
        for key, p in rows:
            table.add_row(key, label, str(p.num_queries), str(p.num_docs), *(f"{p.metrics[m]:.4f}" for m in metrics))
        table.add_section()
    for name, means in macro_averages(pairs, metrics).items():
        table.add_row(f"[bold]mean: {name}[/bold]", "", "", "", *(f"[bold]{means[m]:.4f}[/bold]" for m in metrics))
    return table


def language_table(results: ResultsFile, metric: str | None = None, keys: list[str] | None = None) -> Table:
    """One row per language: its name and class, and the mean of `metric` over the pairs that
    ask in it and over those that search it (X->en and en->X on FLORES-R and Tatoeba)."""
    metric = metric or results.primary_metric
    pairs = [p for k, p in results.pairs.items() if (keys is None or k in keys) and not p.pool and not p.query_set]
    sides: dict[str, dict[str, list[float]]] = {}
    for p in pairs:
        sides.setdefault(p.query_lang, {"query": [], "docs": []})["query"].append(p.metrics[metric])
        sides.setdefault(p.doc_lang, {"query": [], "docs": []})["docs"].append(p.metrics[metric])
    table = Table(title=f"{results.task} · {results.model.name} · {metric} by language (mean over the pairs that ask "
                        "in it, and over those that search it)", title_justify="left")
    for column in ("language", "name", "class", "script", "as query", "pairs", "as documents", "pairs"):
        table.add_column(column, justify="right" if column in ("as query", "as documents", "pairs") else "left")

    def mean(values):
        return f"{sum(values) / len(values):.4f}" if values else ""

    def order(code):
        cls = language(code).resource_class
        return (-1 if cls is None else cls, code)

    for code in sorted(sides, key=order):
        lang, side = language(code), sides[code]
        table.add_row(code, lang.name, "?" if lang.resource_class is None else str(lang.resource_class), lang.script,
                      mean(side["query"]), str(len(side["query"])), mean(side["docs"]), str(len(side["docs"])))
    return table


# Above this many languages a side, a matrix is unreadable: the per-language table serves.
MATRIX_LANGUAGES = 12


def matrix_table(results: ResultsFile, metric: str | None = None, keys: list[str] | None = None) -> Table | None:
    """Query language (rows) × document language (columns) for one measure; None unless the
    pairs span more than one language on both sides, and at most MATRIX_LANGUAGES a side."""
    metric = metric or results.primary_metric
    pairs = {k: v for k, v in results.pairs.items() if keys is None or k in keys}
    pairs = {k: v for k, v in pairs.items() if not v.pool and not v.query_set}
    query_langs = sorted({p.query_lang for p in pairs.values()})
    doc_langs = sorted({p.doc_lang for p in pairs.values()})
    if not 2 <= len(query_langs) <= MATRIX_LANGUAGES or not 2 <= len(doc_langs) <= MATRIX_LANGUAGES:
        return None
    cells = {(p.query_lang, p.doc_lang): p.metrics[metric] for p in pairs.values()}
    table = Table(title=f"{results.task} · {results.model.name} · {metric} (rows: query language, columns: documents)",
                  title_justify="left")
    table.add_column("q \\ d")
    for d in doc_langs:
        table.add_column(d, justify="right")
    table.add_column("mean", justify="right")
    for q in query_langs:
        row = [cells.get((q, d)) for d in doc_langs]
        present = [v for v in row if v is not None]
        table.add_row(q, *("" if v is None else f"{v:.3f}" for v in row),
                      f"[bold]{sum(present) / len(present):.3f}[/bold]")
    col_means = []
    for d in doc_langs:
        present = [cells[(q, d)] for q in query_langs if (q, d) in cells]
        col_means.append(f"[bold]{sum(present) / len(present):.3f}[/bold]" if present else "")
    table.add_row("[bold]mean[/bold]", *col_means, "")
    return table


def pool_table(results: ResultsFile, keys: list[str] | None = None) -> Table | None:
    """Per query language on the multilingual pool: the primary measure, AP, and the
    language-bias values; None without pool pairs."""
    pairs = {k: v for k, v in results.pairs.items() if v.pool and (keys is None or k in keys)}
    if not pairs:
        return None
    # Recall by answer language: `R@100:<lang>` (a hand-edited `R@100` without one is not such a column).
    by_lang = [c for p in pairs.values() for c in p.language_bias if c.startswith("R@") and ":" in c]
    answer_langs = sorted({c.split(":", 1)[1] for c in by_lang})
    recall = next((c.split(":")[0] for c in by_lang), "R@100")
    table = Table(title=f"{results.task} · {results.model.name} · multilingual pool: AP on the top 100 and on the complete "
                        "ranking, mean rank distance (questions with no scored answer: unscored), own language's share "
                        "of the top 10 and of the pool, recall of each answer language's answers",
                  title_justify="left")
    for column in ["query", "AP@100", "AP full", "rank dist", "unscored", "own@10", "own share",
                   *(f"{recall} {lang}" for lang in answer_langs)]:
        table.add_column(column, justify="left" if column == "query" else "right")
    for key, p in sorted(pairs.items()):
        bias = p.language_bias

        def cell(name, fmt="{:.3f}"):
            return fmt.format(bias[name]) if name in bias else ""

        table.add_row(p.query_lang, f"{p.metrics.get('AP', float('nan')):.4f}", cell("AP_full", "{:.4f}"),
                      cell("rank_distance", "{:.1f}"), cell("unscored_questions", "{:.0f}"),
                      cell("same_language_top10"), cell("pool_share"),
                      *(cell(f"{recall}:{lang}") for lang in answer_langs))
    return table


def translation_gap_table(results: ResultsFile, metric: str | None = None, keys: list[str] | None = None) -> Table | None:
    """Per question language: the questions as written, the same questions in their human
    translation (the upper bound of query translation), and the gap; None without translated pairs."""
    metric = metric or results.primary_metric
    pairs = {k: p for k, p in results.pairs.items() if keys is None or k in keys}
    translated = {(p.query_set, p.doc_lang): p for p in pairs.values() if p.query_set}
    if not translated:
        return None
    table = Table(title=f"{results.task} · {results.model.name} · {metric}: questions as written, in their human "
                        "translation, and the gap", title_justify="left")
    for column in ("questions", "name", "class", "documents", "as written", "translated", "gap"):
        table.add_column(column, justify="right" if column in ("as written", "translated", "gap") else "left")
    for (lang, docs), reference in sorted(translated.items()):
        native = next((p for p in pairs.values() if not p.query_set and p.query_lang == lang and p.doc_lang == docs), None)
        info = language(lang)
        written = native.metrics[metric] if native else None
        table.add_row(lang, info.name, "?" if info.resource_class is None else str(info.resource_class), docs,
                      "" if written is None else f"{written:.4f}", f"{reference.metrics[metric]:.4f}",
                      "" if written is None else f"{written - reference.metrics[metric]:+.4f}")
    return table


def result_tables(results: ResultsFile, keys: list[str] | None = None, metric: str | None = None) -> list[Table]:
    """What `run` and `show` print: the per-pair table, then the language matrix (or, for
    tasks of many languages, the per-language table), then the multilingual pool's table."""
    tables = [results_table(results, keys)]
    matrix = matrix_table(results, metric=metric, keys=keys)
    shown = [p for k, p in results.pairs.items() if (keys is None or k in keys) and not p.pool and not p.query_set]
    languages = {p.query_lang for p in shown} | {p.doc_lang for p in shown}
    if matrix is not None:
        tables.append(matrix)
    elif len(languages) > 2:
        tables.append(language_table(results, metric=metric, keys=keys))
    if (gap := translation_gap_table(results, metric=metric, keys=keys)) is not None:
        tables.append(gap)
    if (pool := pool_table(results, keys)) is not None:
        tables.append(pool)
    return tables
