"""`clirbench leaderboard --task TASK`: the leaderboard table of a task, as the app shows it
(clirbench.api.leaderboard: which files, which measure); tests against the best and a baseline."""

import sys

from rich.console import Console
from rich.table import Table

from clirbench.cli.render import console, err_console, warn


def add_parser(sub):
    p = sub.add_parser("leaderboard", help="the leaderboard table of a task (as the Streamlit app shows it)")
    p.add_argument("--task", required=True)
    p.add_argument("--metric", help="measure (default: the task's primary, RR@10)")
    p.add_argument("--by", default="pair", choices=["pair", "query", "doc"],
                   help="columns: language pairs, query languages or document languages")
    p.add_argument("--format", default="table", choices=["table", "md", "csv", "latex"])
    p.add_argument("--view", default="scores", choices=["scores", "summary"],
                   help="scores: one measure by pair or language (default); summary: mAP over monolingual pairs, "
                        "cross-lingual pairs and the multilingual pool, and the rank distance, beside published rows")
    p.add_argument("--results", nargs="+", action="extend", metavar="DIR",
                   help="read these results folders instead of the default (may be repeated; each must exist). "
                        "Default: where `clirbench run` writes, ./results, and submissions/*/results/; "
                        "or only the folders of $CLIRBENCH_RESULTS where it is set")
    p.add_argument("--with-experiments", action="store_true",
                   help="also the models `clirbench experiment` trained (trained/experiments/*/results/); "
                        "smoke runs (*-smoke) never appear unless named with --results")
    p.add_argument("--baseline", metavar="SYSTEM",
                   help="also each system's difference from SYSTEM per column, with its paired sign-flip test "
                        "(--correction, * = significant); with --format md/csv/latex, that table alone")
    p.add_argument("--correction", default="bh", choices=["bh", "holm"],
                   help="multiple-comparison correction over the table's tests: Benjamini-Hochberg or Holm")
    p.add_argument("--common-pairs", action="store_true",
                   help="average over only the pairs that every system shown ran")
    return p


def main(args) -> int:
    from clirbench.api import leaderboard
    from clirbench.leaderboard.export import frame_text, render
    from clirbench.leaderboard.tables import PAIRS

    board = leaderboard(args.task, metric=args.metric, by=args.by, view=args.view, results=args.results,
                        baseline=args.baseline, correction=args.correction, common_pairs=args.common_pairs,
                        with_experiments=args.with_experiments, warn=warn)
    if board.shared_pairs is not None:
        err_console.print(f"{len(board.shared_pairs)} pair(s) that all {len(board.results)} systems ran: "
                          f"{', '.join(board.shared_pairs)}", highlight=False, soft_wrap=True)
    if board.view == "summary":
        return _print_summary(board, args.format)
    table = board.scores()
    if args.format != "table":
        if board.baseline:  # against the baseline, one row per system and column (as the app's download)
            detail = board.comparison().table.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high"})
            sys.stdout.write(frame_text(detail, args.format, float_format="%.4f" if args.format == "latex" else None,
                                        index=False, md_floatfmt=".4g"))
        else:
            sys.stdout.write(render(table, args.format))
        return 0
    best = table.best()
    grid = Table(title=f"{args.task} · {board.metric} (best per column in bold)")
    grid.add_column("system", no_wrap=True)
    for column in table.scores.columns:
        grid.add_column(column, no_wrap=True)
    for system, row in table.scores.iterrows():
        grid.add_row(system, *["" if v != v else f"{int(v)}" if c == PAIRS else
                               (f"[bold]{v:.4f}[/bold]" if system in best[c] else f"{v:.4f}") for c, v in row.items()])
    # 49 pair columns do not fit a terminal: let the table be as wide as it needs.
    width = max(console.width, 4 + max(map(len, table.scores.index)) + 10 * len(table.scores.columns) + 12)
    Console(width=width, force_terminal=console.is_terminal).print(grid)
    if len(board.results) > 1:
        _print_best_group(board)
    if board.baseline:
        _print_comparison(board, list(table.scores.columns), width)
    return 0


def _print_best_group(board) -> None:
    """The systems whose average is not significantly below the best one's."""
    from clirbench.leaderboard.significance import describe

    group = board.best_group()
    if group.best is None:
        console.print("No pair that every system ran: no best to test against (see --common-pairs).")
        return
    others = [m for m in group.members if m != group.best]
    console.print(f"Not significantly different from the best ({group.best}, on the pairs every system ran) on "
                  f"`{group.column}`: " + (", ".join(others) if others else "none")
                  + (f"; not testable against it (no query in common): {', '.join(group.untested)}"
                     if group.untested else "") + ". " + describe(group.correction), highlight=False)


def _print_comparison(board, columns: list[str], width: int) -> None:
    """Each system's difference from the baseline per column, as the app's "Against" tab shows it."""
    from clirbench.leaderboard.significance import describe, difference_grid

    comparison = board.comparison()
    if comparison.table.empty:
        console.print(f"no other system shares queries with {board.baseline}")
        return
    cells = difference_grid(comparison)
    cells = cells[[c for c in columns if c in cells.columns]]
    grid = Table(title=f"{board.task} · {board.metric}: difference from {board.baseline}")
    grid.add_column("system", no_wrap=True)
    for column in cells.columns:
        grid.add_column(column, no_wrap=True, justify="right")
    for system, row in cells.iterrows():
        grid.add_row(system, *[f"[green]{v}[/green]" if v.endswith("*") and v.startswith("+") else
                               f"[red]{v}[/red]" if v.endswith("*") else v for v in row])
    Console(width=width, force_terminal=console.is_terminal).print(grid)
    console.print(describe(comparison.correction) + " * = significant at 0.05 after correction; only the queries "
                  "both systems ran are compared.", highlight=False)


def _print_summary(board, fmt: str) -> int:
    """The summary view (mAP mono / cross / pool, rank distance), published rows marked."""
    from clirbench.eval.summary import COLUMNS, PUBLISHED, RANK_DISTANCE
    from clirbench.leaderboard.export import frame_text

    table = board.summary()
    if fmt != "table":
        sys.stdout.write(frame_text(table, fmt))  # names and citations escaped for the format
        return 0
    grid = Table(title=f"{board.task} · summary of {board.metric} (published rows in italics, not ranked)")
    grid.add_column("system", no_wrap=True)
    for column in COLUMNS:
        grid.add_column(column, justify="right")
    grid.add_column(PUBLISHED)
    for system, row in table.iterrows():
        cells = ["" if row[c] != row[c] else (f"{row[c]:.1f}" if c == RANK_DISTANCE else f"{row[c]:.3f}") for c in COLUMNS]
        grid.add_row(system, *cells, row[PUBLISHED], style="italic dim" if row[PUBLISHED] else None)
    console.print(grid)
    by_lang = board.rank_distance_by_language()
    if len(by_lang):
        langs = Table(title=f"{board.task} · mean rank distance per query language on the multilingual pool "
                            "(lower: less bias)")
        langs.add_column("system", no_wrap=True)
        for column in by_lang.columns:
            langs.add_column(column, justify="right")
        for system, row in by_lang.iterrows():
            langs.add_row(system, *["" if v != v else f"{v:.1f}" for v in row])
        console.print(langs)
    return 0
