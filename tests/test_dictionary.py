"""Dictionary query translation: FreeDict's dictd format (tiny files written in it, and the
Debian dictionaries when installed), structured-query weights, and dict+bm25 on the toy task."""

import gzip
import os

import pytest

from conftest import read_results
from clirbench.systems.translation.dictionary_query import translate_query
from clirbench.systems.translation.freedict import FreeDict, dictionary_path, parse_entry

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if n == 0:
            return out


def write_dictd(folder, name, entries: dict[str, str]) -> None:
    """A dictd dictionary as Debian ships FreeDict: `.index` (headword, base64 offset, length)
    and a gzip-compressed `.dict.dz`."""
    data, index = b"", []
    for key, text in entries.items():
        raw = text.encode()
        index.append(f"{key}\t{b64(len(data))}\t{b64(len(raw))}")
        data += raw
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.index").write_text("00-database-info\tA\tB\n" + "\n".join(sorted(index)) + "\n", encoding="utf-8")
    with gzip.open(folder / f"{name}.dict.dz", "wb") as f:
        f.write(data)


def test_entries_as_freedict_writes_them():
    # Entries copied from Debian's dict-freedict-eng-deu, -eng-hin, -ara-eng and -deu-eng.
    assert parse_entry("2nd /sˈɛkənd/\nzweite, zweiter, zweites, zweit…, 2. <num>\n   Synonym: {second}\n\n"
                       " see: {every other man}\n\n") == ["zweite", "zweiter", "zweites", "zweit", "2"]
    assert parse_entry('accuse /ɐkjˈuːz/ <VT>\n1. दोष~लगाना\n      "The government was accused."\n') == ["दोष लगाना"]
    assert parse_entry("أبويا /ʔbˈuːiˌaː/\n1. Parentally\n2. Paternally\n") == ["Parentally", "Paternally"]
    assert parse_entry("2-Ethylhexylacrylat /x/ <neut, n, sg>\n [chem.] 2-ethylhexyl acrylate <n>, acrylic acid <n>\n") \
        == ["2-ethylhexyl acrylate", "acrylic acid"]


def test_lookup_weights_and_untranslated_terms(tmp_path, monkeypatch):
    folder = tmp_path / "dictd"
    write_dictd(folder, "freedict-eng-swh", {
        "river": "river /ɹˈɪvɐ/\nmto, mito\n",
        "house": "house /haʊs/\n1. nyumba\n2. jumba\n3. numba\n4. kaya\n",
    })
    monkeypatch.setenv("CLIRBENCH_FREEDICT_DIR", str(folder))
    assert dictionary_path("en", "sw") is not None and dictionary_path("sw", "en") is None
    dictionary = FreeDict(dictionary_path("en", "sw"))
    assert dictionary.translations("House") == ["nyumba", "jumba", "numba", "kaya"]
    # "rivers" is not a headword; its Snowball stem is. Kenya has no entry: kept as it is.
    got = translate_query("The rivers of Kenya house", "en", dictionary, k=3, is_stopword=lambda w: w in {"the", "of"})
    assert got == [("mto", 0.5), ("mito", 0.5), ("kenya", 1.0),
                   ("nyumba", 1 / 3), ("jumba", 1 / 3), ("numba", 1 / 3)]


@pytest.mark.skipif(dictionary_path("en", "de") is None and not os.environ.get("CI"),
                    reason="Debian's FreeDict dictionaries are not installed (`make setup` installs them)")
def test_dict_bm25_on_toy(cli, tmp_path):
    proc = cli("run", "--system", "dict+bm25", "--task", "toy")
    results = read_results(tmp_path / "results/toy/dict+bm25/results.json")
    assert set(results["pairs"]) == {"en-de", "de-en", "en-sw", "sw-en"}
    assert results["not_applicable"]["en-en"].startswith("monolingual")
    assert "dict-freedict-eng-yor" in results["not_applicable"]["en-yo"]
    assert len(results["not_applicable"]) == 12 and "12 pair(s) not applicable" in proc.stderr
    cli("run", "--system", "bm25", "--task", "toy", "--pairs", "en-sw,sw-en")
    plain = read_results(tmp_path / "results/toy/bm25/results.json")["pairs"]
    # Translating the query must help where the two languages share few words.
    for pair in ["en-sw", "sw-en"]:
        assert results["pairs"][pair]["metrics"]["RR@10"] > plain[pair]["metrics"]["RR@10"]
