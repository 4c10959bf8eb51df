import math

import ir_measures
import pytest

from clirbench.eval.metrics import evaluate
from clirbench.core.contract import ordered
from clirbench.eval.trec import read_run, write_run
from clirbench.tasks.measures import resolve_measure, task_measures

QRELS = {
    "q1": {"d1": 1, "d4": 1},  # two relevant documents
    "q2": {"d9": 1},  # relevant document never retrieved
    "q3": {"d2": 2, "d3": 1},  # graded
    "q4": {"d5": 1},  # query missing from the run
}
RUN = {
    "q1": [("d3", 9.0), ("d1", 8.0), ("d2", 7.0), ("d4", 6.0)],
    "q2": [("d1", 5.0), ("d2", 4.0)],
    "q3": [("d3", 3.0), ("d2", 2.0)],
}


def test_values_match_hand_computation():
    means, per_query = evaluate(task_measures(["RR@10", "nDCG@10", "R@100", "AP"], 1), QRELS, RUN)
    # q1: first relevant at rank 2; q2: none; q3: d3 (grade 1) at rank 1; q4: not run.
    assert per_query["RR@10"] == {"q1": 0.5, "q2": 0.0, "q3": 1.0, "q4": 0.0}
    assert means["RR@10"] == pytest.approx(1.5 / 4)
    # AP q1: (1/2 + 2/4) / 2 = 0.5; q3: both relevant at ranks 1 and 2 -> 1.0.
    assert per_query["AP"]["q1"] == pytest.approx(0.5)
    assert per_query["AP"]["q3"] == pytest.approx(1.0)
    assert per_query["R@100"] == {"q1": 1.0, "q2": 0.0, "q3": 1.0, "q4": 0.0}
    # nDCG@10 q1: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3).
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    assert per_query["nDCG@10"]["q1"] == pytest.approx(dcg / (1 + 1 / math.log2(3)))
    # nDCG@10 q3 with gains 2 and 1: DCG = 1 + 2/log2(3); ideal = 2 + 1/log2(3).
    assert per_query["nDCG@10"]["q3"] == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_relevance_threshold_applies_to_binary_measures_only():
    measures = task_measures(["RR@10", "nDCG@10", "AP"], 2)
    assert [m.definition for m in measures] == ["RR(rel=2)@10", "nDCG@10", "AP(rel=2)"]
    assert [m.name for m in measures] == ["RR@10", "nDCG@10", "AP"]
    _, per_query = evaluate(measures, QRELS, RUN)
    # With only grade 2 relevant, q3's relevant document d2 is at rank 2.
    assert per_query["RR@10"]["q3"] == 0.5


def test_means_equal_ir_measures_aggregate_when_every_query_is_run():
    measures = task_measures(["RR@10", "nDCG@10", "AP"], 1)
    qrels = {q: r for q, r in QRELS.items() if q in RUN}
    means, _ = evaluate(measures, qrels, RUN)
    run_dict = {q: dict(r) for q, r in RUN.items()}
    expected = ir_measures.calc_aggregate([m.measure for m in measures], qrels, run_dict)
    for m in measures:
        assert means[m.name] == pytest.approx(expected[m.measure])


def test_names_resolve_to_the_measure_they_mean():
    definitions = {m.name: m.definition for m in task_measures(["RR@10", "nDCG@10"], 2)}
    assert resolve_measure("RR@10", definitions) == "RR@10"
    assert resolve_measure("RR(rel=2)@10", definitions) == "RR@10"  # the definition
    assert resolve_measure("MRR@10", definitions) == "RR@10"  # another spelling
    with pytest.raises(Exception, match="use one of: RR@10, nDCG@10"):
        resolve_measure("AP", definitions)


def test_every_measure_sees_the_order_written_to_the_run_file(tmp_path):
    """Two documents tie on score; the relevant one, d2, sorts after d1 by doc id. ir-measures'
    back-ends break such ties differently (RR: doc id ascending, nDCG: descending): both must
    see clirbench's order, in which d2 is second."""
    qrels = {"q": {"d2": 1}}
    raw = {"q": [("d2", 5.0), ("d1", 5.0), ("d0", 1.0)]}
    run = {qid: ordered(r) for qid, r in raw.items()}
    write_run(tmp_path / "run.trec", run, "tied")
    assert read_run(tmp_path / "run.trec")["q"][:2] == [("d1", 5.0), ("d2", 5.0)]
    _, per_query = evaluate(task_measures(["RR@10", "nDCG@10", "AP"], 1), qrels, run)
    assert per_query["RR@10"]["q"] == 0.5
    assert per_query["nDCG@10"]["q"] == pytest.approx(1 / math.log2(3))
    assert per_query["AP"]["q"] == 0.5


def test_a_score_matrix_is_ranked_in_the_one_order_of_whole_rows():
    """score_matrix_rankings sorts only the documents that can reach the top k (all ties at the
    k-th score included): the same rankings as `ordered` over every document of the row."""
    import numpy as np

    from clirbench.eval.metrics import score_matrix_rankings

    rng = np.random.default_rng(7)
    scores = np.round(rng.standard_normal((40, 200)), 1).astype(np.float32)  # many exact ties
    scores[:, 100:] = scores[:, :100]
    scores[0] = 0.5  # a row of one score
    doc_ids = [f"d{i:03d}" for i in rng.permutation(200)]
    qids = [f"q{i}" for i in range(40)]
    for k in (1, 10, 100, 199, 200, 500):
        whole = {q: ordered([(d, float(s)) for d, s in zip(doc_ids, row)], k) for q, row in zip(qids, scores)}
        assert score_matrix_rankings(qids, scores, doc_ids, k) == whole
    with pytest.raises(ValueError, match="for 40 queries x 199 documents"):
        score_matrix_rankings(qids, scores, doc_ids[:199])


def test_a_score_matrix_is_scored_over_its_judged_queries():
    import numpy as np

    from clirbench.eval.metrics import evaluate_score_matrix, evaluate_scores

    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.3, 0.2], [1.0, 0.0, 0.0]])
    qrels = {"a": {"y": 1}, "b": {"x": 1, "z": 1}}  # c is not judged: not scored
    means, per_query = evaluate_score_matrix(["RR@10", "AP"], ["a", "b", "c"], scores, ["y", "x", "z"], qrels)
    # columns y, x, z. a: x .9, z .5, y .1 -> y third; b: x and y tie at .3, x first by id -> x first
    assert per_query["RR@10"] == {"a": 1 / 3, "b": 1.0}
    assert means["RR@10"] == pytest.approx((1 / 3 + 1) / 2)
    assert evaluate_scores("AP", ["a", "b", "c"], scores, ["y", "x", "z"], qrels) == means["AP"]
