"""One system's query-language x document-language matrix, for a heatmap that stays readable at
205 languages, and the cells that look wrong.

Cells: every language pair of the task (those a filter keeps) and every pair the system ran; a
pair of the task the system did not run is a cell of its own, *not run*, never dropped (a run of
2 of 49 pairs used to collapse the heatmap into two strips). Axes are ordered by resource class
(highest first), then by code.

Anomalies: a cell far below what its row and its column predict. The prediction is an additive
model, value ~ overall + row effect + column effect, fitted by Tukey's median polish on the cells
run (robust: the outlier it is looking for does not drag the fit toward itself). A cell is flagged
when its residual is below -max(`threshold`, `mads` x the residuals' scaled median absolute
deviation) and its row and column each hold at least `min_cells` cells run (otherwise the
row or column effect is the cell itself). MTEB's published me5-small has ara-deu nDCG@10 .019
beside .68-.76 for ara's other pairs: a data bug that such a flag shows at once."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clirbench.eval.results import ResultsFile
from clirbench.leaderboard.filters import language_order
from clirbench.leaderboard.tables import language_pairs

RUN, NOT_RUN = "run", "not run"
THRESHOLD = 0.2  # in the measure's units (RR@10, nDCG@10: 0-1)
MADS = 4.0
MIN_CELLS = 3


def cells(r: ResultsFile, metric: str, expected: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Long format: query, documents, pair, value (NaN where not run), status (run / not run).
    `expected`: the task's pairs (`overview.task_pairs`), shown even where not run."""
    rows = {}
    for key, (q, d) in (expected or {}).items():
        rows[key] = {"query": q, "documents": d, "pair": key, metric: float("nan"), "status": NOT_RUN}
    for key, p in language_pairs(r).items():
        if p.query_set or metric not in p.metrics:
            continue
        rows[key] = {"query": p.query_lang, "documents": p.doc_lang, "pair": key, metric: p.metrics[metric],
                     "status": RUN}
    return pd.DataFrame(list(rows.values()), columns=["query", "documents", "pair", metric, "status"])


def axes(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(query languages, document languages), each by resource class then code."""
    return language_order(frame["query"]), language_order(frame["documents"])


def median_polish(matrix: pd.DataFrame, iterations: int = 10) -> pd.DataFrame:
    """The additive fit (overall + row + column) of a matrix with missing cells (NaN), by
    Tukey's median polish; returns the fitted values where the matrix has values."""
    values = matrix.to_numpy(dtype=float)
    residual = values.copy()
    row = np.zeros(values.shape[0])
    col = np.zeros(values.shape[1])
    overall = 0.0
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: their median is NaN, taken as 0
            for _ in range(iterations):
                r = np.nan_to_num(np.nanmedian(residual, axis=1))
                residual -= r[:, None]
                row += r
                shift = np.nanmedian(col)
                col -= shift
                overall += shift
                c = np.nan_to_num(np.nanmedian(residual, axis=0))
                residual -= c[None, :]
                col += c
                shift = np.nanmedian(row)
                row -= shift
                overall += shift
    fitted = overall + row[:, None] + col[None, :]
    return pd.DataFrame(np.where(np.isnan(values), np.nan, fitted), index=matrix.index, columns=matrix.columns)


@dataclass(frozen=True)
class Anomaly:
    pair: str
    value: float
    expected: float
    residual: float


def anomalies(frame: pd.DataFrame, metric: str, threshold: float = THRESHOLD, mads: float = MADS,
              min_cells: int = MIN_CELLS) -> list[Anomaly]:
    """The cells of `cells()` far below their row and column's prediction, worst first."""
    ran = frame[frame["status"] == RUN]
    if ran.empty:
        return []
    matrix = ran.pivot(index="query", columns="documents", values=metric)
    fitted = median_polish(matrix)
    residual = matrix - fitted
    spread = np.nanmedian(np.abs(residual.to_numpy())) * 1.4826
    cut = max(threshold, mads * (spread if np.isfinite(spread) else 0.0))
    present = matrix.notna().to_numpy()
    # Whole-array tests (a cell at a time through pandas took a second at 205 languages), row by row.
    with np.errstate(invalid="ignore"):
        flagged = ((residual.to_numpy() < -cut) & (present.sum(axis=1) >= min_cells)[:, None]
                   & (present.sum(axis=0) >= min_cells)[None, :])
    keys = {(q, d): k for q, d, k in zip(ran["query"], ran["documents"], ran["pair"])}
    out = [Anomaly(keys[(matrix.index[i], matrix.columns[j])], float(matrix.iat[i, j]), float(fitted.iat[i, j]),
                   float(residual.iat[i, j])) for i, j in zip(*np.nonzero(flagged))]
    return sorted(out, key=lambda a: a.residual)
