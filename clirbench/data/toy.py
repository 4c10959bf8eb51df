"""The toy collection (en, de, sw, yo) shipped with clirbench, registered as
`clirbench/toy/{d}` (documents) and `clirbench/toy/{q}-{d}` (documents, queries, qrels);
`clirbench/toy/multi` is the pool of all four languages' passages and `clirbench/toy/{q}-multi`
asks the questions of q against it (relevant: the answer passage in every language)."""

from pathlib import Path

import ir_datasets
from ir_datasets.formats import BaseDocs, BaseQrels, TrecQrels, TsvDocs, TsvQueries
from ir_datasets.util import LocalDownload

FILES = Path(__file__).parent / "toy_collection"
LANGS = ["de", "en", "sw", "yo"]


def _file(name: str) -> LocalDownload:
    return LocalDownload(FILES / name, mkdir=False)


class _ConcatDocs(BaseDocs):
    """The documents of several collections, one after another."""

    def __init__(self, parts: list[BaseDocs]):
        self._parts = parts

    def docs_iter(self):
        for part in self._parts:
            yield from part.docs_iter()

    def docs_count(self):
        counts = [part.docs_count() for part in self._parts]
        return None if None in counts else sum(counts)

    def docs_cls(self):
        return self._parts[0].docs_cls()


class _ConcatQrels(BaseQrels):
    """The judgements of several qrels files, one after another."""

    def __init__(self, parts: list[BaseQrels]):
        self._parts = parts

    def qrels_iter(self):
        for part in self._parts:
            yield from part.qrels_iter()

    def qrels_cls(self):
        return self._parts[0].qrels_cls()

    def qrels_defs(self):
        return self._parts[0].qrels_defs()


def register() -> None:
    for d in LANGS:
        docs = TsvDocs(_file(f"docs.{d}.tsv"), namespace=f"clirbench/toy/{d}", lang=d)
        ir_datasets.registry.register(f"clirbench/toy/{d}", ir_datasets.Dataset(docs))
        qrels = TrecQrels(_file(f"qrels.{d}.txt"), {1: "the passage answers the question"})
        for q in LANGS:
            queries = TsvQueries(_file(f"queries.{q}.tsv"), namespace=f"clirbench/toy/{q}", lang=q)
            ir_datasets.registry.register(f"clirbench/toy/{q}-{d}", ir_datasets.Dataset(docs, queries, qrels))
    pool_docs = _ConcatDocs([TsvDocs(_file(f"docs.{d}.tsv"), namespace=f"clirbench/toy/{d}", lang=d) for d in LANGS])
    pool_qrels = _ConcatQrels([TrecQrels(_file(f"qrels.{d}.txt"), {1: "the passage answers the question"})
                                for d in LANGS])
    ir_datasets.registry.register("clirbench/toy/multi", ir_datasets.Dataset(pool_docs))
    for q in LANGS:
        queries = TsvQueries(_file(f"queries.{q}.tsv"), namespace=f"clirbench/toy/{q}", lang=q)
        ir_datasets.registry.register(f"clirbench/toy/{q}-multi", ir_datasets.Dataset(pool_docs, queries, pool_qrels))
