"""Hard negatives mined from a pool of candidates by a named system, once, and cached.

Pools are defined by the language of the positive passage, Y (in a batch, a question in X is
paired with its answer in Y, and the negatives stand beside that answer):
- none: no hard negatives (in-batch negatives only);
- monolingual: candidates in Y, the positive's language;
- cross-lingual: candidates in every language but Y;
- mixed: half from each (k // 2 in Y).
Keyed by the question's language instead, a "monolingual" negative in a cross-lingual batch sat
in the query's language while the positive did not: a model could learn "avoid my own language".

Only the pool's language may differ, so the rest is held fixed:
- one miner (the base encoder) scores every pool, by one query vector per question: the mean of
  its normalised vectors in every language, so no question language favours a pool;
- no candidate from the positive's paragraph (in any language) is a negative: such sentences
  are the most likely false negatives, and their share differed between pools (58% vs 45%);
- hardness is matched (`match: true`): per (question, Y), both pools are capped at the lower of
  their two best scores, and each takes its best candidates under that cap, so the chosen
  negatives' cosines to the query line up across pools;
- only training articles' sentences are candidates: the dev split's are never pushed away.
A candidate holding the question's answer, in any language, is never a negative. The mined rows
are written as JSONL (pool, query_id, positive_lang, doc_id, doc_lang, score) to audit a pool."""

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from clirbench.core.atomic import write_text_atomic
from clirbench.core.contract import Encoder
from clirbench.core.errors import ClirbenchError
from clirbench.core.progress import Progress
from clirbench.data import register_all
from clirbench.eval.runner import ensure_index
from clirbench.systems.dense.retriever import DenseRetriever
from clirbench.systems.dense.vector_store import read_doc_vectors
from clirbench.tasks import PairSpec
from clirbench.train.retrieval_data import ParallelQuestion, RetrievalCorpus, Triple, doc_key

POOLS = ("none", "monolingual", "cross-lingual", "mixed")


@dataclass(frozen=True)
class Negative:
    pool: str
    query_id: str
    positive_lang: str  # the language of the positive it stands beside
    doc_id: str
    doc_lang: str
    score: float | None  # the miner's score; None for mMARCO's own (BM25) negatives


def pool_languages(pool: str, positive_lang: str, langs: list[str]) -> list[str]:
    if pool not in POOLS:
        raise ClirbenchError(f"unknown negative pool {pool!r}", f"use one of: {', '.join(POOLS)}")
    if pool == "none":
        return []
    if pool == "monolingual":
        return [positive_lang]
    others = [lang for lang in langs if lang != positive_lang]
    return others if pool == "cross-lingual" else [positive_lang, *others]


class EncoderMiner:
    """Scores candidates by the cosine of an encoder's vectors, reusing clirbench's vector
    caches (a collection encoded for evaluation is not encoded again)."""

    def __init__(self, encoder: Encoder, collection: str, cache_dir: Path):
        register_all()
        self.retriever = DenseRetriever(encoder, cache_dir)
        self.collection, self.cache_dir = collection, cache_dir
        self._docs: dict[str, tuple[list[str], np.ndarray]] = {}

    def documents(self, lang: str) -> tuple[list[str], np.ndarray]:
        if lang not in self._docs:
            docs_id = f"clirbench/{self.collection}/{lang}"
            spec = PairSpec(query_lang=lang, doc_lang=lang, queries=docs_id, docs=docs_id, qrels=docs_id,
                            resource_level="low")
            index_dir, _, _ = ensure_index(self.retriever, spec, self.cache_dir, Progress())
            ids, chunks = [], []
            for chunk_ids, vectors in read_doc_vectors(index_dir):
                ids.extend(chunk_ids)
                chunks.append(np.asarray(vectors))
            self._docs[lang] = (ids, np.concatenate(chunks))
        return self._docs[lang]

    def queries(self, texts: list[str], lang: str) -> np.ndarray:
        vectors, _ = self.retriever.query_cache(lang).vectors(texts, lambda new: self.retriever.encode_queries(new, lang))
        return vectors


def _best(scores: np.ndarray, k: int) -> list[list[int]]:
    """Per row, the columns of the k highest finite scores, best first; an exact tie goes to the
    lower column (columns are in doc id order: `ordered`'s rule)."""
    scores = scores.copy()
    picks: list[list[int]] = [[] for _ in range(len(scores))]
    for _ in range(k):
        column = scores.argmax(axis=1)  # the first maximum: the lowest doc id among ties
        best = scores[np.arange(len(scores)), column]
        for row in np.flatnonzero(np.isfinite(best)):
            picks[row].append(int(column[row]))
        scores[np.arange(len(scores)), column] = -np.inf
    return picks


