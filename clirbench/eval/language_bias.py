"""Language bias in the multilingual pool (LAReQA's setting), per query, from its complete
ranking of the pool:

- rank distance (Elmahdy et al. 2024, arXiv 2408.10536): over the pool languages that hold
  an answer to the question, the rank of that language's best-ranked answer; the distance is
  the largest of those ranks minus the smallest. 0 means every language's answer sits
  together; a language-biased system pulls its own language's answer up and pushes the
  others down. Defined for questions answered in at least two languages.
- same-language share: the share of the top 10 in the question's own language, to be read
  against that language's share of the pool.
- recall per answer language: the share of the question's answers in language L found in the
  top 100, for each L that holds one;
- AP over the complete ranking (the run file and the task's measures see the top 100; the
  published LAReQA numbers are over complete rankings, so this is the one to set beside them).

A system that scores only some documents (BM25 scores only those sharing a term with the
question) leaves the rest tied below every scored one: each of them gets the mean of the
ranks the tied block spans, (scored + 1 + pool size) / 2, as in a tie-aware ranking. A
question none of whose answers was scored has no rank distance (all its answers tie: a
distance of 0 would call it unbiased); such questions are counted instead."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from clirbench.core.contract import Ranking

TOP_SHARE = 10
TOP_RECALL = 100


def answer_ranks(ranking: Ranking, relevant: set[str], pool_size: int) -> dict[str, float]:
    """Rank (1 = first) of each relevant document in a ranking ordered best first; relevant
    documents the ranking leaves out share the mean rank of the unscored tail."""
    ranks = {doc_id: float(i) for i, (doc_id, _) in enumerate(ranking, start=1) if doc_id in relevant}
    tail = (len(ranking) + 1 + pool_size) / 2
    return {doc_id: ranks.get(doc_id, tail) for doc_id in relevant}


def rank_distance(ranks: Mapping[str, float], doc_lang: Mapping[str, str]) -> float | None:
    """Max minus min, over answer languages, of each language's best answer rank; None when
    fewer than two languages hold an answer."""
    best: dict[str, float] = {}
    for doc_id, rank in ranks.items():
        lang = doc_lang[doc_id]
        best[lang] = min(rank, best.get(lang, rank))
    return max(best.values()) - min(best.values()) if len(best) >= 2 else None


@dataclass
class PoolBias:
    """Per-query language-bias values of one pool pair, and their means."""

    query_lang: str
    pool_share: float  # the query language's share of the pool's documents
    rank_distance: dict[str, float] = field(default_factory=dict)
    same_language_top10: dict[str, float] = field(default_factory=dict)
    ap_full: dict[str, float] = field(default_factory=dict)  # AP over the complete ranking
    unscored: int = 0  # questions with answers, none of them scored (no rank distance)
    recall_by_lang: dict[str, dict[str, float]] = field(default_factory=dict)  # answer lang -> qid -> recall

    def add(self, qid: str, ranking: Ranking, relevant: set[str], doc_lang: Mapping[str, str], pool_size: int) -> None:
        """One query's complete ranking of the pool (best first)."""
        if relevant:
            ranks = answer_ranks(ranking, relevant, pool_size)
            ordered_ranks = sorted(ranks.values())
            self.ap_full[qid] = sum(i / rank for i, rank in enumerate(ordered_ranks, start=1)) / len(ordered_ranks)
            if len(ranking) < pool_size and all(r > len(ranking) for r in ordered_ranks):
                self.unscored += 1
            elif (distance := rank_distance(ranks, doc_lang)) is not None:
                self.rank_distance[qid] = distance
        top = ranking[:TOP_SHARE]
        self.same_language_top10[qid] = (sum(doc_lang[d] == self.query_lang for d, _ in top) / len(top)) if top else 0.0
        found = {d for d, _ in ranking[:TOP_RECALL]}
        by_lang: dict[str, list[str]] = {}
        for doc_id in relevant:
            by_lang.setdefault(doc_lang[doc_id], []).append(doc_id)
        for lang, docs in by_lang.items():
            self.recall_by_lang.setdefault(lang, {})[qid] = sum(d in found for d in docs) / len(docs)

    def summary(self) -> dict[str, float]:
        """Means over the queries that have a value (a mean of nothing is left out)."""
        columns = {"rank_distance": self.rank_distance, "same_language_top10": self.same_language_top10,
                   "AP_full": self.ap_full,
                   **{f"R@{TOP_RECALL}:{lang}": v for lang, v in sorted(self.recall_by_lang.items())}}
        out = {name: sum(v.values()) / len(v) for name, v in columns.items() if v}
        return {**out, "pool_share": self.pool_share, "unscored_questions": float(self.unscored)}
