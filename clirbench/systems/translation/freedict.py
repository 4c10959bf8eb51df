"""FreeDict bilingual dictionaries as Debian ships them (`dict-freedict-eng-deu`, ...): dictd
format, an `.index` of headwords (base64 offsets) into a gzip-compressed `.dict.dz`.

An entry is a headword line, then translations: numbered lines (`1. Haus`) or comma- and
semicolon-separated lists, with part-of-speech tags (`<n>`), domain labels (`[chem.]`),
pronunciations (`/haʊs/`), example sentences (quoted) and cross-references (`see:`,
`Synonym:`) around them; only the translations are kept.
"""

import gzip
import os
import re
from functools import lru_cache
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language

# FreeDict names Swahili by its individual language (swh), not the macrolanguage (swa).
_FREEDICT_CODES = {"swa": "swh"}

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_LABEL = re.compile(r'^("|[^\W\d_][\w ]*:)')  # examples ("...") and cross-references (see:, Synonyms:, Note:)
_MARKUP = re.compile(r"<[^>]*>|\[[^\]]*\]|/[^/\n]*/|\([^)]*\)|\{[^}]*\}")
_NUMBERING = re.compile(r"^\d+\.\s*")


def dict_dir() -> Path:
    return Path(os.environ.get("CLIRBENCH_FREEDICT_DIR", "/usr/share/dictd"))


def freedict_code(lang: str) -> str:
    """The ISO 639-3 code FreeDict's file names give a language, whatever code clirbench has
    for it (`sw`, `swa` and `swh_Latn` are all FreeDict's `swh`); a side that is no language
    (the multilingual pool, `multi`) as it is: no dictionary has it."""
    try:
        iso = language(lang).iso639_3
    except ClirbenchError:
        return lang
    return _FREEDICT_CODES.get(iso, iso)


def package_name(src: str, tgt: str) -> str:
    return f"dict-freedict-{freedict_code(src)}-{freedict_code(tgt)}"


def dictionary_path(src: str, tgt: str) -> Path | None:
    """The `.index` file of the src->tgt dictionary, if it is installed."""
    index = dict_dir() / f"freedict-{freedict_code(src)}-{freedict_code(tgt)}.index"
    return index if index.exists() and index.with_suffix(".dict.dz").exists() else None


def _b64(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


def parse_entry(text: str) -> list[str]:
    """The translations of one entry, in order, without markup."""
    out: list[str] = []
    for line in text.split("\n")[1:]:
        line = line.strip()
        if not line or _LABEL.match(line):
            continue
        line = _MARKUP.sub(" ", _NUMBERING.sub("", line)).replace("~", " ")
        for part in re.split(r"[,;]", line):
            part = " ".join(part.split()).strip(" .…")
            if part and part not in out:
                out.append(part)
    return out


class FreeDict:
    def __init__(self, index_path: Path):
        self.path = index_path
        self._entries: dict[str, list[tuple[int, int]]] = {}
        for line in index_path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not fields[0].startswith("00-database"):
                self._entries.setdefault(fields[0].casefold(), []).append((_b64(fields[1]), _b64(fields[2])))
        with gzip.open(index_path.with_suffix(".dict.dz")) as f:  # dictzip is gzip-compatible
            self._data = f.read()

    def __len__(self) -> int:
        return len(self._entries)

    def translations(self, word: str) -> list[str]:
        out: list[str] = []
        for offset, length in self._entries.get(word.casefold(), []):
            for t in parse_entry(self._data[offset : offset + length].decode("utf-8", errors="replace")):
                if t not in out:
                    out.append(t)
        return out


@lru_cache(maxsize=None)
def load_dictionary(src: str, tgt: str) -> FreeDict | None:
    path = dictionary_path(src, tgt)
    return FreeDict(path) if path else None
