"""Which pairs and systems a leaderboard shows: filters by query language, document language,
resource class, script and system kind, and a search for a language by name or code. One rule
for the app (and any caller of clirbench.leaderboard): a filtered file is a copy of the results
that keeps only the pairs that pass, so every table, average and test sees the same pairs.

A pair's resource class is its less-resourced side's (Joshi et al.'s 0-5, as the task's pairs
have it: `pair_resource_class`); a language the table lacks has class None ("unknown"). The
script filter keeps a pair where either side is written in a chosen script. Languages sort by
resource class, highest first, then by code: the order of every axis of 205 languages."""

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language, pair_resource_class
from clirbench.eval.results import ResultsFile

UNKNOWN_CLASS = -1  # how a filter names class None (a language outside Joshi et al.'s table)


@dataclass(frozen=True)
class LanguageFacts:
    code: str
    name: str
    script: str
    resource_class: int | None


@lru_cache(maxsize=4096)
def facts(code: str) -> LanguageFacts:
    """Name, script and resource class of a language code as a results file writes it; a code
    clirbench cannot read (a pool's `multi`, a typo in an old file) keeps its code as its name."""
    try:
        lang = language(code)
    except ClirbenchError:
        return LanguageFacts(code, code, "Zzzz", None)
    return LanguageFacts(code, lang.name, lang.script, lang.resource_class)


@lru_cache(maxsize=65536)
def pair_class(query_lang: str, doc_lang: str) -> int | None:
    try:
        return pair_resource_class(query_lang, doc_lang)
    except ClirbenchError:
        return None


def language_order(codes) -> list[str]:
    """Codes sorted by resource class (highest first, unknown last), then by code."""
    def key(code: str):
        c = facts(code).resource_class
        return (-(c if c is not None else UNKNOWN_CLASS), code)
    return sorted(set(codes), key=key)


def language_table(codes) -> pd.DataFrame:
    """One row per language: code, name, script, resource class (in `language_order`)."""
    rows = [facts(c) for c in language_order(codes)]
    return pd.DataFrame([{"code": f.code, "name": f.name, "script": f.script,
                          "resource class": f.resource_class} for f in rows],
                        columns=["code", "name", "script", "resource class"]).astype({"resource class": "Int64"})


def search_languages(codes, text: str) -> list[str]:
    """The codes whose code or English name contains `text` (case-insensitive; empty: none), an
    exact code first: `sw`, `swh`, `Swahili` and `swah` all find swh_Latn."""
    needle = text.strip().casefold()
    if not needle:
        return []
    found = [c for c in language_order(codes)
             if needle in c.casefold() or needle in facts(c).name.casefold()
             or needle == c.split("_")[0].casefold()]
    return sorted(found, key=lambda c: (c.casefold().split("_")[0] != needle and c.casefold() != needle))


@dataclass(frozen=True)
class PairFilter:
    """What to keep; an empty selection keeps everything on that axis."""

    query_langs: frozenset[str] = field(default_factory=frozenset)
    doc_langs: frozenset[str] = field(default_factory=frozenset)
    classes: frozenset[int] = field(default_factory=frozenset)  # UNKNOWN_CLASS for None
    scripts: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)  # retriever, encoder, fusion
    either_lang: frozenset[str] = field(default_factory=frozenset)  # a searched language on either side

    @property
    def active(self) -> bool:
        return any((self.query_langs, self.doc_langs, self.classes, self.scripts, self.kinds, self.either_lang))

    def keeps(self, query_lang: str, doc_lang: str) -> bool:
        if self.query_langs and query_lang not in self.query_langs:
            return False
        if self.doc_langs and doc_lang not in self.doc_langs:
            return False
        if self.either_lang and not {query_lang, doc_lang} & self.either_lang:
            return False
        if self.classes:
            c = pair_class(query_lang, doc_lang)
            if (UNKNOWN_CLASS if c is None else c) not in self.classes:
                return False
        if self.scripts and not {facts(query_lang).script, facts(doc_lang).script} & self.scripts:
            return False
        return True


def apply_filter(results: list[ResultsFile], chosen: PairFilter) -> list[ResultsFile]:
    """The systems of the chosen kinds, each keeping only the pairs that pass (a system left with
    no pair is left out). Unfiltered files are returned as they are (no copy)."""
    if not chosen.active:
        return list(results)
    out = []
    for r in results:
        if chosen.kinds and r.model.kind not in chosen.kinds:
            continue
        pairs = {k: p for k, p in r.pairs.items() if chosen.keeps(p.query_lang, p.doc_lang)}
        if pairs:
            out.append(r if len(pairs) == len(r.pairs) else r.model_copy(update={"pairs": pairs}))
    return out


def options(results: list[ResultsFile]) -> dict[str, list]:
    """What the filters can offer: the languages on each side, the classes and scripts of the
    pairs, and the system kinds, as they occur in `results`."""
    queries, docs, classes, scripts = set(), set(), set(), set()
    for r in results:
        for p in r.pairs.values():
            queries.add(p.query_lang)
            docs.add(p.doc_lang)
            c = pair_class(p.query_lang, p.doc_lang)
            classes.add(UNKNOWN_CLASS if c is None else c)
            scripts.update({facts(p.query_lang).script, facts(p.doc_lang).script})
    return {"query": language_order(queries), "doc": language_order(docs), "classes": sorted(classes, reverse=True),
            "scripts": sorted(scripts), "kinds": sorted({r.model.kind for r in results})}
