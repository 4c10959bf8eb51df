"""The toy collection (en, de, sw, yo) shipped with clirbench, registered as
`clirbench/toy/{d}` (documents) and `clirbench/toy/{q}-{d}` (documents, queries, qrels)."""

from pathlib import Path

import ir_datasets
from ir_datasets.formats import TrecQrels, TsvDocs, TsvQueries
from ir_datasets.util import LocalDownload

FILES = Path(__file__).parent / "toy_collection"
LANGS = ["de", "en", "sw", "yo"]


def _file(name: str) -> LocalDownload:
    return LocalDownload(FILES / name, mkdir=False)


def register() -> None:
    for d in LANGS:
        docs = TsvDocs(_file(f"docs.{d}.tsv"), namespace=f"clirbench/toy/{d}", lang=d)
        ir_datasets.registry.register(f"clirbench/toy/{d}", ir_datasets.Dataset(docs))
        qrels = TrecQrels(_file(f"qrels.{d}.txt"), {1: "the passage answers the question"})
        for q in LANGS:
            queries = TsvQueries(_file(f"queries.{q}.tsv"), namespace=f"clirbench/toy/{q}", lang=q)
            ir_datasets.registry.register(f"clirbench/toy/{q}-{d}", ir_datasets.Dataset(docs, queries, qrels))
