"""Each system against a baseline, per column of the score table, and the systems not
significantly different from the best: the tests of clirbench.eval.stats on the per-query values
stored in the results (a paired sign-flip test over query ids and a cluster-bootstrap 95% CI of
the very difference the table prints), corrected over every test of the table."""

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from clirbench.eval import stats
from clirbench.eval.results import ResultsFile
from clirbench.leaderboard.tables import By, _column, language_pairs

ALPHA = stats.ALPHA
ALL = "avg all"
DEFAULT_CORRECTION = "bh"


def _cells(r: ResultsFile, metric: str, by: By) -> dict[str, dict[str, dict[str, float]]]:
    """Column -> {pair -> {query id -> value}}, as the score table has them; ALL holds every pair
    that its average holds (not the translated questions' reference pairs)."""
    out: dict[str, dict[str, dict[str, float]]] = {ALL: {}}
    for key, pair in language_pairs(r).items():
        values = pair.per_query.get(metric)
        if not values or (pair.query_set and by != "pair"):
            continue
        out.setdefault(key if pair.query_set else _column(by, key, pair.query_lang, pair.doc_lang), {})[key] = values
        if not pair.query_set:
            out[ALL][key] = values
    return out


def _all_weights(r: ResultsFile, by: By) -> dict[str, float] | None:
    """How `avg all` weighs each pair: equally by pair; by query (document) language, the mean
    of the languages' means, so each pair weighs 1 / its language's pairs."""
    if by == "pair":
        return None
    columns = {key: _column(by, key, p.query_lang, p.doc_lang) for key, p in language_pairs(r).items()
               if not p.query_set}
    sizes = pd.Series(columns).value_counts()
    return {key: 1.0 / sizes[col] for key, col in columns.items()}


@lru_cache(maxsize=64)
def _query_ids(task: str) -> str:
    """How the task's query ids recur across pairs (TaskSpec.query_ids); `shared` for a task
    whose definition is not here."""
    from clirbench.core.errors import ClirbenchError
    from clirbench.tasks import load_task

    try:
        return load_task(task).query_ids
    except ClirbenchError:
        return "shared"


def _test(a: ResultsFile, b: ResultsFile, metric: str, by: By, column: str) -> stats.Test | None:
    mine, theirs = _cells(a, metric, by).get(column, {}), _cells(b, metric, by).get(column, {})
    if not any(set(mine.get(p, {})) & set(theirs.get(p, {})) for p in mine):
        return None
    weights = _all_weights(a, by) if column == ALL else None
    return stats.compare([mine], [theirs], stats.clusters(_query_ids(a.task), a.pairs), weights=weights)


def _rows(pairs: list[tuple[ResultsFile, ResultsFile]], metric: str, by: By, columns=None) -> list[dict]:
    rows = []
    for a, b in pairs:
        for column in columns or _cells(a, metric, by):
            test = _test(a, b, metric, by, column)
            if test is not None:
                rows.append({"system": a.model.name, "against": b.model.name, "column": column, "diff": test.diff,
                             "ci_low": test.ci_low, "ci_high": test.ci_high, "p": test.p,
                             "pairs": test.n_pairs, "n": test.n_clusters})
    return rows


@dataclass
class Comparison:
    baseline: str
    metric: str
    correction: str
    # One row per (system, column): diff, 95% CI, p, p_adjusted, significant, pairs and queries (n) compared.
    table: pd.DataFrame


def _corrected(rows: list[dict], correction: str) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["system", "against", "column", "diff", "ci_low", "ci_high", "p", "pairs", "n"])
    table["p_adjusted"] = stats.adjust(table["p"].tolist(), correction) if len(table) else []
    table["significant"] = table["p_adjusted"] < ALPHA
    return table


def compare(results: list[ResultsFile], baseline: str, metric: str, by: By = "pair",
            correction: str = DEFAULT_CORRECTION) -> Comparison:
    by_name = {r.model.name: r for r in results}
    if baseline not in by_name:
        raise ValueError(f"baseline {baseline!r} has no results here; systems: {', '.join(sorted(by_name))}")
    rows = _rows([(r, by_name[baseline]) for name, r in by_name.items() if name != baseline], metric, by)
    table = _corrected(rows, correction).drop(columns="against")
    return Comparison(baseline=baseline, metric=metric, correction=correction, table=table)


@dataclass
class BestGroup:
    """The systems whose `column` is not significantly below the best system's, the best chosen
    on the pairs every system ran (so that its lead is not one of coverage)."""

    best: str | None  # None: no pair that every system ran
    column: str
    members: list[str]  # the best first
    untested: list[str]  # systems with no query in common with the best
    correction: str
    table: pd.DataFrame  # each other system against the best


def best_group(results: list[ResultsFile], metric: str, by: By = "pair", column: str = ALL,
               correction: str = DEFAULT_CORRECTION) -> BestGroup:
    from clirbench.leaderboard.tables import common_pairs, score_table

    shared, keys = common_pairs(results, metric)
    scores = score_table(shared, metric, by).scores if keys else None
    if scores is None or column not in scores or scores[column].isna().all():
        return BestGroup(None, column, [], [], correction, _corrected([], correction))
    best = str(scores[column].idxmax())
    by_name = {r.model.name: r for r in shared}
    rows = _rows([(by_name[name], by_name[best]) for name in scores.index if name != best], metric, by, [column])
    table = _corrected(rows, correction)
    below = table["significant"] & (table["diff"] < 0)
    untested = [name for name in scores.index if name != best and name not in set(table["system"])]
    return BestGroup(best, column, [best, *table.loc[~below, "system"]], untested, correction, table)


def difference_grid(comparison: Comparison) -> pd.DataFrame:
    """System x column grid of differences, written like +0.123* (* = significant after correction)."""
    t = comparison.table
    if t.empty:
        return pd.DataFrame()
    cells = t.assign(cell=[f"{d:+.3f}{'*' if s else ''}" for d, s in zip(t["diff"], t["significant"])])
    return cells.pivot(index="system", columns="column", values="cell").fillna("")


def describe(correction: str) -> str:
    name = {"bh": "Benjamini-Hochberg", "holm": "Holm"}[correction]
    return (f"Paired sign-flip test over query ids (a query's differences in every pair flip together; "
            f"{stats.DRAWS:,} draws) of the difference the table prints, with a cluster-bootstrap 95% CI; "
            f"p-values corrected over every test in this table ({name}).")


def average_cis(results: list[ResultsFile], metric: str, by: By = "pair", column: str = ALL) -> pd.DataFrame:
    """Each system's `column` (default `avg all`) as the score table prints it, with its 95% CI:
    the cluster bootstrap of clirbench.eval.stats over the same per-query values, clusters and
    weights as the tests. Index: system; columns: mean, ci_low, ci_high (NaN where the system has
    no per-query values in the column)."""
    rows = {}
    for r in results:
        values = {p: v for p, v in _cells(r, metric, by).get(column, {}).items() if v}
        if not values:
            rows[r.model.name] = {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
            continue
        weights = _all_weights(r, by) if column == ALL else None
        mean, low, high = stats.macro_ci(values, stats.clusters(_query_ids(r.task), r.pairs), weights)
        rows[r.model.name] = {"mean": mean, "ci_low": low, "ci_high": high}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"])
    out.index.name = "system"
    return out
