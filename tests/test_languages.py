"""clirbench.core.languages: every code of clirbench's sources resolves, classes follow the
published table of Joshi et al. (2020), and the first tasks' languages keep their analysis."""

import hashlib
import os
import re
from pathlib import Path

import langcodes
import pytest

from clirbench.core import languages
from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import (HIGH, LANGUAGES, LOW, SOURCE_CODES, language, pair_resource_class,
                                      pair_resource_level)

LOCAL_DATA = Path(os.environ.get("CLIRBENCH_LOCAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")

# The codes whose languages Joshi et al.'s table does not list (nor, for a CLDR-folded variety
# such as swh, their macrolanguage): Arabic varieties other than Egyptian, Chokwe, Kadazan
# Dusun, Nigerian Fulfulde, Hmong, Chhattisgarhi, Kabuverdianu, Kimbundu, Dholuo, North
# Moluccan Malay, Hassaniyya, North Ndebele, Old Russian, Swabian, Tamasheq, Talossan and
# Central Atlas Tamazight. A change here is a change of the table or of its reading.
WITHOUT_CLASS = {
    "acm_Arab", "acq_Arab", "aeb_Arab", "ajp_Arab", "apc_Arab", "arq", "ars_Arab", "ary_Arab", "cjk_Latn",
    "dtp", "fuv_Latn", "hmn", "hne_Deva", "kea_Latn", "kmb_Latn", "kzj", "luo_Latn", "max", "mey", "nde",
    "orv", "swg", "taq_Latn", "taq_Tfng", "tzl", "tzm_Tfng",
}

# The languages of clirbench's first tasks as they were before the table was derived:
# (Snowball stemmer, Lucene analyzer, strip marks, CJK bigrams, ICU segmentation, level).
FIRST_TASKS = {
    "ar": ("arabic", True, False, False, False, HIGH), "bn": (None, True, False, False, False, LOW),
    "ca": ("catalan", False, False, False, False, LOW), "cs": ("czech", False, False, False, False, LOW),
    "de": ("german", True, False, False, False, HIGH), "el": ("greek", False, False, False, False, LOW),
    "en": ("english", True, False, False, False, HIGH), "es": ("spanish", True, False, False, False, HIGH),
    "fa": ("persian", False, False, False, False, LOW), "fi": ("finnish", True, False, False, False, LOW),
    "fr": ("french", True, False, False, False, HIGH), "ha": (None, False, False, False, False, LOW),
    "hi": ("hindi", True, False, False, False, LOW), "id": ("indonesian", True, False, False, False, LOW),
    "it": ("italian", True, False, False, False, LOW), "ja": (None, True, False, False, True, HIGH),
    "km": (None, False, False, False, True, LOW), "ko": (None, True, False, True, False, LOW),
    "lo": (None, False, False, False, True, LOW), "my": (None, False, False, False, True, LOW),
    "nl": ("dutch", True, False, False, False, LOW), "nn": ("norwegian", False, False, False, False, LOW),
    "no": ("norwegian", True, False, False, False, LOW), "pl": ("polish", False, False, False, False, LOW),
    "pt": ("portuguese", True, False, False, False, LOW), "ro": ("romanian", False, False, False, False, LOW),
    "ru": ("russian", True, False, False, False, LOW), "so": (None, False, False, False, False, LOW),
    "sv": ("swedish", False, False, False, False, LOW), "sw": (None, False, False, False, False, LOW),
    "te": (None, True, False, False, False, LOW), "th": (None, False, False, False, True, LOW),
    "tl": (None, False, False, False, False, LOW), "tr": ("turkish", True, False, False, False, LOW),
    "uk": (None, False, False, False, False, LOW), "vi": (None, False, False, False, False, LOW),
    "yo": (None, False, True, False, False, LOW), "zh": (None, True, False, True, False, HIGH),
}


def _published_table() -> list[tuple[str, int]]:
    lines = [line for line in languages.JOSHI_TABLE.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    return [(name, int(cls)) for name, cls in (line.rsplit(",", 1) for line in lines)]


def _md5sums(source: str) -> str:
    path = LOCAL_DATA / source / "MD5SUMS"
    if not path.is_file():
        pytest.skip(f"no {path} (CLIRBENCH_LOCAL_DATA)")
    return path.read_text(encoding="utf-8")


def test_the_committed_table_is_the_published_file():
    """Byte for byte (below the header): 2,485 names, MD5 of the published lang2tax.txt."""
    body = "".join(line + "\n" for line in languages.JOSHI_TABLE.read_text(encoding="utf-8").splitlines()
                   if not line.startswith("#"))
    assert hashlib.md5(body.encode("utf-8")).hexdigest() == "dcb86b51ed82641c6d059380d8c80520"
    counts = [0] * 6
    for _, cls in _published_table():
        counts[cls] += 1
    assert counts == [2191, 222, 19, 28, 18, 7]


def test_every_name_above_class_0_is_read_as_a_language():
    """No language with resources is lost to a name langcodes cannot read."""
    for name, cls in _published_table():
        if cls > 0 and name not in languages._NAME_OVERRIDES:
            langcodes.find(name)  # LookupError otherwise


@pytest.mark.parametrize("code, table_name", [
    ("en", "english"), ("eng_Latn", "english"), ("hi", "hindi"), ("hin_Deva", "hindi"), ("vi", "vietnamese"),
    ("sw", "swahili"), ("swh", "swahili"), ("swh_Latn", "swahili"), ("amh_Ethi", "amharic"), ("yor", "yoruba"),
    ("hau_Latn", "hausa"), ("zul", "zulu"), ("so", "somali"), ("tir_Ethi", "tigrinya"), ("ja", "japanese"),
    ("cmn", "mandarin"), ("zho_Hant", "mandarin"), ("yue", "cantonese"), ("arb_Arab", "arabic"),
    ("arz_Arab", "egyptian arabic"), ("pes_Arab", "persian"), ("prs_Arab", "persian"), ("zsm_Latn", "malay"),
    ("npi_Deva", "nepali"), ("khk_Cyrl", "mongolian"), ("lvs_Latn", "latvian"), ("ekk", "estonian"),
    ("uzn_Latn", "uzbek"), ("ydd_Hebr", "yiddish"), ("gaz_Latn", "oromo"), ("azj_Latn", "azerbaijani"),
    ("azb_Arab", "southern azerbaijani"), ("plt_Latn", "malagasy"), ("quy_Latn", "quechua"),
    ("als_Latn", "albanian"), ("pbt_Arab", "pashto"), ("pan_Guru", "eastern punjabi"), ("tl", "tagalog"),
    ("tgl", "tagalog"), ("nob", "norwegian (bokmål)"), ("nn", "norwegian (nynorsk)"), ("fon", "fongbe"),
    ("bem", "bemba"), ("kin", "kinyarwanda"), ("twi", "twi"), ("wol", "wolof"), ("ibo", "igbo"),
])
def test_classes_are_the_published_tables(code, table_name):
    assert language(code).resource_class == dict(_published_table())[table_name]


def test_published_spot_checks():
    """English, Hindi and Swahili as the paper's own examples (classes 5, 4 and 2)."""
    assert (language("en").resource_class, language("hi").resource_class, language("sw").resource_class) == (5, 4, 2)


def test_a_name_listed_twice_keeps_its_highest_class():
    table = dict(_published_table())
    assert (table["slovene"], table["slovenian"], language("slv_Latn").resource_class) == (0, 3, 3)


def test_every_source_code_resolves_with_name_codes_script_and_class():
    codes = {code for source in SOURCE_CODES.values() for code in source}
    assert codes <= set(LANGUAGES)
    for code in codes:
        lang = language(code)
        assert lang.code == code and "-" not in code
        assert lang.name and "Unknown" not in lang.name, code
        assert re.fullmatch(r"[a-z]{3}", lang.iso639_3), code
        assert lang.script in langcodes.data_dicts.ALL_SCRIPTS, code
        assert lang.resource_class in range(6) or (lang.resource_class is None and code in WITHOUT_CLASS), code
    assert {code for code in codes if language(code).resource_class is None} == WITHOUT_CLASS


def test_codes_name_the_language_script_and_iso_code_they_say():
    scripts = {code: language(code).script for code in ("zho_Hant", "zho_CN", "kor_Hang", "amh", "taq_Tfng", "nqo_Nkoo")}
    assert scripts == {"zho_Hant": "Hant", "zho_CN": "Hans", "kor_Hang": "Hang", "amh": "Ethi", "taq_Tfng": "Tfng",
                       "nqo_Nkoo": "Nkoo"}
    assert (language("sw").iso639_3, language("swh").iso639_3, language("tl").iso639_3) == ("swa", "swh", "tgl")
    assert language("prs").iso639_3 == "prs" and language("fas").iso639_3 == "fas"  # NTREX-128 has both
    assert language("eng_GB").name == "English (United Kingdom)" and language("gsw_ZH").name == "Swiss German (ZH)"
    assert language("mey").script == "Arab" and language("orv").script == "Cyrl"  # as the sources write them


def test_the_sources_lists_are_the_sources_files():
    flores = sorted(set(re.findall(r"data/annotated/([^/]+)/", _md5sums("sib-200"))))
    assert list(SOURCE_CODES["flores"]) == flores and len(flores) == 205
    tatoeba = set(re.findall(r"tatoeba\.([a-z]+)-eng\.", _md5sums("tatoeba")))
    assert set(SOURCE_CODES["tatoeba"]) == tatoeba | {"eng"}
    ntrex = set(re.findall(r"newstest2019-ref(?:-2)?\.([A-Za-z-]+)\.txt", _md5sums("ntrex")))
    assert set(SOURCE_CODES["ntrex"]) == {code.replace("-", "_") for code in ntrex}
    assert set(SOURCE_CODES["afriqa"]) == set(re.findall(r"data/queries/([a-z]+)/", _md5sums("afriqa")))


def test_the_first_tasks_languages_keep_their_analysis_and_level():
    for code, expected in FIRST_TASKS.items():
        lang = language(code)
        analysis = (lang.snowball, lang.lucene, lang.strip_marks, lang.cjk, lang.segment, lang.resource_level)
        assert analysis == expected, code
    assert {code for code, lang in LANGUAGES.items() if lang.lucene} == {c for c, e in FIRST_TASKS.items() if e[1]}


def test_only_class_5_is_high():
    assert language("hi").resource_level == LOW  # class 4
    assert language("ary_Arab").resource_class is None and language("ary_Arab").resource_level == LOW
    assert {lang.resource_class for lang in LANGUAGES.values() if lang.resource_level == HIGH} == {5}


def test_analysis_follows_the_script():
    assert language("tha_Thai").segment and language("shn_Mymr").segment and language("jpn_Jpan").segment
    assert language("zho_Hant").cjk and language("yue_Hant").cjk and not language("jpn").cjk
    assert language("ii").ngrams and language("jav").ngrams and not language("ind").ngrams
    assert language("yor_Latn").strip_marks and not language("ibo_Latn").strip_marks
    stemmers = [language(code).snowball for code in ("deu_Latn", "nob", "sot_Latn", "npi_Deva")]
    assert stemmers == ["german", "norwegian", "sesotho", "nepali"]
    assert not language("deu_Latn").lucene  # pyserini takes `de`, not `deu_Latn`


def test_snowball_algorithms_are_pystemmers():
    stemmer = pytest.importorskip("Stemmer")
    assert set(languages.SNOWBALL_ALGORITHMS) == set(stemmer.algorithms()) - {"porter", "dutch_porter"}


def test_any_valid_code_resolves_not_only_listed_ones():
    assert language("sr_Latn_RS").script == "Latn" and language("sr_Latn_RS").resource_class == 4
    assert language("ekk").name == "Standard Estonian"
    assert language("nod").script == "Lana" and language("nod").ngrams  # Northern Thai, in Tai Tham
    assert language("ben_Latn") is language("ben_Latn")  # resolved once


@pytest.mark.parametrize("code, fix", [
    ("hau-Latn", "hau_Latn"), ("xx", "ISO 639"), ("qqq", "ISO 639"), ("zh_yue", "ISO 639"), ("en_Xyzw", "ISO 639"),
    ("", "ISO 639"), ("EN", "'en'"), ("hau_latn", "'hau_Latn'"),
])
def test_invalid_codes_raise_a_clirbench_error_with_a_fix(code, fix):
    with pytest.raises(ClirbenchError) as e:
        language(code)
    assert fix in e.value.hint


def test_pairs_take_their_less_resourced_side():
    assert pair_resource_level("en", "de") == HIGH and pair_resource_level("en", "hi") == LOW
    assert pair_resource_class("en", "sw") == 2 and pair_resource_class("swh_Latn", "hin_Deva") == 2
    assert pair_resource_class("en", "ary_Arab") is None


def test_language_lookup_is_fast():
    """language() runs once per text in tokenisation."""
    import time

    start = time.perf_counter()
    for _ in range(100_000):
        language("hau_Latn")
    assert time.perf_counter() - start < 1.0
