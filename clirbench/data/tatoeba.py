"""Tatoeba: LASER's sentence-retrieval test sets (Artetxe & Schwenk 2019, arXiv 1812.10464),
up to 1,000 sentence pairs with English in 112 languages (ISO 639-3 codes).

Line i of `tatoeba.{x}-eng.{x}` translates line i of `tatoeba.{x}-eng.eng`. The English side
differs from language to language, so each language is a collection of its own, searched in
both directions:
- `clirbench/tatoeba/{x}-eng`: x's sentences as queries against that file's English sentences;
- `clirbench/tatoeba/eng-{x}`: the English sentences as queries against x's.
The relevant document is the aligned line only, as LASER and MTEB score it: a sentence whose
text occurs twice on the other side is right only at its own line.
"""

from functools import lru_cache

import ir_datasets
from clirbench.core.errors import ClirbenchError
from clirbench.data.handlers import BinaryQrels, TextDocs, TextQueries
from clirbench.data.pinned import PinnedSource, read_md5sums

COMMIT = "74bc6ae7ffb7cba670fe0f428d0ede9f666fb821"
SOURCE = PinnedSource("tatoeba", "tatoeba", f"https://raw.githubusercontent.com/facebookresearch/LASER/{COMMIT}")
ENGLISH = "eng"


def side_file(lang: str, side: str) -> str:
    """The file of `lang`'s test set holding the `side` language (lang or eng)."""
    return f"data/tatoeba/v1/tatoeba.{lang}-eng.{side}"


@lru_cache(maxsize=1)
def languages() -> list[str]:
    """The 112 languages of the source, from its checksums: present here or not."""
    return sorted({path.rsplit(".", 2)[1].split("-")[0] for path in read_md5sums(SOURCE.name)})


@lru_cache(maxsize=256)
def lines(lang: str, side: str) -> list[str]:
    """The sentences of one side of `lang`'s test set, line by line."""
    if not SOURCE.known(side_file(lang, side)):
        raise ClirbenchError(f"Tatoeba has no test set {lang}-eng", f"languages: {', '.join(languages())}")
    path = SOURCE.file(side_file(lang, side))
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").strip() for line in f]


def _checked_sides(lang: str) -> tuple[list[str], list[str]]:
    foreign, english = lines(lang, lang), lines(lang, ENGLISH)
    if len(foreign) != len(english):
        raise ClirbenchError(f"Tatoeba {lang}-eng: {len(foreign)} lines in the {lang} file, {len(english)} in the "
                             "English one", "the files must be line-aligned: fetch both again from their source")
    return foreign, english


def _dataset(lang: str, query_side: str, doc_side: str) -> ir_datasets.Dataset:
    """One direction of `lang`'s test set: line i of the query side against every line of the
    document side (doc ids `{side}-{line}`); line i of the document side is relevant."""
    def side(name):
        return _checked_sides(lang)[name == ENGLISH]

    def files():
        return [(SOURCE, side_file(lang, s)) for s in (lang, ENGLISH)]  # checked against each other

    namespace = f"clirbench/tatoeba/{lang}-eng"
    return ir_datasets.Dataset(
        TextDocs(lambda: ((f"{doc_side}-{i}", t) for i, t in enumerate(side(doc_side))), f"{namespace}/{doc_side}",
                 doc_side, files),
        TextQueries(lambda: ((str(i), t) for i, t in enumerate(side(query_side))), f"{namespace}/{query_side}",
                    query_side, files),
        BinaryQrels(lambda: ((str(i), f"{doc_side}-{i}") for i in range(len(side(doc_side)))),
                    "the aligned translation of the query sentence", files))


def register() -> None:
    for lang in languages():
        for query_side, doc_side in ((lang, ENGLISH), (ENGLISH, lang)):
            ir_datasets.registry.register(f"clirbench/tatoeba/{query_side}-{doc_side}",
                                          _dataset(lang, query_side, doc_side))
