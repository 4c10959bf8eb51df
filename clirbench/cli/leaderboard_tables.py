"""The leaderboard in a terminal (`clirbench leaderboard`): the ranking (the app's main table:
rank, the average with its 95% CI, the best group, coverage, the model's facts), the systems not
significantly below the best, the differences from a baseline, and the summary view. The numbers
come from clirbench.leaderboard (the app's functions); this module only draws them."""

import sys

from rich.console import Console
from rich.table import Table

from clirbench.cli.render import console


def print_ranking(board) -> None:
    """The app's main table: rank, the average with its 95% CI, the best group, coverage
    ("47/49 pairs") and what each system is (clirbench.leaderboard.overview, as the app)."""
    import pandas as pd
    from rich.text import Text

    from clirbench.leaderboard import overview

    main = board.main_table()
    columns = [overview.RANK, "system", *[c for c in main.columns[1:] if c != overview.UNEQUAL]]

    def cell(column: str, system: str, row) -> str:
        value = system if column == "system" else row[column]
        if value is None or value is pd.NA or value != value:
            return ""
        if column == "avg all":
            return f"{value:.4f}" + (" †" if row[overview.UNEQUAL] else "")
        return f"{value:,}" if column == overview.PARAMETERS else str(value)

    rows = [[cell(c, system, row) for c in columns] for system, row in main.iterrows()]
    grid = Table(title=f"{board.task} · ranking by {board.metric}, average over all "
                       f"{'pairs' if board.by == 'pair' else 'languages'}")
    for column in columns:
        grid.add_column(column, no_wrap=True,
                        justify="right" if column in (overview.RANK, "avg all", overview.PARAMETERS, overview.EMBEDDING)
                        else "left")
    for row in rows:
        grid.add_row(*map(Text, row))  # names from results files are text, not markup
    needed = sum(max(len(c), *(len(r[i]) for r in rows)) + 3 for i, c in enumerate(columns)) + 4
    Console(width=max(console.width, needed), force_terminal=console.is_terminal).print(grid)
    unequal = list(main.index[main[overview.UNEQUAL]])
    notes = ["95% CI: cluster bootstrap of the average over the queries (clirbench.eval.stats)."]
    if overview.BEST_GROUP in main.columns:
        notes.append("best group: yes = not significantly below the best (on the pairs every system ran).")
    if unequal:
        notes.append(f"† over other pairs than the other systems' ({', '.join(unequal)}): not comparable; "
                     "--common-pairs compares on the pairs all of them ran.")
    console.print(Text(" ".join(notes)), soft_wrap=True)


def print_scores(board, table) -> int:
    """The score table (`table`: board.scores()), each column's best in bold; returns the width it
    took (49 pair columns do not fit a terminal: the table is as wide as it needs). The cells are
    export.formatted's, as in the exports and the app's wide grid."""
    from clirbench.leaderboard.export import formatted

    width = max(console.width, 4 + max(map(len, table.scores.index)) + 10 * len(table.scores.columns) + 12)
    cells = formatted(table, lambda text: f"[bold]{text}[/bold]")  # numbers and our bold: nothing to escape
    grid = Table(title=f"{board.task} · {board.metric} (best per column in bold)")
    grid.add_column("system", no_wrap=True)
    for column in cells.columns:
        grid.add_column(column, no_wrap=True)
    for system, row in cells.iterrows():
        grid.add_row(system, *row.tolist())
    Console(width=width, force_terminal=console.is_terminal).print(grid)
    return width


def print_best_group(board) -> None:
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


def print_comparison(board, columns: list[str], width: int) -> None:
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


def print_summary(board, fmt: str) -> int:
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
