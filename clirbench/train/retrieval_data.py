"""Parallel retrieval data for contrastive training: each question id exists in several
languages, with its answer sentences (positives) in each; every sentence of every language is
a candidate. Offline the source is XQuAD-R (never MLQA-R: it is the evaluation set); the split
into training and dev question ids is the fixed hash of `bitext.in_dev`."""

from dataclasses import dataclass, field

from clirbench.data import lareqa
from clirbench.train.bitext import in_dev


@dataclass(frozen=True)
class ParallelQuestion:
    qid: str
    text: dict[str, str]  # language -> the question in it
    positives: dict[str, tuple[str, ...]]  # language -> ids of its answer sentences there

    def relevant(self) -> set[str]:
        """Every answer sentence, in any language: never a negative."""
        return {doc for docs in self.positives.values() for doc in docs}


@dataclass
class RetrievalCorpus:
    langs: list[str]
    documents: dict[str, tuple[str, str]] = field(default_factory=dict)  # doc id -> (text, language)
    questions: list[ParallelQuestion] = field(default_factory=list)

    def split(self, dev_fraction: float) -> tuple[list[ParallelQuestion], list[ParallelQuestion]]:
        train = [q for q in self.questions if not in_dev(q.qid, dev_fraction)]
        dev = [q for q in self.questions if in_dev(q.qid, dev_fraction)]
        return train, dev

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
    shared = set.intersection(*(set(f.questions) for f in files.values()))
    for qid in sorted(shared)[:limit]:
        corpus.questions.append(ParallelQuestion(
            qid, {lang: f.questions[qid] for lang, f in files.items()},
            {lang: tuple(sorted(f.answer_docs[qid])) for lang, f in files.items()}))
    return corpus
