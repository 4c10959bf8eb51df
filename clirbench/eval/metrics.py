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


def score_matrix_rankings(query_ids: list[str], scores, doc_ids: list[str], k: int = 100) -> dict[str, Ranking]:
    """Each row of a (queries x documents) score matrix as a ranking in the one order of
    clirbench (`ordered`: score descending, exact ties by doc id), its first `k`. Only the
    documents that can reach the first `k` are sorted: those scoring at least the row's k-th
    highest score, every tie with it included, so the result is `ordered` over the whole row."""
    import numpy as np

    from clirbench.core.contract import ordered

    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape != (len(query_ids), len(doc_ids)):
        raise ValueError(f"scores of shape {scores.shape} for {len(query_ids)} queries x {len(doc_ids)} documents")
    if k < scores.shape[1]:
        bounds = -np.partition(-scores, k - 1, axis=1)[:, k - 1]  # each row's k-th highest score
    else:
        bounds = np.full(len(query_ids), -np.inf)
    return {qid: ordered([(doc_ids[j], float(row[j])) for j in np.flatnonzero(row >= bound)], k)
            for qid, row, bound in zip(query_ids, scores, bounds)}


def evaluate_score_matrix(measures: list[str], query_ids: list[str], scores, doc_ids: list[str],
                          qrels: dict[str, dict[str, int]], k: int = 100,
                          ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-query values of `measures` (e.g. ["RR@10"]) over the judged queries among
    `query_ids`, from a (queries x documents) score matrix: each row ranked in the one order of
    clirbench (`score_matrix_rankings`), top `k`, then ir-measures. For scores computed outside
    a run, such as a recipe's dev score or a benchmark's precision check."""
    from clirbench.tasks.measures import task_measures

    run = score_matrix_rankings(query_ids, scores, doc_ids, k)
    return evaluate(task_measures(measures, 1), {q: qrels[q] for q in query_ids if q in qrels}, run)


def evaluate_scores(measure: str, query_ids: list[str], scores, doc_ids: list[str],
                    qrels: dict[str, dict[str, int]], k: int = 100) -> float:
    """The mean of `measure` (e.g. "RR@10") over the judged queries among `query_ids`, from a
    (queries x documents) score matrix (`evaluate_score_matrix`)."""
    means, _ = evaluate_score_matrix([measure], query_ids, scores, doc_ids, qrels, k)
    return means[measure]
