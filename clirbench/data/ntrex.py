"""NTREX-128 (Federmann et al. 2022): the 1,997 English sentences of the WMT19 news test set,
professionally translated into 128 languages; parallel text for training, never evaluation.

File codes are ISO 639-3 with a script or region where the source has several
(`aze-Latn`, `srp-Cyrl`, `zho-CN`); clirbench writes them with `_` (`srp_Cyrl`), and takes
a plain code (`hau`, `ha`, `hau_Latn`) where exactly one file has that language.
"""

from functools import lru_cache

from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language
from clirbench.data.pinned import PinnedSource, read_md5sums

COMMIT = "8561f6a622db9edad1217683e5c83daefd8bb2bf"
SOURCE = PinnedSource("ntrex", "ntrex", f"https://raw.githubusercontent.com/MicrosoftTranslator/NTREX/{COMMIT}")
ENGLISH_FILE = "NTREX-128/newstest2019-src.eng.txt"


@lru_cache(maxsize=1)
def file_codes() -> dict[str, str]:
    """clirbench code (`srp_Cyrl`) -> path, for every translation of the source."""
    out = {}
    for path in read_md5sums(SOURCE.name):
        code = path.removeprefix("NTREX-128/newstest2019-ref.").removesuffix(".txt")
        if path != ENGLISH_FILE and code != path:
            out[code.replace("-", "_")] = path
    return out


def resolve(code: str) -> str:
    """The file code of a language given in any code style clirbench reads."""
    codes = file_codes()
    if code in codes:
        return code
    wanted = language(code).iso639_3
    same = [c for c in codes if language(c).iso639_3 == wanted]
    if len(same) == 1:
        return same[0]
    raise ClirbenchError(f"NTREX-128 has {'several files' if same else 'no file'} for language {code!r}"
                         + (f": {', '.join(same)}" if same else ""),
                         f"name one of its codes: {', '.join(same or sorted(codes))}")


@lru_cache(maxsize=32)
def _read(path: str) -> list[str]:
    with open(SOURCE.file(path), encoding="utf-8") as f:
        return [line.rstrip("\n").strip() for line in f]


def parallel(code: str) -> list[tuple[str, str]]:
    """(English, translation) of every line, in order."""
    english, foreign = _read(ENGLISH_FILE), _read(file_codes()[resolve(code)])
    if len(english) != len(foreign):
        raise ClirbenchError(f"NTREX-128 {code}: {len(foreign)} lines, the English source has {len(english)}",
                             "the files must be line-aligned: fetch both again from their source")
    return list(zip(english, foreign))
