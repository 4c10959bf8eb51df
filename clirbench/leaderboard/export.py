"""A score table as text: Markdown, CSV or LaTeX; the best value per column
in bold."""

import pandas as pd

from clirbench.leaderboard.tables import PAIRS, ScoreTable

FORMATS = ("md", "csv", "latex")


def _formatted(table: ScoreTable, bold) -> pd.DataFrame:
    best = table.best()
    out = table.scores.copy().astype(object)
    for col in out.columns:
        for system in out.index:
            v = table.scores.at[system, col]
            text = "" if pd.isna(v) else (f"{int(v)}" if col == PAIRS else f"{v:.4f}")
            out.at[system, col] = bold(text) if text and system in best[col] else text
    return out


def render(table: ScoreTable, fmt: str) -> str:
    if fmt == "csv":
        return table.scores.round(6).to_csv()
    if fmt == "md":
        return _formatted(table, lambda t: f"**{t}**").to_markdown() + "\n"
    if fmt == "latex":
        df = _formatted(table, lambda t: f"\\textbf{{{t}}}")
        df.columns = [c.replace("_", "\\_") for c in df.columns]
        caption = f"{table.task}: {table.metric} per {'language pair' if table.by == 'pair' else table.by + ' language'}"
        return df.to_latex(escape=False, caption=caption, column_format="l" + "r" * len(df.columns))
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
