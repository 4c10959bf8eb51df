"""An encoder seen by the runner as a retriever: its 'index' of a collection is the folder of
document vectors (encoded once, resumably); its queries are encoded once per text and
language; search is faiss."""

import hashlib
import json
import numbers
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from clirbench.systems.dense.batching import DocumentEncoding, encode_sorted
from clirbench.systems.dense.checks import check_same_size
from clirbench.systems.dense.engines import LocalEngine
from clirbench.systems.dense.faiss_search import SEARCH_KINDS, open_vector_index, search
from clirbench.systems.dense.vector_store import DEFAULT_CHUNK, ChunkPlan, QueryVectorCache
from clirbench.core.errors import ClirbenchError
from clirbench.core.names import key_path, path_name
from clirbench.core.contract import Encoder, Ranking, Retriever, SearchIndex, ordered
from clirbench.core.progress import Progress


class _DenseIndex(SearchIndex):
    def __init__(self, retriever: "DenseRetriever", index_dir: Path, doc_lang: str, kind: str | None = None):
        self._r = retriever
        self.index_dir, self.doc_lang = index_dir, doc_lang
        meta = json.loads((index_dir / "vectors.json").read_text())
        self._dim = meta["dim"]
        self._index, self._doc_ids = open_vector_index(index_dir, kind or retriever.search_kind, self._dim)

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        cache = self._r.query_cache(query_lang)
        texts = [text for _, text in queries]
        vectors, encoded = cache.vectors(texts, lambda new: self._r.encode_queries(new, query_lang))
        self._r.queries_encoded += encoded
        if len(texts):
            check_same_size(vectors.shape[1], self._dim, self._r.meta.name)
        return search(self._index, self._doc_ids, [qid for qid, _ in queries], vectors, k)


class _CombinedIndex(SearchIndex):
    """Several collections' vector indexes searched as one: the queries are encoded once (the
    cache is per language of the query), every index is searched, and the hits merged by
    score, which one encoder makes comparable across indexes."""

    def __init__(self, parts: list[_DenseIndex]):
        self._parts = parts

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        merged: dict[str, Ranking] = {qid: [] for qid, _ in queries}
        for part in self._parts:
            for qid, hits in part.search(queries, query_lang, k).items():
                merged[qid].extend(hits)
        return {qid: ordered(hits, k) for qid, hits in merged.items()}

    def close(self) -> None:
        for part in self._parts:
            part.close()


class DenseRetriever(Retriever):
    """Wraps an `Encoder` so the runner can index and search with it."""

    resumable_build = True
    chunk_size = DEFAULT_CHUNK  # documents per chunk file: the unit of encoding work and of resumption
    pool_search = "combine"  # one encoder, one vector space: every language's vectors are reused

    def __init__(self, encoder: Encoder, cache_dir: Path, search_kind: str = "flat",
                 progress: Progress | None = None, engine=None):
        if search_kind not in SEARCH_KINDS:
            raise ClirbenchError(f"unknown search {search_kind!r}", f"use one of: {', '.join(SEARCH_KINDS)}")
        size = encoder.batch_size
        if not isinstance(size, numbers.Integral) or isinstance(size, bool) or size < 1:
            raise ClirbenchError(f"{encoder.meta.name} ({type(encoder).__qualname__}): batch_size is {size!r}; "
                                 "it must be a whole number of at least 1 (texts per call to encode)",
                                 "set batch_size in the plugin or its settings, e.g. 32")
        self.encoder = encoder
        self.libraries = ("faiss-cpu", *encoder.libraries)
        self.search_kind = search_kind
        self.cache_dir = Path(cache_dir)
        self.progress = progress or Progress()
        self.engine = engine or LocalEngine()  # who encodes documents: vectors are the same either way
        self.meta = encoder.meta.model_copy(
            update={"parameters": {**encoder.meta.parameters, "search": f"faiss-{search_kind}"}})
        self._query_caches: dict[str, QueryVectorCache] = {}
        self.documents_encoded = 0
        self.queries_encoded = 0

    def index_key(self) -> str:
        # The vectors do not depend on how they are searched.
        return self.encoder.document_vectors_key()

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        return self.encoder.not_applicable(query_lang, doc_lang)

    def fingerprint(self) -> str:
        key = json.dumps([self.encoder.fingerprint(), self.search_kind])
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def query_cache(self, lang: str) -> QueryVectorCache:
        """One per language for the whole run: its index is read from disk once, not per pair."""
        if lang not in self._query_caches:
            own = f"{self.meta.name}/{self.encoder.fingerprint()}"  # queries are always the encoder's own
            folder = self.cache_dir / "query-vectors" / key_path(own, "query vector cache") / path_name(lang, "language")
            self._query_caches[lang] = QueryVectorCache(folder)
        return self._query_caches[lang]

    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        """Query vectors (documents go through the engine, `build_index`)."""
        return encode_sorted(self.encoder.encode_queries, texts, lang, max(1, int(self.encoder.batch_size)),
                             self.meta.name, on_batch=lambda n, s: self.progress.encoded("encoding queries", lang, n, s))

    def build_index(self, docs: Iterable[tuple[str, str]], doc_lang: str, index_dir: Path) -> None:
        def on_batch(count: int, seconds: float) -> None:
            self.documents_encoded += count
            self.progress.encoded("encoding documents", doc_lang, count, seconds)

        plan = ChunkPlan(docs, index_dir, self.chunk_size)
        self.engine.encode(plan, DocumentEncoding(self.encoder, doc_lang), on_batch)
        count, dim = plan.finish()
        (index_dir / "vectors.json").write_text(json.dumps({"num_docs": count, "dim": dim}))

    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        return _DenseIndex(self, index_dir, doc_lang)

    def combine_indexes(self, indexes: dict[str, SearchIndex]) -> SearchIndex:
        # The pool's language-bias measures need complete rankings: HNSW may leave documents
        # out, so each language's vectors are searched exactly, whatever --search says.
        parts = []
        for index in indexes.values():
            if self.search_kind != "flat":
                index.close()
                index = _DenseIndex(self, index.index_dir, index.doc_lang, kind="flat")
            parts.append(index)
        return _CombinedIndex(parts)

    def model_calls(self) -> dict[str, int]:
        return {"documents encoded": self.documents_encoded, "queries encoded": self.queries_encoded}


def as_retriever(plugin: Retriever | Encoder, cache_dir: Path, search: str = "flat",
                 progress: Progress | None = None, engine=None) -> Retriever:
    """The one adapter between the two kinds of system: an encoder is wrapped in a
    `DenseRetriever` (vectors cached under `cache_dir`, searched with faiss `search`); a
    retriever is told where to cache and whom to report to. `engine` encodes documents
    (`clirbench.systems.dense.engines`; default: this process)."""
    if isinstance(plugin, Encoder):
        return DenseRetriever(plugin, cache_dir, search, progress, engine)
    plugin.use_cache(cache_dir, progress or Progress())
    return plugin
