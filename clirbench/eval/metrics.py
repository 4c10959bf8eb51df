"""Effectiveness measures through ir-measures, per query and averaged.

Every query that has relevance judgements is scored: a judged query missing from the run
gets the measure's value for an empty ranking (its `DEFAULT`, 0 for the usual ones), as
ir-measures does in its aggregates, so a system cannot gain by skipping queries.

The measures see the ranking in the order clirbench wrote it (`clirbench.eval.trec`): scores
are replaced by strictly decreasing values, so no measure breaks ties its own way (ir-measures'
back-ends disagree: RR breaks exact ties by doc id ascending, nDCG by doc id descending)."""

import ir_measures

from clirbench.core.contract import Ranking
from clirbench.tasks.measures import TaskMeasure


def evaluate(
    measures: list[TaskMeasure],
    qrels: dict[str, dict[str, int]],
    run: dict[str, Ranking],
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-query values, keyed by the measures' names. `run` is in rank order."""
    run_dict = {qid: {doc_id: float(len(ranking) - rank) for rank, (doc_id, _) in enumerate(ranking)}
                for qid, ranking in run.items() if qid in qrels}
    name_of = {m.measure: m.name for m in measures}
    per_query = {m.name: {qid: float(m.measure.DEFAULT) for qid in qrels} for m in measures}
    for metric in ir_measures.iter_calc([m.measure for m in measures], qrels, run_dict):
        per_query[name_of[metric.measure]][metric.query_id] = float(metric.value)
    means = {name: (sum(values.values()) / len(values) if values else 0.0) for name, values in per_query.items()}
    return means, per_query


def evaluate_scores(measure: str, query_ids: list[str], scores, doc_ids: list[str],
                    qrels: dict[str, dict[str, int]], k: int = 100) -> float:
    """The mean of `measure` (e.g. "RR@10") over `query_ids`, from a (queries x documents) score
    matrix: each row ranked in the one order of clirbench (`ordered`), top `k`, then ir-measures.
    For scores computed outside a run, such as a recipe's dev score."""
    from clirbench.core.contract import ordered
    from clirbench.tasks.measures import task_measures

    run = {qid: ordered(list(zip(doc_ids, map(float, row))), k) for qid, row in zip(query_ids, scores)}
    means, _ = evaluate(task_measures([measure], 1), {q: qrels[q] for q in query_ids}, run)
    return means[measure]
