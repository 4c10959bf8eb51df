"""Text from results files shown as text: Markdown (Streamlit, Markdown tables) and LaTeX.

A results file is anyone's: its description, notes, source, training data, system names and
pair keys are data, never markup. In Markdown an image link makes the reader's browser fetch
a remote address, and `|` breaks a table; in LaTeX `\\input{...}` runs, `$` and `_` break the
document. Every such string goes through one of these functions before it is rendered."""

import re

import pandas as pd

# CommonMark lets a backslash escape any ASCII punctuation, and then shows the character as
# itself. Escaped everywhere: what makes links, images, HTML, entities, code, emphasis, tables,
# Streamlit's `:color[...]` and `:icon:`, and `$math$`. Escaped at the start only: what opens a
# block there (a list, a heading), since the text is on one line.
_MARKDOWN_SPECIAL = re.compile("([" + re.escape("\\`*_{}[]()<>#!|$~:&^") + "])")
_BLOCK_START = re.compile(r"^(\d*)([-+=.)])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_LATEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    # After a row's `\\`, a `[` would be read as its optional argument.
    "[": "{[}", "]": "{]}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX))


def _one_line(text) -> str:
    # A line break could open a new block (a heading, a code block); control characters are noise.
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(text)))


def escape_markdown(text) -> str:
    """`text` as literal Markdown text on one line: the characters that make markup
    backslash-escaped, line breaks turned into spaces."""
    return _BLOCK_START.sub(r"\1\\\2", _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text).strip()))


def escape_latex(text) -> str:
    """`text` as literal LaTeX text on one line (special characters as their commands)."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group(0)], _one_line(text))


def escaped_frame(df: pd.DataFrame, escape, cells: bool = True) -> pd.DataFrame:
    """A copy of `df` whose index, column names (and their names) and, with `cells`, text cells
    went through `escape`."""
    out = df.copy()
    out.index = pd.Index([escape(i) for i in df.index], name=None if df.index.name is None else escape(df.index.name))
    out.columns = pd.Index([escape(c) for c in df.columns],
                           name=None if df.columns.name is None else escape(df.columns.name))
    for i in range(df.shape[1]):
        column = df.iloc[:, i]
        if cells and not pd.api.types.is_numeric_dtype(column):  # text: object or str dtype
            out.isetitem(i, pd.Series([escape(v) if isinstance(v, str) else v for v in column], index=out.index,
                                      dtype=object))
    return out
