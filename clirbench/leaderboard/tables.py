"""Score tables: one row per system, one column per language pair or per language (query or
document side), with macro averages; sorted by the average over all columns. The summary
columns (the averages and the pairs count) come first: the pair view has 49 pair columns,
and averages after them sat off screen in the app and off the edge of a terminal."""

from collections import Counter
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from clirbench.core.languages import language
from clirbench.eval.results import ResultsFile

By = Literal["pair", "query", "doc"]
AVERAGES = ["avg all", "avg high", "avg low", "avg cross-lingual"]
# How many pairs a system ran: averages over fewer pairs (a system not applicable to some)
# are not comparable with the others'.
PAIRS = "pairs"
SUMMARY = [*AVERAGES, PAIRS]


@dataclass
class ScoreTable:
    task: str
    metric: str
    by: By
    scores: pd.DataFrame  # index: system; columns: SUMMARY (AVERAGES, PAIRS), then pairs or languages
    levels: dict[str, str]  # column -> "high" / "low"

    @property
    def value_columns(self) -> list[str]:
        return [c for c in self.scores.columns if c not in SUMMARY]

    def best_mask(self) -> pd.DataFrame:
        """True where a value is the highest of its column (every one of a tie); never in the
        pairs count. The rule of every "best per column" mark: bold, highlight or ★."""
        values = self.scores.drop(columns=PAIRS)
        mask = values.eq(values.max()) & values.notna()
        mask[PAIRS] = False
        return mask[self.scores.columns]

    def best(self) -> dict[str, list[str]]:
        """Per column, the system(s) with the highest value."""
        mask = self.best_mask()
        return {col: list(self.scores.index[mask[col].to_numpy()]) for col in self.scores.columns}


def language_pairs(r: ResultsFile) -> dict:
    """The pairs of one query and one document language: the multilingual pool's pairs
    (`X-multi`) are a setting of their own, shown in the summary view."""
    return {key: pair for key, pair in r.pairs.items() if not pair.pool}


def available_metrics(results: list[ResultsFile]) -> list[str]:
    """Measures of the files: those every file has first (the primary first), then the others
    (a file lacking the measure shown is left out of the table: see `with_measure`)."""
    if not results:
        return []
    seen = list(dict.fromkeys(m for r in results for m in r.metrics))
    common = set.intersection(*(set(r.metrics) for r in results))
    return [m for m in seen if m in common] + [m for m in seen if m not in common]


def default_measure(results: list[ResultsFile], task_measures: list[str]) -> str:
    """The measure a leaderboard shows unless told (the CLI's and the app's one rule): the
    task's first measure (`task_measures`, in the task file's order) that some file has, else
    the measure that most files have."""
    have = Counter(m for r in results for m in r.metrics)
    ours = [m for m in task_measures if m in have]
    return ours[0] if ours else have.most_common(1)[0][0]


def with_measure(results: list[ResultsFile], metric: str) -> tuple[list[ResultsFile], list[ResultsFile]]:
    """(the files that have `metric`, those that do not): one odd file must not break a table."""
    return [r for r in results if metric in r.metrics], [r for r in results if metric not in r.metrics]


def _column(by: By, key: str, query_lang: str, doc_lang: str) -> str:
    return {"pair": key, "query": query_lang, "doc": doc_lang}[by]


def score_table(results: list[ResultsFile], metric: str | None = None, by: By = "pair") -> ScoreTable:
    if not results:
        raise ValueError("no results to tabulate")
    metric = metric or results[0].primary_metric
    rows, levels = {}, {}
    cross: dict[str, float] = {}
    # A system with only pool pairs has no row here (it shows in the summary view).
    pairs_of = {id(r): language_pairs(r) for r in results}
    results = [r for r in results if pairs_of[id(r)]] or results
    counts = {r.model.name: sum(metric in p.metrics for p in pairs_of[id(r)].values()) for r in results}
    translated: set[str] = set()
    for r in results:
        cells: dict[str, list[float]] = {}
        cross_values = []
        for key, pair in pairs_of[id(r)].items():
            if metric not in pair.metrics:
                continue
            if pair.query_set:
                # Questions in their human translation (AfriQA-R's `hau:en-en`): a reference column
                # of the pair view, in no average and no language's column.
                if by == "pair":
                    cells.setdefault(key, []).append(pair.metrics[metric])
                    translated.add(key)
                    levels[key] = "translated"
                continue
            col = _column(by, key, pair.query_lang, pair.doc_lang)
            cells.setdefault(col, []).append(pair.metrics[metric])
            levels[col] = pair.resource_level if by == "pair" else language(col).resource_level
            if pair.cross_lingual:
                cross_values.append(pair.metrics[metric])
        rows[r.model.name] = {col: sum(v) / len(v) for col, v in cells.items()}
        cross[r.model.name] = sum(cross_values) / len(cross_values) if cross_values else float("nan")
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores = scores[sorted(scores.columns)]
    high = [c for c in scores.columns if levels.get(c) == "high"]
    low = [c for c in scores.columns if levels.get(c) == "low"]
    values = scores.copy()
    scores["avg all"] = values.drop(columns=sorted(translated)).mean(axis=1)
    scores["avg high"] = values[high].mean(axis=1) if high else float("nan")
    scores["avg low"] = values[low].mean(axis=1) if low else float("nan")
    scores["avg cross-lingual"] = pd.Series(cross)
    scores[PAIRS] = pd.Series(counts)
    scores = scores[[*SUMMARY, *values.columns]].sort_values("avg all", ascending=False)
    scores.index.name = "system"
    return ScoreTable(task=results[0].task, metric=metric, by=by, scores=scores, levels=levels)


def common_pairs(results: list[ResultsFile], metric: str) -> tuple[list[ResultsFile], list[str]]:
    """The results restricted to the pairs that every system ran (with `metric`), and those
    pairs' keys: averages over the same pairs compare, averages over different ones do not."""
    if not results:
        return [], []
    ran = [{key for key, pair in r.pairs.items() if metric in pair.metrics} for r in results]
    shared = sorted(set.intersection(*ran))
    return [r.model_copy(update={"pairs": {key: r.pairs[key] for key in shared}}) for r in results], shared
