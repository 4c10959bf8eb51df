"""FLORES-R: sentence retrieval over FLORES-200 (NLLB Team 2022), as SIB-200 (Adelani et al.
2024, arXiv 2309.07445) publishes it: 1,004 sentences professionally translated into 204
languages and English, aligned by `index_id`, split 701 / 99 / 204 (train / dev / test) the
same way in every language.

A query is a sentence of language X; the candidates are the sentences of language Y of the same
split, and the relevant one is its translation (the same `index_id`). Splits never mix: a test
query searches test sentences only, so no sentence of the train split (bitext for students)
is ever a query or a relevant document.

IDs, for `split` in train, dev, test and FLORES codes (`hau_Latn`, `eng_Latn`):
- `clirbench/flores/{split}/{Y}`: the sentences of Y (doc ids `{Y}-{index_id}`);
- `clirbench/flores/{split}/{X}-{Y}`: those documents, X's sentences as queries, and qrels.
"""

import csv
from functools import lru_cache

import ir_datasets
from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language
from clirbench.data.handlers import BinaryQrels, TextDocs, TextQueries
from clirbench.data.pinned import PinnedSource, read_md5sums

COMMIT = "593cea88519930f776c1a4a1980b6a35b39dca57"
SOURCE = PinnedSource("sib-200", "sib-200", f"https://raw.githubusercontent.com/dadelani/sib-200/{COMMIT}")
SPLITS = ("train", "dev", "test")
ENGLISH = "eng_Latn"


def split_file(lang: str, split: str) -> str:
    return f"data/annotated/{lang}/{split}.tsv"


def known_file(lang: str, split: str) -> str:
    """The source's file of a language and split; an error naming the languages it has else."""
    path = split_file(lang, split)
    if split not in SPLITS or not SOURCE.known(path):
        raise ClirbenchError(f"SIB-200 has no language {lang!r} or split {split!r}",
                             f"its languages: {', '.join(languages())}; splits: {', '.join(SPLITS)}")
    return path


@lru_cache(maxsize=1)
def languages() -> list[str]:
    """Every language of the source (205), from its checksums: present here or not."""
    return sorted({path.split("/")[2] for path in read_md5sums(SOURCE.name)})


# A macrolanguage code whose FLORES-200 text is in one member language (AfriQA's `swa` questions
# are Kiswahili, FLORES-200's `swh_Latn`).
MEMBER = {"swa": "swh"}


def resolve(code: str) -> str:
    """The FLORES-200 code of a language given in any code style clirbench reads (`hau` ->
    `hau_Latn`); an error when none, or several scripts, match."""
    if code in languages():
        return code
    wanted = language(code).iso639_3
    wanted = MEMBER.get(wanted, wanted)
    same = [c for c in languages() if language(c).iso639_3 == wanted]
    if len(same) == 1:
        return same[0]
    raise ClirbenchError(f"SIB-200 has {'several scripts' if same else 'no language'} for {code!r}"
                         + (f": {', '.join(same)}" if same else ""),
                         f"name one of its codes: {', '.join(same) if same else 'see `clirbench tasks flores-r`'}")


@lru_cache(maxsize=512)
def sentences(lang: str, split: str) -> dict[str, str]:
    """index_id -> sentence, in file order."""
    path = SOURCE.file(known_file(lang, split))
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if not reader.fieldnames or not {"index_id", "text"} <= set(reader.fieldnames):
            raise ClirbenchError(f"{path}: expected columns index_id and text, found {reader.fieldnames}",
                                 "the file is not a SIB-200 release file: fetch it again from its source")
        for row in reader:
            out[row["index_id"]] = row["text"].strip()
    return out


def _files(*langs: str, split: str):
    return lambda: [(SOURCE, known_file(lang, split)) for lang in langs]


def _docs(lang: str, split: str) -> TextDocs:
    """The sentences of `lang`, doc ids `{lang}-{index_id}`."""
    return TextDocs(lambda: ((f"{lang}-{i}", text) for i, text in sentences(lang, split).items()),
                    f"clirbench/flores/{split}/{lang}", lang, _files(lang, split=split))


def _pair_dataset(dataset_id: str, groups: tuple[str, ...]):
    """X's sentences as queries against Y's; each query's translation (the same index_id) is
    relevant; a sentence missing from either side has no judgement."""
    split, query_lang, doc_lang = groups

    def qrels():
        targets = sentences(doc_lang, split)
        return ((i, f"{doc_lang}-{i}") for i in sentences(query_lang, split) if i in targets)

    files = _files(query_lang, doc_lang, split=split)
    return ir_datasets.Dataset(
        _docs(doc_lang, split),
        TextQueries(lambda: sentences(query_lang, split).items(), f"clirbench/flores/{split}/{query_lang}", query_lang,
                    files),
        BinaryQrels(qrels, "the translation of the query sentence", files))


def register() -> None:
    """Each language's sentences, and every X-Y pair on first use (205 x 204 pairs x 3 splits
    would be 125k records): a pattern that ir_datasets resolves when an ID is loaded."""
    for split in SPLITS:
        for lang in languages():
            ir_datasets.registry.register(f"clirbench/flores/{split}/{lang}", ir_datasets.Dataset(_docs(lang, split)))
    ir_datasets.registry.register_pattern(r"^clirbench/flores/(train|dev|test)/([a-z]{3}_[A-Za-z]{4})-([a-z]{3}_[A-Za-z]{4})$",
                                          _pair_dataset)
