"""A task's leaderboard as data: which results files it shows, under which measure, and the
tables and tests over them. `clirbench leaderboard` prints it (and `clirbench.leaderboard()`
returns it); the rules here (which files, which measure) are the command's and the app's."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import ResultsFile
from clirbench.core.paths import default_results_dir
from clirbench.leaderboard.collect import Collected, collect, default_roots, describe_roots
from clirbench.leaderboard.significance import DEFAULT_CORRECTION, BestGroup, Comparison, best_group, compare
from clirbench.leaderboard.tables import By, ScoreTable, common_pairs, default_measure, score_table
from clirbench.tasks import load_task, task_files
from clirbench.tasks.measures import resolve_measure

SUMMARY_MEASURE = "AP"  # the summary view's measure unless told: mAP, as the hybrid-batch paper reports


@dataclass
class Leaderboard:
    task: str
    metric: str  # the measure shown
    by: By
    view: str  # "scores" or "summary"
    results: list[ResultsFile]  # one per system, each with `metric`
    shared_pairs: list[str] | None = None  # with common_pairs: the pairs every system ran (the only ones kept)
    baseline: str | None = None
    correction: str = DEFAULT_CORRECTION
    # best_group()'s answer and what it was tested on (the results, by identity, the measure, `by`
    # and the correction): a board whose fields change is tested again.
    _best_group: tuple[tuple, BestGroup] | None = field(default=None, init=False, repr=False, compare=False)

    def scores(self) -> ScoreTable:
        """The score view: one row per system, one column per pair or language, averages first."""
        return score_table(self.results, self.metric, by=self.by)

    def expected_pairs(self) -> dict[str, tuple[str, str]]:
        """The task's pairs that enter `avg all` (those every system ran, with common_pairs):
        what coverage counts against."""
        from clirbench.leaderboard.overview import task_pairs

        expected = task_pairs(load_task(self.task))
        return expected if self.shared_pairs is None else {k: v for k, v in expected.items() if k in set(self.shared_pairs)}

    def main_table(self, statistics: bool = True) -> pd.DataFrame:
        """The app's main table: rank, the average (`avg all`), with `statistics` its 95% CI
        (average_cis) and the best group (best_group, for more than one system), coverage
        ("47/49 pairs"; `unequal pairs` where a system ran other pairs than another) and what the
        system is (kind, parameters, embedding size, zero-shot, source); best first."""
        from clirbench.leaderboard.overview import main_table, with_statistics
        from clirbench.leaderboard.significance import average_cis

        table = main_table(self.results, self.metric, self.scores().scores["avg all"], load_task(self.task),
                           self.expected_pairs())
        if not statistics:
            return table
        group = self.best_group() if len(self.results) > 1 else None
        return with_statistics(table, average_cis(self.results, self.metric, by=self.by), group)

    def rows(self) -> list[dict]:
        """The score view as records: {"system": name, column: value, ...}, best average first."""
        frame = self.scores().scores
        return [{"system": system, **row.to_dict()} for system, row in frame.iterrows()]

    def summary(self) -> pd.DataFrame:
        """The summary view: mAP mono / cross / multi and the rank distance, published rows too."""
        from clirbench.eval.summary import summary_table

        return summary_table(self.results, load_task(self.task), self.metric)

    def rank_distance_by_language(self) -> pd.DataFrame:
        from clirbench.eval.summary import rank_distance_by_language

        return rank_distance_by_language(self.results)

    def best_group(self) -> BestGroup:
        """The systems not significantly below the best one (paired tests, corrected); tested once
        for the board's results, measure, `by` and correction (again when one of them changes)."""
        key = (tuple(self.results), self.metric, self.by, self.correction)
        if self._best_group is not None:
            tested, group = self._best_group
            if len(tested[0]) == len(key[0]) and all(a is b for a, b in zip(tested[0], key[0])) and tested[1:] == key[1:]:
                return group
        group = best_group(self.results, self.metric, by=self.by, correction=self.correction)
        self._best_group = (key, group)
        return group

    def comparison(self) -> Comparison:
        """Each system against the baseline, per column, with its paired test."""
        if self.baseline is None:
            raise ValueError("no baseline: build the leaderboard with baseline=SYSTEM")
        return compare(self.results, self.baseline, self.metric, by=self.by, correction=self.correction)


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def _with_measure(found: Collected, task: str, metric: str | None, view: str,
                  warn: Callable[[str], None]) -> tuple[list[ResultsFile], str]:
    """The task's results that have the measure to show (`metric`; else AP for the summary view,
    `default_measure` for the scores); the files without it are skipped with a warning, so that
    one odd file does not break the whole table."""
    files = [(path, r) for path, r in found.results if r.task == task]
    definitions: dict[str, str] = {}
    for _, r in files:
        for m in r.metrics:
            definitions.setdefault(m, r.measures.get(m, m))
    if metric:
        metric = resolve_measure(metric, definitions, f"in the results of {task} (--metric)")
    elif view == "summary":
        metric = SUMMARY_MEASURE
    else:
        metric = default_measure([r for _, r in files], [m.name for m in load_task(task).measures()])
    for path, r in files:
        if metric not in r.metrics:
            warn(f"{path}: skipped, it has no {metric} (its measures: {', '.join(r.metrics) or 'none'}); "
                 "rerun it with --force to score the task's measures")
    kept = [r for _, r in files if metric in r.metrics]
    if not kept:
        raise ClirbenchError(f"no results of task {task!r} have {metric}",
                             f"pick one of their measures with --metric: {', '.join(definitions)}")
    return kept, metric


def build_leaderboard(task: str, roots: list[Path] | None = None, metric: str | None = None, by: By = "pair",
                      view: str = "scores", baseline: str | None = None, correction: str = DEFAULT_CORRECTION,
                      common: bool = False, warn: Callable[[str], None] | None = None) -> Leaderboard:
    """The leaderboard of `task` from the results files under `roots` (default: `default_roots`,
    ./results and submissions/*/results/, or $CLIRBENCH_RESULTS). Files that cannot be shown are
    skipped, each with a call of `warn` (default: a Python warning)."""
    warn = warn or _warn
    roots = roots if roots is not None else default_roots()
    found = collect(roots, known_tasks=set(task_files()))
    for warning in found.warnings:
        warn(warning)
    if not found.for_task(task):
        raise ClirbenchError(f"no results for task {task!r} in {describe_roots(roots)}"
                             + (f"; tasks with results there: {', '.join(found.tasks())}" if found.tasks() else ""),
                             f"make some: `clirbench run --system bm25 --task {task}` (it writes to "
                             f"{default_results_dir()}/), or name the folder that holds them with --results DIR")
    results, metric = _with_measure(found, task, metric, view, warn)
    if baseline and baseline not in {r.model.name for r in results}:
        raise ClirbenchError(f"baseline {baseline!r} has no results for task {task!r}",
                             f"use one of: {', '.join(sorted(r.model.name for r in results))}")
    shared = None
    if common:
        results, shared = common_pairs(results, metric)
        if not shared:
            raise ClirbenchError(f"no pair of {task} has {metric} results from all {len(results)} systems",
                                 "leave out --common-pairs, or pick the systems' folders with --results")
    return Leaderboard(task=task, metric=metric, by=by, view=view, results=results, shared_pairs=shared,
                       baseline=baseline or None, correction=correction)
