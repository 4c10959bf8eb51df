"""Anserini's `SimpleSearcher`, called straight through pyjnius.

pyserini's `LuceneSearcher` wraps the same Java class, but importing it runs the package
`pyserini.search.lucene`, which imports pyserini's neural encoders and with them transformers'
models: 13 of the 18 seconds of `clirbench run --system bm25 --task toy` on 2 cores, for nothing
BM25 uses. The calls below are the wrapper's own, minus that import.
"""

from functools import lru_cache
from pathlib import Path

from clirbench.systems.lucene_jvm import ensure_jvm


class LuceneSearcher:
    def __init__(self, index_dir: Path | str):
        ensure_jvm()
        from jnius import autoclass

        self._array_list = autoclass("java.util.ArrayList")
        self.object = autoclass("io.anserini.search.SimpleSearcher")(str(index_dir))

    def set_bm25(self, k1: float, b: float) -> None:
        self.object.set_bm25(float(k1), float(b))

    def set_language(self, lang: str) -> None:
        self.object.set_language(lang)

    def set_analyzer(self, analyzer) -> None:
        self.object.set_analyzer(analyzer)

    def _java_list(self, values: list[str]):
        out = self._array_list()
        for value in values:
            out.add(value)
        return out

    def batch_search(self, texts: list[str], qids: list[str], k: int, threads: int) -> dict:
        """qid -> Anserini's scored documents (`.docid`, `.score`), queries searched on `threads`."""
        results = self.object.batch_search(self._java_list(texts), self._java_list(qids), int(k), int(threads))
        return {entry.getKey(): entry.getValue() for entry in results.entrySet().toArray()}

    def search(self, query, k: int) -> list:
        """The top `k` of one query: a string, or a Lucene `Query` object."""
        return list(self.object.search(query, int(k)))

    def close(self) -> None:
        self.object.close()


def weighted_terms_query(weights: dict[str, float], field: str = "contents"):
    """A Lucene query that adds up each term's BM25 score times its weight (boosted term
    queries, each one SHOULD match)."""
    utils, term, term_query, boost_query = _query_classes()
    builder, should = utils.getBooleanQueryBuilder(), utils.getBooleanClauseShould()
    for text, weight in weights.items():
        builder.add(boost_query(term_query(term(field, text)), weight), should)
    return builder.build()


@lru_cache(maxsize=1)
def _query_classes():
    """The Java classes of `weighted_terms_query`, looked up once per process (it runs per query)."""
    ensure_jvm()
    from jnius import autoclass

    return (autoclass("io.anserini.search.query.QueryGeneratorUtils"), autoclass("org.apache.lucene.index.Term"),
            autoclass("org.apache.lucene.search.TermQuery"), autoclass("org.apache.lucene.search.BoostQuery"))
