"""AfriQA-R: AfriQA (Ogundepo et al. 2023, arXiv 2305.06897) as question → passage retrieval.

AfriQA's questions were written by native speakers in 10 African languages, translated by
people into a pivot language (English; French for fon and wol), and, where annotators found
one, answered by a gold passage of pivot-language Wikipedia. As a retrieval task, LAReQA-style
(the full Wikipedia is not available offline): a question searches the gold passages of its
own language and split, and its own gold passage is the relevant one.

Why the pool is one language's passages, not every language's: the pivot-language pool of all
ten languages would change with the languages whose files a user has (bem, fon, twi and wol
are not redistributed everywhere), and scores over different pools do not compare.

IDs, for `split` in train, dev, test and `lang` an AfriQA language:
- `clirbench/afriqa/{split}/{lang}`: the pool (passages that appear under several questions
  are one document), the questions that have a passage, and qrels;
- `clirbench/afriqa/{split}/{lang}/translated`: the same pool and qrels, queried with the
  questions' human translations: the upper bound of query translation.

Gold rows whose passage is missing (`context: null`) are left out and counted (`left_out`).
Wolof has no gold passage in any split: it has questions and translations (bitext) only.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

import ir_datasets
from clirbench.core.errors import ClirbenchError
from clirbench.data.handlers import BinaryQrels, TextDocs, TextQueries
from clirbench.data.pinned import PinnedSource

COMMIT = "5c29933753692c28773c34ac1f68482007f1d2bb"
SOURCE = PinnedSource("afriqa", "afriqa", f"https://raw.githubusercontent.com/masakhane-io/afriqa/{COMMIT}")
# Each language's pivot: the language of its translations and gold passages.
PIVOTS = {"bem": "en", "fon": "fr", "hau": "en", "ibo": "en", "kin": "en", "swa": "en", "twi": "en",
          "wol": "fr", "yor": "en", "zul": "en"}
SPLITS = ("train", "dev", "test")


def queries_file(lang: str, split: str) -> str:
    return f"data/queries/{lang}/queries.afriqa.{lang}.{PIVOTS[lang]}.{split}.json"


def passages_file(lang: str, split: str) -> str:
    return f"data/gold_passages/{lang}/gold_span_passages.afriqa.{lang}.{PIVOTS[lang]}.{split}.json"


def files(lang: str, split: str) -> list[str]:
    """The source's files of one language and split (a split without gold passages has none)."""
    return [f for f in (queries_file(lang, split), passages_file(lang, split)) if SOURCE.known(f)]


@dataclass(frozen=True)
class Question:
    qid: str
    text: str  # in the AfriQA language
    translation: str  # the human translation into the pivot language


@dataclass(frozen=True)
class AfriqaSplit:
    lang: str
    split: str
    questions: dict[str, Question]  # every question of the split, gold passage or not
    passages: dict[str, str]  # doc id -> passage text, each distinct passage once
    gold: dict[str, str]  # question id -> doc id of its gold passage
    left_out: int  # gold rows without a passage (`context: null`)

    def judged(self) -> list[Question]:
        return [q for qid, q in self.questions.items() if qid in self.gold]


def _json_lines(path, what: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                raise ClirbenchError(f"{path}:{number}: not a JSON line ({e})",
                                     f"delete the file so that it is fetched again: it should hold {what}") from None
    return rows


def _field(row: dict, name: str, path, number: int):
    if name not in row:
        raise ClirbenchError(f"{path}: record {number} has no field {name!r} (it has {', '.join(row)})",
                             "the file is not an AfriQA release file: fetch it again from its source")
    return row[name]


def doc_id(lang: str, passage: str) -> str:
    """A passage's id: stable under reordering, the same for the same text."""
    return f"{lang}-{hashlib.sha1(passage.encode()).hexdigest()[:12]}"


@lru_cache(maxsize=64)
def load_split(lang: str, split: str) -> AfriqaSplit:
    if lang not in PIVOTS or split not in SPLITS:
        raise ClirbenchError(f"AfriQA has no language {lang!r} or split {split!r}",
                             f"languages: {', '.join(PIVOTS)}; splits: {', '.join(SPLITS)}")
    qpath = SOURCE.file(queries_file(lang, split))
    questions = {}
    for number, row in enumerate(_json_lines(qpath, "AfriQA questions"), start=1):
        qid = str(_field(row, "id", qpath, number))
        questions[qid] = Question(qid, str(_field(row, "question", qpath, number)).strip(),
                                  str(_field(row, "translated_question", qpath, number) or "").strip())
    passages, gold, left_out = {}, {}, 0
    if SOURCE.known(passages_file(lang, split)):
        ppath = SOURCE.file(passages_file(lang, split))
        for number, row in enumerate(_json_lines(ppath, "AfriQA gold passages"), start=1):
            qid, context = str(_field(row, "id", ppath, number)), row.get("context")
            if not context or not str(context).strip() or qid not in questions:
                left_out += 1
                continue
            did = doc_id(lang, str(context).strip())
            passages.setdefault(did, str(context).strip())
            gold[qid] = did
    return AfriqaSplit(lang, split, questions, passages, gold, left_out)


def dataset_id(lang: str, split: str, translated: bool = False) -> str:
    return f"clirbench/afriqa/{split}/{lang}" + ("/translated" if translated else "")


def _dataset(lang: str, split: str, translated: bool) -> ir_datasets.Dataset:
    """The pool, the questions that have a gold passage (as written, or in their human
    translation) and their qrels, read on use."""
    namespace = f"clirbench/afriqa/{split}/{lang}"

    def source_files():
        return [(SOURCE, f) for f in files(lang, split)]

    def questions():
        return ((q.qid, q.translation if translated else q.text) for q in load_split(lang, split).judged())

    return ir_datasets.Dataset(
        TextDocs(lambda: load_split(lang, split).passages.items(), namespace, PIVOTS[lang], source_files),
        TextQueries(questions, namespace, PIVOTS[lang] if translated else lang, source_files),
        BinaryQrels(lambda: load_split(lang, split).gold.items(),
                    "the gold passage that annotators found to answer the question", source_files))


def register() -> None:
    for lang in PIVOTS:
        for split in SPLITS:
            for translated in (False, True):
                ir_datasets.registry.register(dataset_id(lang, split, translated), _dataset(lang, split, translated))
