"""The per-pair table: one row per pair grouped by resource level, the task's measures as
columns, and macro averages over all, high- and low-resource, cross-lingual and monolingual
pairs."""

from rich.table import Table

from clirbench.eval.results import PairResult, ResultsFile


def macro_averages(pairs: dict[str, PairResult], metrics: list[str]) -> dict[str, dict[str, float]]:
    """Average of the pairs' means (each pair weighs the same), per group that has pairs."""
    groups = {
        "all": list(pairs.values()),
        "high": [p for p in pairs.values() if p.resource_level == "high"],
        "low": [p for p in pairs.values() if p.resource_level == "low"],
        "cross-lingual": [p for p in pairs.values() if p.query_lang != p.doc_lang],
        "monolingual": [p for p in pairs.values() if p.query_lang == p.doc_lang],
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
