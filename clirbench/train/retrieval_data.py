"""Parallel retrieval data for contrastive training: each question id exists in several
languages, with its answer sentences (positives) in each; every sentence of every language is
a candidate. Offline the source is XQuAD-R (never MLQA-R: it is the evaluation set).

The dev split is by article (a group of paragraphs): XQuAD's questions share paragraphs, and a
split by question id put every dev question on a paragraph that training had seen, with half of
their English answer sentences among the training positives. mMARCO has no paragraphs: each
query is its own group."""

import hashlib

from dataclasses import dataclass, field

from clirbench.core.errors import ClirbenchError
from clirbench.data import lareqa
from clirbench.data.availability import describe_missing, missing_files


@dataclass(frozen=True)
class ParallelQuestion:
    qid: str
    text: dict[str, str]  # language -> the question in it
    positives: dict[str, tuple[str, ...]]  # language -> ids of its answer sentences there
    paragraph: str = ""  # the paragraph its answers are in ("" where there are none: mMARCO)
    group: str = ""  # the unit of the dev split: XQuAD-R's article, else the question itself

    def relevant(self) -> set[str]:
        """Every answer sentence, in any language: never a negative."""
        return {doc for docs in self.positives.values() for doc in docs}


@dataclass
class RetrievalCorpus:
    langs: list[str]
    documents: dict[str, tuple[str, str]] = field(default_factory=dict)  # doc id -> (text, language)
    questions: list[ParallelQuestion] = field(default_factory=list)
    doc_paragraph: dict[str, str] = field(default_factory=dict)  # doc id -> its paragraph, where known
    paragraph_group: dict[str, str] = field(default_factory=dict)  # paragraph -> its group (article)

    def dev_groups(self, dev_fraction: float) -> set[str]:
        """The groups held out: round(fraction x groups) of them (at least one), the first by a
        fixed hash, so the split never moves and its size is exact (48 articles would give 2 to 9
        by a threshold)."""
        groups = sorted({q.group or q.qid for q in self.questions},
                        key=lambda g: (hashlib.sha256(g.encode()).hexdigest(), g))
        # At least one group where there is a dev fraction and more than one group (a small `limit`).
        size = max(1, round(dev_fraction * len(groups))) if dev_fraction > 0 and len(groups) > 1 else 0
        return set(groups[:size])

    def split(self, dev_fraction: float) -> tuple[list[ParallelQuestion], list[ParallelQuestion]]:
        held_out = self.dev_groups(dev_fraction)
        train = [q for q in self.questions if (q.group or q.qid) not in held_out]
        dev = [q for q in self.questions if (q.group or q.qid) in held_out]
        return train, dev

    def documents_of_groups(self, groups: set[str]) -> list[str]:
        """The candidates whose paragraph is in one of `groups` (XQuAD-R's articles), in id order."""
        return sorted(d for d, para in self.doc_paragraph.items() if self.paragraph_group.get(para) in groups)

    def documents_in(self, lang: str) -> list[str]:
        return [doc_id for doc_id, (_, doc_lang) in self.documents.items() if doc_lang == lang]


def lareqa_corpus(langs: list[str], collection: str = "xquad-r", limit: int | None = None) -> RetrievalCorpus:
    """Questions present in every one of `langs` (XQuAD-R: all 1,190), their answers, and every
    sentence of those languages as a candidate."""
    source = lareqa.COLLECTIONS[collection]
    files = {lang: lareqa.parsed(source, lang) for lang in sorted(langs)}
    corpus = RetrievalCorpus(sorted(langs))
    for lang, parsed in files.items():
        corpus.documents.update({doc_id: (text, lang) for doc_id, text in parsed.sentences})
        # Doc ids are `{lang}-{paragraph}-{sentence}`; paragraphs are numbered alike in every
        # language (XQuAD-R's files are translations of one file).
        corpus.doc_paragraph.update({doc_id: doc_id.split("-")[1] for doc_id, _ in parsed.sentences})
        corpus.paragraph_group.update({str(p): f"article-{a}" for p, a in enumerate(parsed.article_of)})
    shared = set.intersection(*(set(f.questions) for f in files.values()))
    for qid in sorted(shared)[:limit]:
        positives = {lang: tuple(sorted(f.answer_docs[qid])) for lang, f in files.items()}
        paragraph = corpus.doc_paragraph[next(iter(positives.values()))[0]]
        corpus.questions.append(ParallelQuestion(
            qid, {lang: f.questions[qid] for lang, f in files.items()}, positives,
            paragraph, corpus.paragraph_group[paragraph]))
    return corpus


