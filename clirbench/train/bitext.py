"""Bitext for distillation: (English, foreign, language, id) pairs from the recipe's sources,
split into training and dev pairs by a fixed hash of their id (the dev split of XQuAD-R's
question ids does not move with the seed or the languages).

A pair either of whose sides is the text of an evaluation split (clirbench.data.evaluation_texts)
is dropped and counted, whatever its source: ids alone do not catch a repeated sentence."""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.data import afriqa, flores, lareqa, ntrex
from clirbench.data.evaluation_texts import evaluation_texts, held_out, normalised
from clirbench.train.recipe import BitextSource


@dataclass(frozen=True)
class Pair:
    english: str
    foreign: str
    lang: str
    pair_id: str  # the question id for lareqa; "<file>:<line>" otherwise


def in_dev(pair_id: str, fraction: float) -> bool:
    """Whether an id is held out: a fixed hash, so the split never moves."""
    return int(hashlib.sha256(pair_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


def _lareqa(source: BitextSource) -> list[Pair]:
    collection = lareqa.COLLECTIONS[source.collection]
    english = lareqa.parsed(collection, "en").questions
    pairs = []
    for lang in source.languages:
        foreign = lareqa.parsed(collection, lang).questions
        shared = [qid for qid in english if qid in foreign][: source.limit]
        pairs += [Pair(english[qid], foreign[qid], lang, qid) for qid in shared]
    return pairs


def _afriqa(source: BitextSource) -> list[Pair]:
    pairs = []
    for lang in source.languages:
        questions = list(afriqa.load_split(lang, "train").questions.values())[: source.limit]
        pairs += [Pair(q.translation, q.text, lang, f"afriqa:{lang}:train:{q.qid}") for q in questions if q.translation]
    return pairs


def _flores(source: BitextSource) -> list[Pair]:
    english = flores.sentences(flores.ENGLISH, "train")
    pairs = []
    for lang in source.languages:
        code = flores.resolve(lang)  # the pairs keep the recipe's code: `hau`, read from `hau_Latn`
        foreign = list(flores.sentences(code, "train").items())[: source.limit]
        pairs += [Pair(english[i], text, lang, f"flores:{code}:train:{i}") for i, text in foreign if i in english]
    return pairs


def _ntrex(source: BitextSource) -> list[Pair]:
    pairs = []
    for lang in source.languages:
        lines = ntrex.parallel(lang)[: source.limit]
        pairs += [Pair(en, fo, lang, f"ntrex:{ntrex.resolve(lang)}:{i}") for i, (en, fo) in enumerate(lines) if en and fo]
    return pairs


def _tsv(source: BitextSource) -> list[Pair]:
    path = Path(source.path).expanduser()
    if not path.is_file():
        raise ClirbenchError(f"bitext file {path} does not exist", "give `path:` of a file of english<TAB>foreign lines")
    pairs = []
    with path.open(encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ClirbenchError(f"{path}:{number}: expected english<TAB>foreign, got {len(row)} field(s)",
                                     "fix or remove that line")
            pairs.append(Pair(row[0].strip(), row[1].strip(), source.languages[0], f"{path.name}:{number}"))
            if source.limit and len(pairs) >= source.limit:
                break
    return pairs


def _hf(source: BitextSource) -> list[Pair]:
    import datasets

    lang = source.languages[0]
    local = Path(source.path).expanduser()
    try:
        if local.is_file():
            kind = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}.get(local.suffix, "json")
            data = datasets.load_dataset(kind, data_files=str(local), split=source.split)
        else:
            data = datasets.load_dataset(source.path, source.config, split=source.split)
    except Exception as e:
        raise ClirbenchError(f"cannot load dataset {source.path!r}: {type(e).__name__}: {e}",
                             "with no hub access, give a local data file as `path:`") from None
    foreign_key = source.foreign_field or lang
    pairs = []
    for i, record in enumerate(data):
        fields = record.get("translation", record)
        if source.english_field not in fields or foreign_key not in fields:
            raise ClirbenchError(f"dataset {source.path!r}, record {i}: no fields {source.english_field!r} and "
                                 f"{foreign_key!r} (has: {', '.join(fields)})", "set english_field / foreign_field")
        pairs.append(Pair(fields[source.english_field], fields[foreign_key], lang, f"{source.path}:{i}"))
        if source.limit and len(pairs) >= source.limit:
            break
    return pairs


READERS = {"lareqa": _lareqa, "afriqa": _afriqa, "flores": _flores, "ntrex": _ntrex, "tsv": _tsv, "hf": _hf}


def without_evaluation_texts(pairs: list[Pair]) -> tuple[list[Pair], int]:
    """The pairs neither of whose sides is an evaluation text, and how many were dropped."""
    held_out = evaluation_texts()
    kept = [p for p in pairs if normalised(p.english) not in held_out and normalised(p.foreign) not in held_out]
    return kept, len(pairs) - len(kept)


def load_checked_bitext(sources: list[BitextSource], dev_fraction: float) -> tuple[list[Pair], list[Pair], dict]:
    """(training pairs, dev pairs, the leak check's record) of every source, in a fixed order,
    without evaluation texts; the record (for the student's manifest) says how many pairs were
    dropped and which evaluation files were here to check against."""
    read = [(i, p) for i, source in enumerate(sources) for p in READERS[source.kind](source)]
    pairs, dropped = without_evaluation_texts([p for _, p in read])
    train = [p for p in pairs if not in_dev(p.pair_id, dev_fraction)]
    dev = [p for p in pairs if in_dev(p.pair_id, dev_fraction)]
    # Training pairs of each source (in the recipe's order), after the leak check and the dev split.
    trained = set(train)
    per_source = [sum(1 for j, p in read if j == i and p in trained) for i in range(len(sources))]
    return train, dev, {"dropped_pairs": dropped, "checked_against": held_out(), "train_pairs_by_source": per_source}


def load_bitext(sources: list[BitextSource], dev_fraction: float) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, dev pairs) of every source, in a fixed order, without evaluation texts."""
    train, dev, _ = load_checked_bitext(sources, dev_fraction)
    return train, dev

