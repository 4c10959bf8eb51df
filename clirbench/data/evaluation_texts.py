"""Every text of an evaluation split, normalised, so that no training pair can hold one.

Ids do not catch a leak: the same sentence recurs under other ids (AfriQA asks "When was the
great wall of China built?" in its train and test splits; five FLORES-200 train sentences
equal test sentences in some language; two NTREX-128 lines are Tatoeba test sentences).
So training sources are checked by text against these splits, as far as their files are here
(`held_out()` says which are): MLQA-R (questions and candidates), AfriQA test and dev
(questions, translations, passages: dev is for selection, so it never trains either),
FLORES-200 test and dev (SIB-200) and Tatoeba (both sides).
"""

import unicodedata
from functools import lru_cache

from clirbench.data import afriqa, flores, lareqa, tatoeba, verify


def normalised(text: str) -> str:
    """NFKC, case-folded, white space collapsed: the form texts are compared in."""
    # split() splits on exactly the characters regex \s matches (str.isspace), 3x faster.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _mlqa_r():
    for lang in lareqa.MLQA_R.langs:
        if lareqa.MLQA_R.source.present(f"{lang}.json"):
            parsed = lareqa.parsed(lareqa.MLQA_R, lang)
            yield from parsed.questions.values()
            yield from (text for _, text in parsed.sentences)


def _afriqa(split_name: str):
    def read():
        for lang in afriqa.PIVOTS:
            if all(afriqa.SOURCE.present(f) for f in afriqa.files(lang, split_name)):
                split = afriqa.load_split(lang, split_name)
                for q in split.questions.values():
                    yield q.text
                    yield q.translation
                yield from split.passages.values()
    return read


def _flores(split: str):
    def read():
        for lang in flores.languages():
            if flores.SOURCE.present(flores.split_file(lang, split)):
                yield from flores.sentences(lang, split).values()
    return read


def _tatoeba():
    for lang in tatoeba.languages():
        for side in (lang, tatoeba.ENGLISH):
            if tatoeba.SOURCE.present(tatoeba.side_file(lang, side)):
                yield from tatoeba.lines(lang, side)


SOURCES = {"mlqa-r": _mlqa_r, "afriqa test": _afriqa("test"), "afriqa dev": _afriqa("dev"),
           "flores-200 test": _flores("test"), "flores-200 dev": _flores("dev"), "tatoeba": _tatoeba}


def _files_here() -> dict[str, tuple[int, int]]:
    """Per source of evaluation texts: (files here, files the source has)."""
    def count(source, paths):
        paths = list(paths)
        return sum(source.present(p) for p in paths), len(paths)

    lareqa_files = [f"{lang}.json" for lang in lareqa.MLQA_R.langs]
    afriqa_files = {split: [f for lang in afriqa.PIVOTS for f in afriqa.files(lang, split)] for split in ("test", "dev")}
    flores_files = {split: [flores.split_file(lang, split) for lang in flores.languages()] for split in ("test", "dev")}
    tatoeba_files = [tatoeba.side_file(lang, side) for lang in tatoeba.languages() for side in (lang, tatoeba.ENGLISH)]
    return {"mlqa-r": count(lareqa.MLQA_R.source, lareqa_files),
            "afriqa test": count(afriqa.SOURCE, afriqa_files["test"]),
            "afriqa dev": count(afriqa.SOURCE, afriqa_files["dev"]),
            "flores-200 test": count(flores.SOURCE, flores_files["test"]),
            "flores-200 dev": count(flores.SOURCE, flores_files["dev"]),
            "tatoeba": count(tatoeba.SOURCE, tatoeba_files)}


def held_out() -> dict[str, str]:
    """What the check covers on this machine: per source, `files here / files of the source`.
    A file that is not here is not checked: a student's manifest records this."""
    return {name: f"{here} / {total} files" for name, (here, total) in _files_here().items()}


@lru_cache(maxsize=1)
def evaluation_texts() -> frozenset[str]:
    """The normalised texts of every evaluation split whose files are here (about 10 s)."""
    with verify.record_at_end():  # about 1,300 files checked
        return frozenset(normalised(text) for read in SOURCES.values() for text in read() if text.strip())
