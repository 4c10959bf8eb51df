"""Hard negatives mined from a pool of candidates by a named system, once, and cached.

Pools, for a question asked in language X:
- none: no hard negatives (in-batch negatives only);
- monolingual: candidates in X;
- cross-lingual: candidates in every other language;
- mixed: half from each.
BM25 finds almost nothing across scripts, so the miner is a dense encoder (the base model),
the same one for every pool: the pools then differ only in language. A candidate holding the
question's answer, in any language, is never a negative (no false negatives). The mined rows
are written as JSONL (pool, query_id, query_lang, doc_id, doc_lang, score) so anyone can audit
a pool."""

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
    query_lang: str
    doc_id: str
    doc_lang: str
    score: float | None  # the miner's score; None for mMARCO's own (BM25) negatives


def pool_languages(pool: str, query_lang: str, langs: list[str]) -> list[str]:
    if pool not in POOLS:
        raise ClirbenchError(f"unknown negative pool {pool!r}", f"use one of: {', '.join(POOLS)}")
    if pool == "none":
        return []
    if pool == "monolingual":
        return [query_lang]
    others = [lang for lang in langs if lang != query_lang]
    return others if pool == "cross-lingual" else [query_lang, *others]


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


def mine(corpus: RetrievalCorpus, questions: list[ParallelQuestion], miner: EncoderMiner, pool: str,
         k: int) -> list[Negative]:
    """The k best-scored non-relevant candidates of `pool` for every question in every language."""
    out: list[Negative] = []
    for query_lang in corpus.langs:
        targets = pool_languages(pool, query_lang, corpus.langs)
        if not targets:
            continue
        vectors = miner.queries([q.text[query_lang] for q in questions], query_lang)
        found: list[list[tuple[float, str, str]]] = [[] for _ in questions]
        for doc_lang in targets:
            ids, docs = miner.documents(doc_lang)
            scores = vectors @ docs.T
            top = np.argsort(-scores, axis=1)[:, : k + 8]  # a few spare for the relevant ones skipped
            for row, (q, candidates) in enumerate(zip(questions, top)):
                relevant = q.relevant()
                found[row] += [(float(scores[row, c]), ids[c], doc_lang) for c in candidates if ids[c] not in relevant]
        for q, hits in zip(questions, found):
            hits.sort(key=lambda h: (-h[0], h[1]))
            if pool == "mixed":  # half from the question's language, half from the others
                own = [h for h in hits if h[2] == query_lang][: k // 2]
                rest = [h for h in hits if h[2] != query_lang][: k - len(own)]
                chosen = sorted(own + rest, key=lambda h: (-h[0], h[1]))
            else:
                chosen = hits[:k]
            out += [Negative(pool, q.qid, query_lang, doc_id, lang, round(score, 6)) for score, doc_id, lang in chosen]
    return out


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
    for query_lang in corpus.langs:
        targets = pool_languages(pool, query_lang, corpus.langs)
        if not targets:
            continue
        others = [lang for lang in targets if lang != query_lang]
        for q in questions:
            relevant, chosen = q.relevant(), []
            for i, pid in enumerate(by_query.get(q.qid, [])[:k]):
                own = pool == "monolingual" or (pool == "mixed" and i < k // 2) or not others
                lang = query_lang if own else others[(zlib.crc32(q.qid.encode()) + i) % len(others)]
                chosen.append((doc_key(lang, pid), lang))
            out += [Negative(pool, q.qid, query_lang, doc, lang, None) for doc, lang in chosen
                    if doc not in relevant and doc in corpus.documents]
    return out
