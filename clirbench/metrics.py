"""Effectiveness measures through ir-measures, per query and averaged.

Every query that has relevance judgements is scored: a judged query missing from the run
scores 0 (as ir-measures does in its aggregates), so a system cannot gain by skipping queries.
"""

import ir_measures
from ir_measures import Measure


def task_measures(names: list[str], relevance_threshold: int) -> list[Measure]:
    """The task's measures, with its relevance threshold applied to binary measures."""
    measures = []
    for name in names:
        measure = ir_measures.parse_measure(name)
        if relevance_threshold != 1 and "rel" in measure.SUPPORTED_PARAMS:
            measure = measure(rel=relevance_threshold)
        measures.append(measure)
    return measures


def evaluate(
    measures: list[Measure],
    qrels: dict[str, dict[str, int]],
    run: dict[str, list[tuple[str, float]]],
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-query values, keyed by the measure's name as ir-measures prints it."""
    run_dict = {qid: {doc_id: score for doc_id, score in ranking} for qid, ranking in run.items() if qid in qrels}
    per_query: dict[str, dict[str, float]] = {str(m): {qid: 0.0 for qid in qrels} for m in measures}
    for metric in ir_measures.iter_calc(measures, qrels, run_dict):
        per_query[str(metric.measure)][metric.query_id] = float(metric.value)
    means = {name: (sum(values.values()) / len(values) if values else 0.0) for name, values in per_query.items()}
    return means, per_query
