"""A plugin that fails on purpose, loaded as `module:attr`, to test interrupted runs."""

import os

from clirbench.systems.bm25s_retriever import Bm25sRetriever


class FailsOnPair(Bm25sRetriever):
    """bm25s that raises while searching the query language named by $FAIL_ON_QUERY_LANG."""

    def open_index(self, index_dir, doc_lang):
        index = super().open_index(index_dir, doc_lang)
        search = index.search

        def failing_search(queries, query_lang, k):
            if query_lang == os.environ.get("FAIL_ON_QUERY_LANG"):
                raise RuntimeError("simulated crash")
            return search(queries, query_lang, k)

        index.search = failing_search
        return index


class NotAPlugin:
    pass


# Dense encoders that break the contract, one way each, and one that counts its calls.

import numpy as np  # noqa: E402

from clirbench.core.contract import Encoder, ModelMeta  # noqa: E402


class _TestEncoder(Encoder):
    """Bag of letters: 26 counts, L2-normalised; a real (weak) encoder for the runner's tests."""

    def __init__(self):
        self.meta = ModelMeta(name=type(self).__name__.lower(), kind="encoder")

    def vectors(self, texts):
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)

    def encode_queries(self, texts, lang):
        return self.vectors(texts)

    def encode_documents(self, texts, lang):
        return self.vectors(texts)


class CountingEncoder(_TestEncoder):
    """Appends one line per text it encodes to the file $ENCODE_LOG: "<role> <lang>"."""

    def _log(self, role, texts, lang):
        with open(os.environ["ENCODE_LOG"], "a") as f:
            f.writelines(f"{role} {lang}\n" for _ in texts)

    def encode_queries(self, texts, lang):
        self._log("query", texts, lang)
        if os.environ.get("FAIL_ON_QUERY_LANG") == lang:
            raise RuntimeError("simulated crash")
        return self.vectors(texts)

    def encode_documents(self, texts, lang):
        self._log("doc", texts, lang)
        return self.vectors(texts)


class WrongRows(_TestEncoder):
    def encode_documents(self, texts, lang):
        return self.vectors(texts)[:-1]


class Float64(_TestEncoder):
    def encode_documents(self, texts, lang):
        return self.vectors(texts).astype(np.float64)


class NaNs(_TestEncoder):
    def encode_documents(self, texts, lang):
        v = self.vectors(texts)
        v[0, 0] = np.nan
        return v


class OneDimensional(_TestEncoder):
    def encode_documents(self, texts, lang):
        return self.vectors(texts)[:, 0]


class QueriesOtherSize(_TestEncoder):
    def encode_queries(self, texts, lang):
        return np.ones((len(texts), 8), dtype=np.float32)


class Raises(_TestEncoder):
    def encode_documents(self, texts, lang):
        raise ValueError("tokenizer exploded")


# Retrievers for the runner's tests: one that logs each index build, and plugins whose
# constructors fail in the two ways a settings file must tell apart.

import time  # noqa: E402

from clirbench.systems.bm25s_retriever import Bm25sRetriever as _Bm25s  # noqa: E402


class CountingBm25s(_Bm25s):
    """bm25s that appends "<doc_lang>" to $BUILD_LOG for every index it builds, after
    sleeping $BUILD_SLEEP seconds (to make two processes' builds overlap)."""

    def build_index(self, docs, doc_lang, index_dir):
        time.sleep(float(os.environ.get("BUILD_SLEEP", "0")))
        with open(os.environ["BUILD_LOG"], "a") as f:
            f.write(f"{doc_lang}\n")
        super().build_index(docs, doc_lang, index_dir)


class UnknownLibrary(_Bm25s):
    libraries = ("no-such-distribution-anywhere",)


class BrokenConstructor(_Bm25s):
    def __init__(self, k1: float = 0.9):
        super().__init__(k1)
        raise TypeError("a bug inside the plugin, not a bad setting")
