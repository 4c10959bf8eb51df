"""The per-pair table: one row per pair grouped by resource level, the task's measures as
columns, and macro averages over all, high- and low-resource, cross-lingual and monolingual
pairs."""

from rich.table import Table

from clirbench.eval.results import PairResult, ResultsFile


def macro_averages(pairs: dict[str, PairResult], metrics: list[str]) -> dict[str, dict[str, float]]:
    """Average of the pairs' means (each pair weighs the same), per group that has pairs;
    pool pairs (`X-multi`) only in their own group."""
    # The multilingual pool is a setting of its own: its pairs are averaged apart.
    language_pairs = [p for p in pairs.values() if not p.pool]
    groups = {
        "all": language_pairs,
        "high": [p for p in language_pairs if p.resource_level == "high"],
        "low": [p for p in language_pairs if p.resource_level == "low"],
        "cross-lingual": [p for p in language_pairs if p.cross_lingual],
        "monolingual": [p for p in language_pairs if p.monolingual],
        "multilingual pool": [p for p in pairs.values() if p.pool],
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
    table.add_column("level")
    table.add_column("queries", justify="right")
    table.add_column("docs", justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    for level in ("high", "low"):
        rows = sorted((k, p) for k, p in pairs.items() if p.resource_level == level)
        for key, p in rows:
            table.add_row(key, level, str(p.num_queries), str(p.num_docs), *(f"{p.metrics[m]:.4f}" for m in metrics))
        if rows:
            table.add_section()
    for name, means in macro_averages(pairs, metrics).items():
        table.add_row(f"[bold]mean: {name}[/bold]", "", "", "", *(f"[bold]{means[m]:.4f}[/bold]" for m in metrics))
    return table


def matrix_table(results: ResultsFile, metric: str | None = None, keys: list[str] | None = None) -> Table | None:
    """Query language (rows) × document language (columns) for one measure; None unless the
    pairs span more than one language on both sides."""
    metric = metric or results.primary_metric
    pairs = {k: v for k, v in results.pairs.items() if keys is None or k in keys}
    pairs = {k: v for k, v in pairs.items() if not v.pool}
    query_langs = sorted({p.query_lang for p in pairs.values()})
    doc_langs = sorted({p.doc_lang for p in pairs.values()})
    if len(query_langs) < 2 or len(doc_langs) < 2:
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