def mine(corpus: RetrievalCorpus, questions: list[ParallelQuestion], miner: EncoderMiner, pool: str, k: int,
         match: bool = True) -> tuple[list[Negative], dict]:
    """The k negatives of `pool` for every question beside its positive in every language, and
    the hardness of each pool before the cap (mean best cosine), to report."""
    if pool == "none":
        return [], {}
    # One language-neutral query per question: the mean of its normalised vectors in every language.
    query = np.mean([miner.queries([q.text[lang] for q in questions], lang) for lang in corpus.langs], axis=0)
    query /= np.linalg.norm(query, axis=1, keepdims=True)
    doc_ids = corpus.documents_of_groups({q.group for q in questions})
    rows = {}
    for lang in corpus.langs:
        ids, vectors = miner.documents(lang)
        rows.update((doc_id, vectors[i]) for i, doc_id in enumerate(ids))
    docs = np.stack([rows[d] for d in doc_ids])
    doc_lang = np.array([corpus.documents[d][1] for d in doc_ids])
    scores = query @ docs.T
    # Same paragraph as the positive (answers included), in any language: never a negative.
    same = np.array([corpus.doc_paragraph[d] for d in doc_ids])[None, :] == np.array([q.paragraph for q in questions])[:, None]
    scores[same] = -np.inf
    out: list[Negative] = []
    hardness: dict[str, list[float]] = {"monolingual": [], "cross-lingual": []}
    for positive_lang in corpus.langs:
        sides = {"monolingual": np.where(doc_lang == positive_lang, scores, -np.inf),
                 "cross-lingual": np.where(doc_lang != positive_lang, scores, -np.inf)}
        for name, side in sides.items():
            hardness[name] += side.max(axis=1).tolist()
        if match:  # both pools under the lower of their two best scores
            cap = np.minimum(sides["monolingual"].max(axis=1), sides["cross-lingual"].max(axis=1))
            sides = {name: np.where(side <= cap[:, None], side, -np.inf) for name, side in sides.items()}
        wanted = {"monolingual": k, "cross-lingual": 0} if pool == "monolingual" else \
                 {"monolingual": 0, "cross-lingual": k} if pool == "cross-lingual" else \
                 {"monolingual": k // 2, "cross-lingual": k - k // 2}
        chosen: list[list[int]] = [[] for _ in questions]
        for name, n in wanted.items():
            if n:
                for row, columns in enumerate(_best(sides[name], n)):
                    chosen[row] += columns
        for q, columns, row_scores in zip(questions, chosen, scores):
            columns = sorted(columns, key=lambda c: (-row_scores[c], doc_ids[c]))
            out += [Negative(pool, q.qid, positive_lang, doc_ids[c], str(doc_lang[c]), round(float(row_scores[c]), 6))
                    for c in columns]
    return out, {f"best_{name}_cosine": round(float(np.mean(v)), 4) for name, v in hardness.items()}


def negative_stats(negatives: list[Negative], corpus: RetrievalCorpus, questions: list[ParallelQuestion]) -> dict:
    """What a pool holds, for the report: how many, their mean cosine to the (language-neutral)
    query, the share in the positive's language, from the positive's paragraph, and by language."""
    if not negatives:
        return {}
    paragraph = {q.qid: q.paragraph for q in questions}
    scored = [n.score for n in negatives if n.score is not None]
    langs: dict[str, int] = {}
    for n in negatives:
        langs[n.doc_lang] = langs.get(n.doc_lang, 0) + 1
    return {"count": len(negatives),
            "mean_cosine": round(float(np.mean(scored)), 4) if scored else None,
            "share_positive_language": round(float(np.mean([n.doc_lang == n.positive_lang for n in negatives])), 4),
            "share_same_paragraph": round(float(np.mean(
                [corpus.doc_paragraph.get(n.doc_id, "") == paragraph.get(n.query_id, None) for n in negatives])), 4),
            "languages": dict(sorted(langs.items()))}


def write_negatives(path: Path, negatives: list[Negative]) -> None:
    write_text_atomic(path, "".join(json.dumps(asdict(n), ensure_ascii=False) + "\n" for n in negatives))


def read_negatives(path: Path) -> list[Negative]:
    return [Negative(**json.loads(line)) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]


def triple_negatives(corpus: RetrievalCorpus, triples: list[Triple], questions: list[ParallelQuestion], pool: str,
                     k: int) -> list[Negative]:
    """mMARCO's own negatives (MS MARCO's BM25 negatives of each training triple), in the pool's
    languages: the passage ids are shared, so a negative exists in every language and the
    pools differ only in language. Cross-lingual copies take the other languages in turn."""
    by_query: dict[str, list[str]] = {}
    for t in triples:
        if t.negative not in by_query.setdefault(t.qid, []):
            by_query[t.qid].append(t.negative)
    out: list[Negative] = []
    for positive_lang in corpus.langs:
        targets = pool_languages(pool, positive_lang, corpus.langs)
        if not targets:
            continue
        others = [lang for lang in targets if lang != positive_lang]
        for q in questions:
            relevant, chosen = q.relevant(), []
            for i, pid in enumerate(by_query.get(q.qid, [])[:k]):
                own = pool == "monolingual" or (pool == "mixed" and i < k // 2) or not others
                lang = positive_lang if own else others[(zlib.crc32(q.qid.encode()) + i) % len(others)]
                chosen.append((doc_key(lang, pid), lang))
            out += [Negative(pool, q.qid, positive_lang, doc, lang, None) for doc, lang in chosen
                    if doc not in relevant and doc in corpus.documents]
    return out
