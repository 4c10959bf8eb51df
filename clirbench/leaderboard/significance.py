"""Each system against a baseline: the difference per column, a paired t-test on the
per-query values stored in the results, Benjamini-Hochberg correction over every test in
the table, and a 95% confidence interval of the mean difference (scipy)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clirbench.leaderboard.tables import By, _column, language_pairs
from clirbench.eval.results import ResultsFile

ALPHA = 0.05


def _per_query(r: ResultsFile, metric: str, by: By) -> dict[str, dict[str, float]]:
    """Column -> {"pair/query id": value}; "avg all" holds every query of every pair."""
    out: dict[str, dict[str, float]] = {"avg all": {}}
    for key, pair in language_pairs(r).items():
        values = pair.per_query.get(metric, {})
        col = _column(by, key, pair.query_lang, pair.doc_lang)
        for qid, v in values.items():
            out.setdefault(col, {})[f"{key}/{qid}"] = v
            out["avg all"][f"{key}/{qid}"] = v
    return out


@dataclass
class Comparison:
    baseline: str
    metric: str
    table: pd.DataFrame  # one row per (system, column): diff, ci_low, ci_high, p, p_adjusted, significant, n


def compare(results: list[ResultsFile], baseline: str, metric: str, by: By = "pair") -> Comparison:
    from scipy import stats

    by_name = {r.model.name: r for r in results}
    if baseline not in by_name:
        raise ValueError(f"baseline {baseline!r} has no results here; systems: {', '.join(sorted(by_name))}")
    base = _per_query(by_name[baseline], metric, by)
    rows = []
    for name, r in by_name.items():
        if name == baseline:
            continue
        for col, values in _per_query(r, metric, by).items():
            shared = sorted(set(values) & set(base.get(col, {})))
            if len(shared) < 2:
                continue
            diff = np.array([values[q] - base[col][q] for q in shared])
            if np.allclose(diff, diff[0]):  # no variance: the t-test is undefined
                p, low, high = (1.0 if diff[0] == 0 else 0.0), diff[0], diff[0]
            else:
                test = stats.ttest_1samp(diff, 0.0)
                ci = test.confidence_interval(1 - ALPHA)
                p, low, high = float(test.pvalue), float(ci.low), float(ci.high)
            rows.append({"system": name, "column": col, "diff": float(diff.mean()), "ci_low": low, "ci_high": high,
                         "p": p, "n": len(shared)})
    table = pd.DataFrame(rows, columns=["system", "column", "diff", "ci_low", "ci_high", "p", "n"])
    if len(table):
        table["p_adjusted"] = stats.false_discovery_control(table["p"].clip(0, 1).to_numpy(), method="bh")
    else:
        table["p_adjusted"] = []
    table["significant"] = table["p_adjusted"] < ALPHA
    return Comparison(baseline=baseline, metric=metric, table=table)


def difference_grid(comparison: Comparison) -> pd.DataFrame:
    """System x column grid of differences, written like +0.123* (* = significant after correction)."""
    t = comparison.table
    if t.empty:
        return pd.DataFrame()
    cells = t.assign(cell=[f"{d:+.3f}{'*' if s else ''}" for d, s in zip(t["diff"], t["significant"])])
    return cells.pivot(index="system", columns="column", values="cell").fillna("")
