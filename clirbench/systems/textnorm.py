"""Language-aware normalisation and tokenisation for lexical retrieval.

Lucene has no analyzer for many low-resource languages (it splits Swahili, Somali, Yoruba
and Hausa on whitespace only, keeping case and punctuation), and bm25s's default regex keeps
whole runs of Chinese characters as one token. Both BM25 back-ends call this module there.

How each language is analysed follows from its script (clirbench.core.languages):
- Scripts written without spaces between words that ICU has a dictionary for (Thai, Lao,
  Khmer, Myanmar, Japanese: the languages flagged `segment`, Shan as well as Burmese) are split
  into words by ICU's dictionary-based word breaker (icu4py, which bundles ICU's data), as
  Lucene's ICUTokenizer does; a regex alone would keep a whole Thai phrase as one token.
- Han and Hangul runs become overlapping character bigrams, in any language (CJKAnalyzer's way).
- Scripts written without spaces that no dictionary here knows (Balinese, Javanese, Buginese,
  Tai Tham, New Tai Lue, Yi), in the languages written in them (`ngrams`: Javanese in Latin
  too), fall back to overlapping bigrams of characters (grapheme clusters, so that a vowel sign
  stays with its consonant): a phrase is never one token.
- Every other script is cut at what is not a word character: spaces, punctuation, and marks
  such as Tibetan's syllable separator (tsheg), which makes Tibetan tokens syllables, and
  Ethiopic's wordspace (፡).
"""

import re
import unicodedata
from functools import lru_cache

import regex

from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language

# Bump when tokens change: it is part of the BM25 plugins' parameters, so cached indexes are rebuilt.
# 3: ICU word segmentation for th, lo, km, my and ja (ja was character bigrams before).
TOKENISER_VERSION = 3

# `regex`'s \w includes combining marks (Unicode TR#18); `re`'s splits Hindi and Thai words
# at their vowel signs. A plain \w+ is also faster than a class naming \p{M}.
_WORD = regex.compile(r"\w+")
# Han, Hiragana, Katakana and Hangul syllables: scripts written without word spaces.
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def normalise(text: str, lang: str) -> str:
    """NFKC, case-folded; tone marks stripped for languages that write them inconsistently."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if language(lang).strip_marks:
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        )
    return text


def _cjk_bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


_GRAPHEME = regex.compile(r"\X")
# Scripts without spaces that no word breaker here knows (languages.py's `ngrams`).
_NO_SPACE_SCRIPT = regex.compile(r"[\p{sc=Bali}\p{sc=Bugi}\p{sc=Java}\p{sc=Lana}\p{sc=Talu}\p{sc=Yiii}]")


def _grapheme_bigrams(word: str) -> list[str]:
    chars = _GRAPHEME.findall(word)
    return ["".join(chars[i : i + 2]) for i in range(max(1, len(chars) - 1))]


@lru_cache(maxsize=None)
def _word_breaker():
    try:
        from icu4py.breakers import WordBreaker
    except ImportError:
        raise ClirbenchError("word segmentation of Thai, Lao, Khmer, Myanmar and Japanese script needs the icu4py package",
                             "run `make setup`, or `pip install icu4py` (in clirbench's lucene and bm25s extras)") from None
    return WordBreaker


def _segmented_words(text: str, lang: str) -> list[str]:
    """Words of text in a script written without spaces, split by ICU's word breaker for
    `lang`, then normalised one by one; each segment keeps only its word characters, as the
    regex path does (spaces and punctuation go, Latin text tokenises as it would elsewhere).

    ICU segments the NFC text, not the NFKC one: NFKC decomposes Thai SARA AM (ำ) and Lao
    AM and ligatures (ຳ, ໜ, ໝ), which ICU's dictionaries do not know, so "ทำงาน" would break
    into "ทํ", "า", "งาน" (and "ໜັກ" into "ຫ", "ນັກ")."""
    tokens: list[str] = []
    for segment in _word_breaker()(unicodedata.normalize("NFC", text), lang):
        tokens.extend(_WORD.findall(normalise(segment, lang)))
    return tokens


def tokenise(text: str, lang: str) -> list[str]:
    """Word tokens of normalised text. Languages written without spaces (`segment`) are split
    into words by ICU. Elsewhere, runs of CJK characters become overlapping bigrams (as
    Lucene's CJKAnalyzer does), whatever the declared language, so that a Chinese name
    inside an English query can still match a Chinese document; in the languages flagged
    `ngrams`, so do words in a script without spaces that no word breaker knows."""
    analysis = language(lang)
    if analysis.segment:
        return _segmented_words(text, lang)
    tokens = _words(normalise(text, lang))
    if analysis.ngrams:
        return [gram for token in tokens
                for gram in (_grapheme_bigrams(token) if _NO_SPACE_SCRIPT.search(token) else [token])]
    return tokens


def _words(text: str) -> list[str]:
    if not _CJK_RUN.search(text):  # the common case, and the fast one
        return _WORD.findall(text)
    tokens: list[str] = []
    for word in _WORD.findall(text):
        pos = 0
        for m in _CJK_RUN.finditer(word):
            if m.start() > pos:
                tokens.append(word[pos : m.start()])
            tokens.extend(_cjk_bigrams(m.group()))
            pos = m.end()
        if pos < len(word):
            tokens.append(word[pos:])
    return tokens


@lru_cache(maxsize=None)
def snowball_stemmer(name: str):
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer(name)


def stemmed_token_ids(texts, lang: str) -> tuple[list[list[int]], dict[str, int]]:
    """Stemmed tokens of many texts as ids into a vocabulary (stem -> id).

    Each distinct word is stemmed once, in one call: stemming token by token costs more
    than tokenising (measured on the MLQA-R English pool: 0.13 s of 0.18 s)."""
    tokens = [tokenise(text, lang) for text in texts]
    words = list(set().union(*tokens))
    snowball = language(lang).snowball
    stems = snowball_stemmer(snowball).stemWords(words) if snowball else words
    vocab: dict[str, int] = {}
    word_ids = {word: vocab.setdefault(stem, len(vocab)) for word, stem in zip(words, stems)}
    return [list(map(word_ids.__getitem__, t)) for t in tokens], vocab


def stemmed_tokens(text: str, lang: str) -> list[str]:
    """Tokens stemmed with the language's Snowball stemmer where one exists."""
    tokens = tokenise(text, lang)
    snowball = language(lang).snowball
    if snowball is None:
        return tokens
    return snowball_stemmer(snowball).stemWords(tokens)
