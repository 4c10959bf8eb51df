"""A score table as text: Markdown, CSV or LaTeX; the best value per column
in bold. Names from results files (systems, pairs) are escaped: they are text, not markup."""

import pandas as pd

from clirbench.leaderboard.escape import escape_latex, escape_markdown, escaped_frame
from clirbench.leaderboard.tables import PAIRS, ScoreTable

FORMATS = ("md", "csv", "latex")


def formatted(table: ScoreTable, mark) -> pd.DataFrame:
    """The score table as text: values to 4 decimals, the pairs count whole, empty where there is
    no value; each column's best (`ScoreTable.best_mask`) through `mark` (bold, or a ★)."""
    best = table.best_mask().to_numpy()
    columns = {}
    for i, col in enumerate(table.scores.columns):
        texts = ["" if pd.isna(v) else (f"{int(v)}" if col == PAIRS else f"{v:.4f}") for v in table.scores[col].tolist()]
        columns[i] = [mark(t) if t and b else t for t, b in zip(texts, best[:, i])]
    out = pd.DataFrame(columns, index=table.scores.index, dtype=object)
    out.columns = table.scores.columns
    return out


def render(table: ScoreTable, fmt: str) -> str:
    if fmt == "csv":
        return table.scores.round(6).to_csv()
    if fmt == "md":
        # The cells are numbers that we formatted (bold is ours); the names are escaped.
        return escaped_frame(formatted(table, lambda t: f"**{t}**"), escape_markdown, cells=False).to_markdown() + "\n"
    if fmt == "latex":
        df = escaped_frame(formatted(table, lambda t: f"\\textbf{{{t}}}"), escape_latex, cells=False)
        caption = escape_latex(f"{table.task}: {table.metric} per "
                               f"{'language pair' if table.by == 'pair' else table.by + ' language'}")
        return df.to_latex(escape=False, caption=caption, column_format="l" + "r" * len(df.columns))
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def frame_text(df: pd.DataFrame, fmt: str, float_format: str | None = None, index: bool = True,
               md_floatfmt: str | None = None) -> str:
    """Any table (the summary view, a comparison, a language matrix) as CSV, Markdown or LaTeX,
    its names and text cells escaped for the format; it ends with a newline. `float_format` is
    printf-style (`%.4f`); Markdown takes `md_floatfmt` (`.4g`), else the same."""
    if fmt == "csv":
        text = df.to_csv(index=index, float_format=float_format)
    elif fmt == "md":
        floatfmt = md_floatfmt or (float_format or "%g").lstrip("%")
        text = escaped_frame(df, escape_markdown).to_markdown(index=index, floatfmt=floatfmt)
    elif fmt == "latex":
        text = escaped_frame(df, escape_latex).to_latex(index=index, escape=False, float_format=float_format)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return text if text.endswith("\n") else text + "\n"
