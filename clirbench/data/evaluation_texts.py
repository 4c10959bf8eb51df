"""Every text of an evaluation split, normalised, so that no training pair can hold one.

Ids do not catch a leak: the same sentence recurs under other ids (AfriQA asks "When was the
great wall of China built?" in its train and test splits; five FLORES-200 train sentences
equal test sentences in some language; two NTREX-128 lines are Tatoeba test sentences).
So training sources are checked by text against these splits, as far as their files are here:
MLQA-R (questions and candidates), AfriQA test (questions, translations, passages),
FLORES-200 test (SIB-200) and Tatoeba (both sides).
"""

import re
import unicodedata
from functools import lru_cache

from clirbench.data import afriqa, flores, lareqa, tatoeba

_SPACE = re.compile(r"\s+")


def normalised(text: str) -> str:
    """NFKC, case-folded, white space collapsed: the form texts are compared in."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _mlqa_r():
    for lang in lareqa.MLQA_R.langs:
        if lareqa.MLQA_R.source.present(f"{lang}.json"):
            parsed = lareqa.parsed(lareqa.MLQA_R, lang)
            yield from parsed.questions.values()
            yield from (text for _, text in parsed.sentences)


def _afriqa_test():
    for lang in afriqa.PIVOTS:
        if all(afriqa.SOURCE.present(f) for f in afriqa.files(lang, "test")):
            split = afriqa.load_split(lang, "test")
            for q in split.questions.values():
                yield q.text
                yield q.translation
            yield from split.passages.values()


def _flores_test():
    for lang in flores.languages():
        if flores.SOURCE.present(flores.split_file(lang, "test")):
            yield from flores.sentences(lang, "test").values()


def _tatoeba():
    for lang in tatoeba.languages():
        for side in (lang, tatoeba.ENGLISH):
            if tatoeba.SOURCE.present(tatoeba.side_file(lang, side)):
                yield from tatoeba.lines(lang, side)


SOURCES = {"mlqa-r": _mlqa_r, "afriqa test": _afriqa_test, "flores-200 test": _flores_test, "tatoeba": _tatoeba}


@lru_cache(maxsize=1)
def evaluation_texts() -> frozenset[str]:
    """The normalised texts of every evaluation split whose files are here (about 10 s)."""
    return frozenset(normalised(text) for read in SOURCES.values() for text in read() if text.strip())
