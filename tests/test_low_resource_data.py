"""AfriQA-R, FLORES-R (SIB-200), Tatoeba and NTREX-128 on the real files of $CLIRBENCH_LOCAL_DATA:
loaders and counts against the raw files, the tasks' pairs, and the train/evaluation leak check
across every bitext source, by text."""

import json
import os
from pathlib import Path

import ir_datasets
import pytest

from clirbench.data import afriqa, flores, lareqa, ntrex, register_all, tatoeba
from clirbench.data.evaluation_texts import evaluation_texts, normalised
from clirbench.tasks import load_task

LOCAL = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "/nonexistent"))
pytestmark = pytest.mark.skipif(not (LOCAL / "afriqa").is_dir() or not (LOCAL / "sib-200").is_dir(),
                                reason="CLIRBENCH_LOCAL_DATA does not hold afriqa/, sib-200/, tatoeba/ and ntrex/")

AFRIQA_HERE = ["hau", "ibo", "kin", "swa", "yor", "zul"]


def _json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_all()


@pytest.mark.parametrize("lang", AFRIQA_HERE)
@pytest.mark.parametrize("split", afriqa.SPLITS)
def test_afriqa_counts_match_the_raw_files(lang, split):
    raw_questions = _json_lines(LOCAL / "afriqa" / afriqa.queries_file(lang, split))
    passages_path = LOCAL / "afriqa" / afriqa.passages_file(lang, split)
    raw_gold = _json_lines(passages_path) if passages_path.exists() else []
    loaded = afriqa.load_split(lang, split)
    assert len(loaded.questions) == len(raw_questions)
    with_passage = [r for r in raw_gold if r["context"]]
    assert len(loaded.gold) == len(with_passage)
    assert loaded.left_out == len(raw_gold) - len(with_passage)
    assert len(loaded.passages) == len({r["context"].strip() for r in with_passage})
    # A question's relevant document is its own gold passage's text.
    for row in with_passage:
        assert loaded.passages[loaded.gold[str(row["id"])]] == row["context"].strip()


def test_afriqa_rows_without_a_passage_are_left_out_and_counted():
    """The issue's counts for the test split (kin 2, yor 1; bem 1 is not copied here)."""
    assert {lang: afriqa.load_split(lang, "test").left_out for lang in AFRIQA_HERE} == \
        {"hau": 0, "ibo": 0, "kin": 2, "swa": 0, "yor": 1, "zul": 0}


def test_afriqa_r_pairs_and_translated_reference():
    spec = load_task("afriqa-r")
    keys = [p.key for p in spec.pairs()]
    assert {f"{lang}-en" for lang in ["bem", "hau", "ibo", "kin", "swa", "twi", "yor", "zul"]} <= set(keys)
    assert "fon-fr" in keys and "hau:en-en" in keys and "fon:fr-fr" in keys
    assert not any(k.startswith("wol") for k in keys) and "wol" in spec.languages_without_pairs
    native, translated = (ir_datasets.load(f"clirbench/afriqa/test/hau{s}") for s in ("", "/translated"))
    q_native = {q.query_id: q.text for q in native.queries_iter()}
    q_translated = {q.query_id: q.text for q in translated.queries_iter()}
    raw = {str(r["id"]): r for r in _json_lines(LOCAL / "afriqa" / afriqa.queries_file("hau", "test"))}
    assert q_native.keys() == q_translated.keys()
    assert all(q_native[i] == raw[i]["question"].strip() and q_translated[i] == raw[i]["translated_question"].strip()
               for i in q_native)
    pair = next(p for p in spec.pairs() if p.key == "hau:en-en")
    assert pair.query_lang == "en" and pair.query_set == "hau" and pair.translated


def test_flores_pairs_align_by_index_id():
    raw = (LOCAL / "sib-200" / flores.split_file("hau_Latn", "test")).read_text(encoding="utf-8").splitlines()
    dataset = ir_datasets.load("clirbench/flores/test/hau_Latn-eng_Latn")
    queries = {q.query_id: q.text for q in dataset.queries_iter()}
    assert len(queries) == len(raw) - 1 == 204
    english = {d.doc_id: d.text for d in dataset.docs_iter()}
    for qrel in dataset.qrels_iter():
        assert qrel.doc_id == f"eng_Latn-{qrel.query_id}"
        assert english[qrel.doc_id] == flores.sentences("eng_Latn", "test")[qrel.query_id]


