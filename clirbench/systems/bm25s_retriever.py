"""BM25 in pure Python with bm25s (no Java), scored like Lucene (k1=0.9, b=0.4).

Both documents and queries are tokenised by clirbench's normaliser (scripts written without
spaces, such as Thai, are split into words by ICU first) and stemmed with the document
language's Snowball stemmer where one exists.
"""

import json
from collections.abc import Iterable
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.core.contract import Ranking, Retriever, SearchIndex, SystemSpec, missing_packages
from clirbench.systems.textnorm import TOKENISER_VERSION, stemmed_token_ids, stemmed_tokens


def _bm25s():
    try:
        import bm25s
    except ImportError:
        raise ClirbenchError("the bm25s plugin needs the bm25s package",
                             "run `make setup`, or `pip install 'clirbench[bm25s]'`") from None
    return bm25s


class _Bm25sIndex(SearchIndex):
    def __init__(self, index_dir: Path, doc_lang: str):
        self._doc_lang = doc_lang
        self._model = _bm25s().BM25.load(str(index_dir), mmap=True, show_progress=False)
        self._doc_ids = json.loads((index_dir / "doc_ids.json").read_text())

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        # A language's own index stems queries as its documents; a mixed index, as the query's language.
        stem_as = self._doc_lang or query_lang
        tokens = [stemmed_tokens(text, stem_as) for _, text in queries]
        k = min(k, len(self._doc_ids))
        docs, scores = self._model.retrieve(tokens, k=k, show_progress=False, n_threads=0)
        out: dict[str, Ranking] = {}
        ids = self._doc_ids
        # tolist(): one conversion per row instead of a numpy scalar per hit.
        for (qid, _), row, row_scores in zip(queries, docs.tolist(), scores.tolist()):
            # bm25s pads with zero-score documents: those matched no query term.
            out[qid] = [(ids[d], s) for d, s in zip(row, row_scores) if s > 0]
        return out


class Bm25sRetriever(Retriever):
    spec = SystemSpec("retriever", "BM25 in pure Python (bm25s, Lucene scoring), Snowball stemming of the document language",
                      name="bm25s", training_data=[],  # nothing learned
                      unavailable=lambda: missing_packages("bm25s", "Stemmer"))

    def __init__(self, k1: float = 0.9, b: float = 0.4):
        self.k1, self.b = k1, b
        self.meta = Bm25sRetriever.spec.meta(
            parameters={"k1": k1, "b": b, "method": "lucene", "backend": "bm25s", "tokeniser": TOKENISER_VERSION},
            license="MIT",
            source="https://github.com/xhluca/bm25s",
        )

    def build_index(self, docs: Iterable[tuple[str, str]], doc_lang: str, index_dir: Path) -> None:
        doc_ids: list[str] = []

        def texts():
            for doc_id, text in docs:
                doc_ids.append(doc_id)
                yield text

        self._save(stemmed_token_ids(texts(), doc_lang), doc_ids, index_dir)

    # The multilingual pool: one index, one set of statistics for every language, each
    # document stemmed as its own language (see LuceneBM25).
    pool_search = "mixed"

    def build_mixed_index(self, docs: Iterable[tuple[str, str, str]], index_dir: Path) -> None:
        doc_ids: list[str] = []
        vocab: dict[str, int] = {}
        ids: list[list[int]] = []
        for doc_id, text, lang in docs:
            doc_ids.append(doc_id)
            ids.append([vocab.setdefault(stem, len(vocab)) for stem in stemmed_tokens(text, lang)])
        self._save((ids, vocab), doc_ids, index_dir)

    def open_mixed_index(self, index_dir: Path) -> SearchIndex:
        return _Bm25sIndex(index_dir, "")

    def _save(self, token_ids: tuple[list[list[int]], dict[str, int]], doc_ids: list[str], index_dir: Path) -> None:
        bm25s = _bm25s()
        corpus = bm25s.tokenization.Tokenized(*token_ids)
        model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        model.index(corpus, show_progress=False)
        model.save(str(index_dir), show_progress=False)
        (index_dir / "doc_ids.json").write_text(json.dumps(doc_ids))

    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        return _Bm25sIndex(index_dir, doc_lang)
