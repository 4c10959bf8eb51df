"""MLQA-R and XQuAD-R (LAReQA, Roy et al. 2020) as ir_datasets datasets.

Each language file is SQuAD-style JSON with sentence breaks. Candidates of language Y are
all sentences of Y's file; a question of language X is kept for the pair X→Y when its id
also occurs in Y, and its relevant candidates are the sentences of Y that hold an answer of
that id. IDs: `clirbench/mlqa-r/{y}` (documents) and `clirbench/mlqa-r/{x}-{y}` (documents,
queries, qrels); likewise `clirbench/xquad-r/...`.

The multilingual pool, LAReQA's main setting: `clirbench/mlqa-r/multi` holds the candidates
of every language (doc ids are unique across languages: they start with the language), and
`clirbench/mlqa-r/{x}-multi` asks every question of X against it; its relevant candidates
are its answer sentences in every language of the pool.

Files are downloaded from their source and checked by MD5. When `CLIRBENCH_LOCAL_DATA`
names a directory holding `lareqa/{collection}/{lang}.json`, that copy is used instead
(also MD5-checked).
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ir_datasets
from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel

from clirbench.data.pinned import PinnedSource

_SOURCE = "https://raw.githubusercontent.com/google-research-datasets/lareqa"


@dataclass(frozen=True)
class LareqaCollection:
    name: str
    commit: str
    md5: dict[str, str]  # language -> MD5 of its file

    @property
    def langs(self) -> list[str]:
        return sorted(self.md5)

    @property
    def source(self) -> PinnedSource:
        return PinnedSource(f"lareqa/{self.name}", f"lareqa/{self.name}", f"{_SOURCE}/{self.commit}/{self.name}",
                            {f"{lang}.json": md5 for lang, md5 in self.md5.items()})

    def url(self, lang: str) -> str:
        return self.source.url(f"{lang}.json")

    def cache_path(self, lang: str) -> Path:
        return self.source.cache_path(f"{lang}.json")

    def local_path(self, lang: str) -> Path | None:
        return self.source.local_path(f"{lang}.json")


MLQA_R = LareqaCollection(
    "mlqa-r",
    "354d67d1cd066854cdfbf5ad0e6105528976141d",
    {
        "ar": "0cabca7da64041a9bcfbfa6397def23e",
        "de": "5fdb66b2614ed2556d05356968eca0b2",
        "en": "9ea5e240816f8a9c668ec49afbf45e7d",
        "es": "1dc80d875f9e37192668eb90bf3e8a2d",
        "hi": "84cee6c9864f8662ef1ef3ed5b96f990",
        "vi": "395e63b077fb8af6735ca9c4337d656c",
        "zh": "b9c78c32a0008dba5f93aea0ac5c2429",
    },
)

XQUAD_R = LareqaCollection(
    "xquad-r",
    "9bc8c7fb6dd8d01d72a05a93c2cb96882b0d299c",
    {
        "ar": "1114954691ce6b8ed452aa2befcd21c2",
        "de": "ca34197b707b08bd4e03db4b3640e863",
        "el": "d4982e87c3eff32830cc4d33a26e63fa",
        "en": "b8c2383f52bc96438cf09a69cdccabdd",
        "es": "e4a69ab74a1f71d64f771f419c6e3eea",
        "hi": "390ee65a0559e65033f4cc44a27617fe",
        "ru": "e6ef8814695fead9f2227d9b44144417",
        "th": "1270594bf229e0fa2082d6508095e0b1",
        "tr": "6ee6aed1a7a5745b2cd31322c7d58c15",
        "vi": "72a138effea0cea9d5f7573553d70809",
        "zh": "2122b7e42e66c2d3cbdbe78d21b1a11c",
    },
)

COLLECTIONS = {c.name: c for c in (MLQA_R, XQUAD_R)}


def source_file(collection: LareqaCollection, lang: str) -> Path:
    """The verified file for one language (clirbench.data.pinned): cached copy, else local
    copy, else download."""
    return collection.source.file(f"{lang}.json")


@dataclass(frozen=True)
class ParsedFile:
    """One language file: candidate sentences and, per question id, its text and answers."""

    sentences: list[tuple[str, str]]  # (doc_id, sentence)
    questions: dict[str, str]  # question id -> question text
    answer_docs: dict[str, frozenset[str]]  # question id -> doc ids of answer sentences
    # paragraph number (the middle part of a doc id) -> its article's number: a split by
    # article keeps every paragraph, and every question on it, on one side.
    article_of: tuple[int, ...] = ()


def _answer_sentence(breaks: list[list[int]], start: int) -> int:
    for i, (lo, hi) in enumerate(breaks):
        if lo <= start < hi:
            return i
    # An answer starting on a break's boundary belongs to the sentence that starts before it.
    return max(i for i, (lo, _) in enumerate(breaks) if lo <= start)


@lru_cache(maxsize=32)
def _parse(path: Path, lang: str) -> ParsedFile:
    data = json.loads(path.read_text(encoding="utf-8"))
    sentences, questions, answer_docs, article_of = [], {}, {}, []
    paragraph = 0
    for article_number, article in enumerate(data["data"]):
        for para in article["paragraphs"]:
            article_of.append(article_number)
            ids = [f"{lang}-{paragraph}-{i}" for i in range(len(para["sentences"]))]
            sentences.extend(zip(ids, para["sentences"]))
            for qa in para["qas"]:
                questions[qa["id"]] = qa["question"]
                answer_docs[qa["id"]] = frozenset(
                    ids[_answer_sentence(para["sentence_breaks"], a["answer_start"])] for a in qa["answers"]
                )
            paragraph += 1
    return ParsedFile(sentences, questions, answer_docs, tuple(article_of))


def parsed(collection: LareqaCollection, lang: str) -> ParsedFile:
    return _parse(source_file(collection, lang), lang)


class LareqaDocs(BaseDocs):
    def __init__(self, collection: LareqaCollection, lang: str):
        self._collection, self._lang = collection, lang

    def docs_iter(self):
        for doc_id, text in parsed(self._collection, self._lang).sentences:
            yield GenericDoc(doc_id, text)

    def docs_count(self):
        return len(parsed(self._collection, self._lang).sentences)

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return f"clirbench/{self._collection.name}/{self._lang}"

    def docs_lang(self):
        return self._lang


class LareqaPairQueries(BaseQueries):
    """Questions of `query_lang` whose id also occurs in `doc_lang`; every question of
    `query_lang` when `doc_lang` is None (the pool: each has answers, in its own language at least)."""

    def __init__(self, collection: LareqaCollection, query_lang: str, doc_lang: str | None):
        self._collection, self._query_lang, self._doc_lang = collection, query_lang, doc_lang

    def queries_iter(self):
        target = parsed(self._collection, self._doc_lang).questions if self._doc_lang else None
        for qid, text in parsed(self._collection, self._query_lang).questions.items():
            if target is None or qid in target:
                yield GenericQuery(qid, text)

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return f"clirbench/{self._collection.name}/{self._query_lang}"

    def queries_lang(self):
        return self._query_lang


class LareqaPairQrels(BaseQrels):
    def __init__(self, collection: LareqaCollection, query_lang: str, doc_lang: str):
        self._collection, self._query_lang, self._doc_lang = collection, query_lang, doc_lang

    def qrels_iter(self):
        queries = parsed(self._collection, self._query_lang).questions
        answers = parsed(self._collection, self._doc_lang).answer_docs
        for qid in queries:
            for doc_id in sorted(answers.get(qid, ())):
                yield TrecQrel(qid, doc_id, 1, "0")

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {1: "the candidate sentence holds an answer to the question"}


POOL = "multi"


class LareqaPoolDocs(BaseDocs):
    """The candidates of every language of the collection, language by language."""

    def __init__(self, collection: LareqaCollection):
        self._collection = collection

    def docs_iter(self):
        for lang in self._collection.langs:
            for doc_id, text in parsed(self._collection, lang).sentences:
                yield GenericDoc(doc_id, text)

    def docs_count(self):
        return sum(len(parsed(self._collection, lang).sentences) for lang in self._collection.langs)

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return f"clirbench/{self._collection.name}/{POOL}"


class LareqaPoolQrels(BaseQrels):
    """A question's answer sentences in every language of the pool that holds its id."""

    def __init__(self, collection: LareqaCollection, query_lang: str):
        self._collection, self._query_lang = collection, query_lang

    def qrels_iter(self):
        answers = [parsed(self._collection, lang).answer_docs for lang in self._collection.langs]
        for qid in parsed(self._collection, self._query_lang).questions:
            for in_lang in answers:
                for doc_id in sorted(in_lang.get(qid, ())):
                    yield TrecQrel(qid, doc_id, 1, "0")

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {1: "the candidate sentence, in any language of the pool, holds an answer to the question"}


def register_collection(collection: LareqaCollection) -> None:
    pool = LareqaPoolDocs(collection)
    ir_datasets.registry.register(f"clirbench/{collection.name}/{POOL}", ir_datasets.Dataset(pool))
    for d in collection.langs:
        docs = LareqaDocs(collection, d)
        ir_datasets.registry.register(f"clirbench/{collection.name}/{d}", ir_datasets.Dataset(docs))
        for q in collection.langs:
            ir_datasets.registry.register(
                f"clirbench/{collection.name}/{q}-{d}",
                ir_datasets.Dataset(docs, LareqaPairQueries(collection, q, d), LareqaPairQrels(collection, q, d)),
            )
        ir_datasets.registry.register(
            f"clirbench/{collection.name}/{d}-{POOL}",
            ir_datasets.Dataset(pool, LareqaPairQueries(collection, d, None), LareqaPoolQrels(collection, d)),
        )


def register() -> None:
    for collection in COLLECTIONS.values():
        register_collection(collection)
