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
from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel

from clirbench.core.errors import ClirbenchError
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


class FloresDocs(BaseDocs):
    def __init__(self, lang: str, split: str):
        self._lang, self._split = lang, split

    def pinned_files(self) -> list[tuple[PinnedSource, str]]:
        return [(SOURCE, known_file(self._lang, self._split))]

    def docs_iter(self):
        for index_id, text in sentences(self._lang, self._split).items():
            yield GenericDoc(f"{self._lang}-{index_id}", text)

    def docs_count(self):
        return len(sentences(self._lang, self._split))

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return f"clirbench/flores/{self._split}/{self._lang}"

    def docs_lang(self):
        return self._lang


class FloresQueries(BaseQueries):
    def __init__(self, lang: str, split: str):
        self._lang, self._split = lang, split

    pinned_files = FloresDocs.pinned_files

    def queries_iter(self):
        for index_id, text in sentences(self._lang, self._split).items():
            yield GenericQuery(index_id, text)

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return f"clirbench/flores/{self._split}/{self._lang}"

    def queries_lang(self):
        return self._lang


class FloresQrels(BaseQrels):
    """Each query's translation in the document language; a sentence missing from either side
    has no judgement."""

    def __init__(self, query_lang: str, doc_lang: str, split: str):
        self._query_lang, self._doc_lang, self._split = query_lang, doc_lang, split

    def pinned_files(self) -> list[tuple[PinnedSource, str]]:
        return [(SOURCE, known_file(lang, self._split)) for lang in (self._query_lang, self._doc_lang)]

    def qrels_iter(self):
        targets = sentences(self._doc_lang, self._split)
        for index_id in sentences(self._query_lang, self._split):
            if index_id in targets:
                yield TrecQrel(index_id, f"{self._doc_lang}-{index_id}", 1, "0")

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {1: "the translation of the query sentence"}


def _pair_dataset(dataset_id: str, groups: tuple[str, ...]):
    split, query_lang, doc_lang = groups
    return ir_datasets.Dataset(FloresDocs(doc_lang, split), FloresQueries(query_lang, split),
                               FloresQrels(query_lang, doc_lang, split))


def register() -> None:
    """Each language's sentences, and every X-Y pair on first use (205 x 204 pairs x 3 splits
    would be 125k records): a pattern that ir_datasets resolves when an ID is loaded."""
    for split in SPLITS:
        for lang in languages():
            ir_datasets.registry.register(f"clirbench/flores/{split}/{lang}", ir_datasets.Dataset(FloresDocs(lang, split)))
    ir_datasets.registry.register_pattern(r"^clirbench/flores/(train|dev|test)/([a-z]{3}_[A-Za-z]{4})-([a-z]{3}_[A-Za-z]{4})$",
                                          _pair_dataset)