# mMARCO's own code for a language, where it is not the ISO code.
MMARCO_CODES = {"nl": "dt"}


def mmarco_train_ids(lang: str) -> tuple[str, str]:
    """(queries dataset, passages dataset) of a language's training data in ir_datasets.
    English is MS MARCO itself; the others are mMARCO v2's translations (shared ids)."""
    if lang == "en":
        return "msmarco-passage/train", "msmarco-passage"
    code = MMARCO_CODES.get(lang, lang)
    return f"mmarco/v2/{code}/train", f"mmarco/v2/{code}"


@dataclass(frozen=True)
class Triple:
    qid: str
    positive: str
    negative: str  # MS MARCO's own BM25 negative


def _triples_language(langs: list[str]) -> str:
    """Every language's training set holds the same triples (ids): read them from one."""
    return next((x for x in sorted(langs) if x != "en"), "de")


def read_triples(langs: list[str], limit: int | None) -> list[Triple]:
    """The first `limit` training triples (query id, positive passage id, BM25 negative id)."""
    import itertools

    import ir_datasets

    source = ir_datasets.load(mmarco_train_ids(_triples_language(langs))[0])
    return [Triple(t.query_id, t.doc_id_a, t.doc_id_b) for t in itertools.islice(source.docpairs_iter(), limit)]


def doc_key(lang: str, pid: str) -> str:
    """Passage ids are shared across languages; a candidate's id names its language too."""
    return f"{lang}/{pid}"


def mmarco_corpus(langs: list[str], limit: int | None) -> tuple[RetrievalCorpus, list[Triple]]:
    """The first `limit` triples, their queries in every one of `langs` and their passages
    (positives and negatives) in every one of `langs` as candidates."""
    try:
        return _mmarco_corpus(langs, limit)
    except ClirbenchError:
        raise
    except Exception as e:  # a failed download, offline: say which files to put where
        needed = [(mmarco_train_ids(lang)[0], "queries") for lang in langs] + \
                 [(mmarco_train_ids(lang)[1], "docs") for lang in langs] + \
                 [(mmarco_train_ids(_triples_language(langs))[0], "docpairs")]
        missing = missing_files(needed)
        if missing:
            raise ClirbenchError(f"mMARCO training data is not available here ({type(e).__name__}: {e})",
                                 "put these files where ir_datasets looks for them:\n" + describe_missing(missing)) from None
        raise ClirbenchError(f"could not read mMARCO training data: {type(e).__name__}: {e}",
                             "check network access, or that the data files are complete") from None


def _mmarco_corpus(langs: list[str], limit: int | None) -> tuple[RetrievalCorpus, list[Triple]]:
    import ir_datasets

    triples = read_triples(langs, limit)
    qids = {t.qid for t in triples}
    pids = sorted({p for t in triples for p in (t.positive, t.negative)})
    corpus = RetrievalCorpus(sorted(langs))
    texts: dict[str, dict[str, str]] = {}
    for lang in corpus.langs:
        queries_id, docs_id = mmarco_train_ids(lang)
        texts[lang] = {q.query_id: q.text for q in ir_datasets.load(queries_id).queries_iter() if q.query_id in qids}
        store = ir_datasets.load(docs_id).docs_store()
        corpus.documents.update({doc_key(lang, pid): (doc.text, lang) for pid, doc in store.get_many(pids).items()})
    positives: dict[str, set[str]] = {}
    for t in triples:
        positives.setdefault(t.qid, set()).add(t.positive)
    for qid in sorted(q for q in qids if all(q in texts[lang] for lang in corpus.langs)):
        corpus.questions.append(ParallelQuestion(
            qid, {lang: texts[lang][qid] for lang in corpus.langs},
            {lang: tuple(doc_key(lang, p) for p in sorted(positives[qid]) if doc_key(lang, p) in corpus.documents)
             for lang in corpus.langs}))
    return corpus, triples
