"""ir_datasets handlers over functions: clirbench's collections (AfriQA, FLORES-200, Tatoeba)
each say how to read their documents, queries and qrels, and these classes make them what
ir_datasets and clirbench.data.availability expect. The functions are called on use, so a
dataset registers without reading a file."""

from collections.abc import Callable, Iterable

from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel

from clirbench.data.pinned import PinnedSource

Files = Callable[[], list[tuple[PinnedSource, str]]]


class _Pinned:
    """What clirbench.data.availability asks a handler: the source files it reads."""

    def __init__(self, files: Files):
        self._files = files

    def pinned_files(self) -> list[tuple[PinnedSource, str]]:
        return self._files()


class TextDocs(_Pinned, BaseDocs):
    def __init__(self, read: Callable[[], Iterable[tuple[str, str]]], namespace: str, lang: str, files: Files):
        super().__init__(files)
        self._read, self._namespace, self._lang = read, namespace, lang

    def docs_iter(self):
        for doc_id, text in self._read():
            yield GenericDoc(doc_id, text)

    def docs_count(self):
        return sum(1 for _ in self._read())

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return self._namespace

    def docs_lang(self):
        return self._lang


class TextQueries(_Pinned, BaseQueries):
    def __init__(self, read: Callable[[], Iterable[tuple[str, str]]], namespace: str, lang: str, files: Files):
        super().__init__(files)
        self._read, self._namespace, self._lang = read, namespace, lang

    def queries_iter(self):
        for query_id, text in self._read():
            yield GenericQuery(query_id, text)

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return self._namespace

    def queries_lang(self):
        return self._lang


class BinaryQrels(_Pinned, BaseQrels):
    """Relevance 1 for each (query id, doc id) the function yields."""

    def __init__(self, read: Callable[[], Iterable[tuple[str, str]]], definition: str, files: Files):
        super().__init__(files)
        self._read, self._definition = read, definition

    def qrels_iter(self):
        for query_id, doc_id in self._read():
            yield TrecQrel(query_id, doc_id, 1, "0")

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {1: self._definition}
