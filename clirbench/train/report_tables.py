"""How an experiment report writes its tables and cells (Markdown)."""


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def cell(mean: float, std: float, n: int, significant: bool) -> str:
    """A printed cell: the mean over `n` seeds (± their sample std where there are several),
    `*` where its test against the baseline is significant; `-` where no run covers it."""
    mark = "*" if significant else ""
    return "-" if n == 0 else f"{mean:.4f} ± {std:.4f}{mark}" if n > 1 else f"{mean:.4f}{mark}"