def test_flores_r_defines_all_205_languages_and_no_train_sentence_is_searched():
    spec = load_task("flores-r")
    langs = {p.query_lang for p in spec.pairs()} | {p.doc_lang for p in spec.pairs()}
    assert langs == set(flores.languages()) and len(langs) == 205
    assert {p.queries.split("/")[2] for p in spec.pairs()} == {"test"}
    assert len(spec.pairs()) == 204 * 2 + 8 * 7


@pytest.mark.parametrize("lang", ["amh", "swh", "cmn", "tgl"])
def test_tatoeba_sides_are_line_aligned(lang):
    folder = LOCAL / "tatoeba" / "data" / "tatoeba" / "v1"
    foreign = (folder / f"tatoeba.{lang}-eng.{lang}").read_text(encoding="utf-8").splitlines()
    english = (folder / f"tatoeba.{lang}-eng.eng").read_text(encoding="utf-8").splitlines()
    forward = ir_datasets.load(f"clirbench/tatoeba/{lang}-eng")
    backward = ir_datasets.load(f"clirbench/tatoeba/eng-{lang}")
    assert [q.text for q in forward.queries_iter()] == [t.strip() for t in foreign]
    assert [d.text for d in forward.docs_iter()] == [t.strip() for t in english]
    assert [q.text for q in backward.queries_iter()] == [t.strip() for t in english]
    assert all(q.doc_id == f"{lang}-{q.query_id}" for q in backward.qrels_iter())


def test_tatoeba_task_has_both_directions_of_112_languages():
    keys = {p.key for p in load_task("tatoeba").pairs()}
    assert len(tatoeba.languages()) == 112 and len(keys) == 224
    assert {"amh-eng", "eng-amh", "swh-eng", "eng-swh"} <= keys


def test_ntrex_reads_every_language_line_aligned():
    # 127 translations (English variants eng_GB, eng_IN and eng_US among them) of the English source;
    # the second Spanish reference (`ref-2.spa`) is not read.
    assert len(ntrex.file_codes()) == 127 and "eng_GB" in ntrex.file_codes()
    assert ntrex.resolve("hau") == "hau" and ntrex.resolve("srp_Cyrl") == "srp_Cyrl"
    pairs = ntrex.parallel("hau")
    assert len(pairs) == 1997 and all(en and fo for en, fo in pairs[:10])


def test_tasks_command_names_the_languages_whose_files_are_absent(cli):
    out = cli("tasks", "afriqa-r").stdout
    # French: only Fon's questions search French passages, in Fon's files.
    assert "Languages whose files are not here: bem, fon, fr, twi" in " ".join(out.split())
    assert "wol: no pairs" in out and "queries.afriqa.bem.en.test.json" in out


def _every_bitext_source():
    from clirbench.train.recipe import BitextSource

    yield BitextSource(kind="afriqa", languages=AFRIQA_HERE)
    yield BitextSource(kind="flores", languages=[lang for lang in flores.languages() if lang != flores.ENGLISH
                                                 and flores.SOURCE.present(flores.split_file(lang, "train"))])
    yield BitextSource(kind="ntrex", languages=sorted(ntrex.file_codes()))
    yield BitextSource(kind="lareqa", languages=[lang for lang in lareqa.XQUAD_R.langs
                                                 if lang != "en" and lareqa.XQUAD_R.source.present(f"{lang}.json")])


def test_no_evaluation_sentence_enters_training_by_text():
    """Every bitext source, after load_bitext, against every evaluation split's texts; and the
    overlaps that exist in the raw sources (AfriQA train/test questions, FLORES train/test,
    NTREX/Tatoeba) are really there and really dropped."""
    from clirbench.train.bitext import READERS, load_bitext

    held_out = evaluation_texts()
    dropped = {}
    for source in _every_bitext_source():
        raw = READERS[source.kind](source)
        train, dev = load_bitext([source], dev_fraction=0.1)
        kept = train + dev
        leaks = [p for p in kept if normalised(p.english) in held_out or normalised(p.foreign) in held_out]
        assert not leaks, f"{source.kind}: {leaks[:3]}"
        dropped[source.kind] = len(raw) - len(kept)
    assert dropped["afriqa"] > 0 and dropped["flores"] > 0 and dropped["ntrex"] > 0, dropped
