"""A plugin that fails on purpose, loaded as `module:attr`, to test interrupted runs."""

import os

from clirbench.plugins.bm25s_retriever import Bm25sRetriever


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
