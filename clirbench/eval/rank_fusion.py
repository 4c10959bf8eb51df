"""The two fusion rules, on plain dictionaries (query -> doc -> score).

Written here rather than taken from a library: ranx, used before, compiled its numba kernels
in every process (about 40 s a `clirbench fuse` call on 2 cores) for arithmetic this small.
The arithmetic is ranx's, operation for operation, so the fused scores are the same floats;
where ranx ranked exact ties in the order its sort happened to leave them, a run's ranks
here are the order clirbench writes and scores (score descending, ties by doc id).
"""

from clirbench.core.contract import ordered

RRF_K = 60
# A query whose scores are all equal: min-max divides by this rather than by zero (ranx's value).
MIN_MAX_FLOOR = 1e-9

Run = dict[str, dict[str, float]]


def reciprocal_ranks(scores: dict[str, float], k: int = RRF_K) -> dict[str, float]:
    """1 / (k + rank) per doc, ranks from 1 in the one order of a ranking."""
    return {doc: 1 / (k + rank) for rank, (doc, _) in enumerate(ordered(scores.items()), start=1)}


def min_max(scores: dict[str, float]) -> dict[str, float]:
    """Scores mapped onto [0, 1] per query: (s - min) / (max - min)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    denominator = max(high - low, MIN_MAX_FLOOR)
    return {doc: (score - low) / denominator for doc, score in scores.items()}


def comb_sum(runs: list[Run], queries: list[str]) -> Run:
    """Per query, each doc's scores added over the runs (0 where a run lacks it), in run order."""
    fused: Run = {}
    for qid in queries:
        per_run = [run.get(qid, {}) for run in runs]
        docs = dict.fromkeys(doc for scores in per_run for doc in scores)
        fused[qid] = {doc: sum(scores.get(doc, 0.0) for scores in per_run) for doc in docs}
    return fused


def fuse(runs: list[Run], method: str, queries: list[str]) -> Run:
    """Reciprocal rank fusion (`rrf`, k=60) or CombSUM of min-max-normalised scores (`sum`) of
    `runs` over `queries` (every one of them in the result, empty where no run ranks anything)."""
    transform = reciprocal_ranks if method == "rrf" else min_max
    return comb_sum([{qid: transform(scores) for qid, scores in run.items()} for run in runs], queries)
