"""Dictionary-based query translation, structured-query style (Pirkola 1998): each query term
keeps its weight, shared equally by its (at most k) translations; a term the dictionary does
not know is kept as it is (names and numbers often match across languages)."""

from collections.abc import Callable

from clirbench.core.languages import language
from clirbench.systems.textnorm import snowball_stemmer, tokenise
from clirbench.systems.translation.freedict import FreeDict


def lookup(dictionary: FreeDict, word: str, lang: str) -> list[str]:
    """Translations of `word`, trying its Snowball stem when the word itself is not a headword."""
    found = dictionary.translations(word)
    if not found and (snowball := language(lang).snowball):
        stem = snowball_stemmer(snowball).stemWord(word)
        if stem != word:
            found = dictionary.translations(stem)
    return found


def translate_query(text: str, src: str, dictionary: FreeDict, k: int = 3,
                    is_stopword: Callable[[str], bool] = lambda word: False) -> list[tuple[str, float]]:
    """(target-language text, weight) pairs; each source term's translations share weight 1.
    Stopwords are dropped before translation: their translations would add noise, not meaning."""
    out: list[tuple[str, float]] = []
    for word in tokenise(text, src):
        if is_stopword(word):
            continue
        translations = lookup(dictionary, word, src)[:k]
        if translations:
            out.extend((t, 1.0 / len(translations)) for t in translations)
        else:
            out.append((word, 1.0))
    return out
