"""MLQA-R for the encoding benchmarks: its languages and texts, sentence-transformers over
me5-small (their peer), and the RR@10 of encoder settings on the 9 pairs en/hi/zh x en/hi/zh
beside float32's, ranked and scored by the evaluation layer as `clirbench run` ranks and scores
(`clirbench.eval.metrics.evaluate_score_matrix`: the one order, `ordered`, then ir-measures)."""

from pathlib import Path

import numpy as np

LANGS = ["ar", "de", "en", "es", "hi", "vi", "zh"]
PASSAGE_PREFIX, QUERY_PREFIX = "passage: ", "query: "
ACCURACY_PAIRS = [f"{q}-{d}" for q in ("en", "hi", "zh") for d in ("en", "hi", "zh")]
ACCURACY_LANGS = sorted({lang for pair in ACCURACY_PAIRS for lang in pair.split("-")})


def mlqa_texts() -> dict:
    """Every MLQA-R candidate of the 7 languages, and the questions and relevant candidates of
    the 9 accuracy pairs: {"docs": {lang: [[id, text]]}, "queries": {pair: [[id, text]]},
    "qrels": {pair: {question id: [candidate ids]}}} (JSON: what encode_gpu's pack carries)."""
    import ir_datasets

    from clirbench.data import register_all

    register_all()
    docs = {lang: [[d.doc_id, d.text] for d in ir_datasets.load(f"clirbench/mlqa-r/{lang}").docs_iter()]
            for lang in LANGS}
    queries, qrels = {}, {}
    for pair in ACCURACY_PAIRS:
        dataset = ir_datasets.load(f"clirbench/mlqa-r/{pair}")
        queries[pair] = [[q.query_id, q.text] for q in dataset.queries_iter()]
        qrels[pair] = {}
        for r in dataset.qrels_iter():
            if r.relevance > 0:
                qrels[pair].setdefault(r.query_id, []).append(r.doc_id)
    return {"docs": docs, "queries": queries, "qrels": qrels}


def sentence_transformer(folder: Path, device: str = "cpu"):
    """sentence-transformers over the me5-small folder: mean pooling and L2 normalisation, as E5."""
    from sentence_transformers import SentenceTransformer, models

    word = models.Transformer(str(folder), max_seq_length=512)
    return SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension(), "mean"),
                                        models.Normalize()], device=device)


def pair_rr_at_10(query_vectors: np.ndarray, query_ids: list[str], doc_vectors: np.ndarray, doc_ids: list[str],
                  relevant: dict[str, list[str]]) -> dict[str, float]:
    """RR@10 per judged question of one pair: exact inner product, ranked and scored by the
    evaluation layer (`relevant`: question id -> its relevant candidates' ids)."""
    from clirbench.eval.metrics import evaluate_score_matrix

    qrels = {qid: dict.fromkeys(docs, 1) for qid, docs in relevant.items()}
    _, per_query = evaluate_score_matrix(["RR@10"], query_ids, query_vectors @ doc_vectors.T, doc_ids, qrels)
    return per_query["RR@10"]


def accuracy_of(encoders: dict, texts: dict) -> dict:
    """RR@10 of each encoder (`encoders`: name -> a function that makes it; one named float32)
    on the 9 pairs of `texts` (mlqa_texts' layout), beside float32's (`against_float32`)."""
    from clirbench.systems.dense.batching import DocumentEncoding, encode_sorted

    per_query = {}
    for name, make in encoders.items():
        encoder = make()
        docs = {lang: DocumentEncoding(encoder, lang)([t for _, t in texts["docs"][lang]]) for lang in ACCURACY_LANGS}
        per_query[name] = {}
        for pair in ACCURACY_PAIRS:
            q, d = pair.split("-")
            vectors = encode_sorted(encoder.encode_queries, [t for _, t in texts["queries"][pair]], q,
                                    encoder.batch_size, "me5-small")
            per_query[name][pair] = pair_rr_at_10(vectors, [qid for qid, _ in texts["queries"][pair]], docs[d],
                                                  [i for i, _ in texts["docs"][d]], texts["qrels"][pair])
    rr10 = {n: {pair: float(np.mean(list(v[pair].values()))) for pair in ACCURACY_PAIRS} for n, v in per_query.items()}
    return against_float32(rr10, per_query)


def against_float32(scores: dict, per_query: dict) -> dict:
    """Each setting's RR@10 (`scores`: setting -> pair -> mean; `per_query`: setting -> pair ->
    question -> value) beside float32's: the largest difference over the pairs, and per pair the
    questions whose RR@10 moved and a paired t-test of the move (scipy)."""
    from scipy import stats

    changed, p_values = {}, {}
    for name in scores:
        changed[name], p_values[name] = {}, {}
        for key in ACCURACY_PAIRS:
            reference = per_query["float32"][key]
            a = np.array([reference[q] for q in reference])
            b = np.array([per_query[name][key][q] for q in reference])
            changed[name][key] = int(np.sum(a != b))
            p_values[name][key] = float(stats.ttest_rel(b, a).pvalue) if changed[name][key] else 1.0
    return {"rr10": scores, "max_abs_difference_from_float32": {
        name: max(abs(scores[name][k] - scores["float32"][k]) for k in ACCURACY_PAIRS) for name in scores},
        "questions_changed_from_float32": changed, "paired_t_test_p_vs_float32": p_values,
        "questions": {key: len(per_query["float32"][key]) for key in ACCURACY_PAIRS}}
