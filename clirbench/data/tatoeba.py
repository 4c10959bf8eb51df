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
from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel

from clirbench.core.errors import ClirbenchError
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


class _TatoebaFiles:
    """What clirbench.data.availability asks a handler: the source files it reads (both
    sides: they are checked against each other)."""

    _lang: str

    def pinned_files(self) -> list[tuple[PinnedSource, str]]:
        return [(SOURCE, side_file(self._lang, side)) for side in (self._lang, ENGLISH)]


class TatoebaDocs(_TatoebaFiles, BaseDocs):
    """One side of one language's test set; doc ids `{side}-{line}`."""

    def __init__(self, lang: str, side: str):
        self._lang, self._side = lang, side

    def docs_iter(self):
        for i, text in enumerate(_checked_sides(self._lang)[self._side == ENGLISH]):
            yield GenericDoc(f"{self._side}-{i}", text)

    def docs_count(self):
        return len(lines(self._lang, self._side))

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return f"clirbench/tatoeba/{self._lang}-eng/{self._side}"

    def docs_lang(self):
        return self._side


class TatoebaQueries(_TatoebaFiles, BaseQueries):
    def __init__(self, lang: str, side: str):
        self._lang, self._side = lang, side

    def queries_iter(self):
        for i, text in enumerate(_checked_sides(self._lang)[self._side == ENGLISH]):
            yield GenericQuery(str(i), text)

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return f"clirbench/tatoeba/{self._lang}-eng/{self._side}"

    def queries_lang(self):
        return self._side


class TatoebaQrels(_TatoebaFiles, BaseQrels):
    def __init__(self, lang: str, doc_side: str):
        self._lang, self._doc_side = lang, doc_side

    def qrels_iter(self):
        for i in range(len(_checked_sides(self._lang)[0])):
            yield TrecQrel(str(i), f"{self._doc_side}-{i}", 1, "0")

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {1: "the aligned translation of the query sentence"}


def register() -> None:
    for lang in languages():
        for query_side, doc_side in ((lang, ENGLISH), (ENGLISH, lang)):
            ir_datasets.registry.register(
                f"clirbench/tatoeba/{query_side}-{doc_side}",
                ir_datasets.Dataset(TatoebaDocs(lang, doc_side), TatoebaQueries(lang, query_side),
                                    TatoebaQrels(lang, doc_side)))
