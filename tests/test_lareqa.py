"""MLQA-R / XQuAD-R construction, on a tiny file in the LAReQA format and on the real files."""

import hashlib
import json
import os
from pathlib import Path

import ir_datasets
import pytest

from clirbench.data import lareqa, register_all
from clirbench.core.errors import ClirbenchError


def _paragraph(sentences, qas):
    context = " ".join(sentences)
    breaks, pos = [], 0
    for s in sentences:
        breaks.append([pos, pos + len(s)])
        pos += len(s) + 1
    return {"context": context, "sentences": sentences, "sentence_breaks": breaks,
            "qas": [{"id": qid, "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]}
                    for qid, q, a in qas]}


FILES = {
    "en": [_paragraph(["Nairobi is in Kenya.", "It has 4 million people."],
                      [("q1", "Where is Nairobi?", "Kenya"), ("q2", "How many live there?", "4 million")]),
           _paragraph(["Lagos is big."], [("q3", "Is Lagos big?", "big")])],
    "sw": [_paragraph(["Nairobi iko Kenya.", "Ina watu milioni 4."],
                      [("q1", "Nairobi iko wapi?", "Kenya"), ("q2", "Watu wangapi?", "milioni 4")])],
}


@pytest.fixture
def tiny_collection(tmp_path, monkeypatch):
    local = tmp_path / "local" / "lareqa" / "tiny-r"
    local.mkdir(parents=True)
    md5 = {}
    for lang, paragraphs in FILES.items():
        data = json.dumps({"version": "1", "data": [{"title": "t", "paragraphs": paragraphs}]}).encode()
        (local / f"{lang}.json").write_bytes(data)
        md5[lang] = hashlib.md5(data).hexdigest()
    monkeypatch.setenv("CLIRBENCH_LOCAL_DATA", str(tmp_path / "local"))
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "irds"))
    collection = lareqa.LareqaCollection(f"tiny-r-{tmp_path.name}", "0" * 40, md5)
    # The collection's files live under its own name.
    (tmp_path / "local" / "lareqa" / collection.name).symlink_to(local)
    lareqa.register_collection(collection)
    return collection


def test_pairs_keep_shared_questions_and_mark_answer_sentences(tiny_collection):
    name = tiny_collection.name
    en_sw = ir_datasets.load(f"clirbench/{name}/en-sw")
    assert [q.query_id for q in en_sw.queries_iter()] == ["q1", "q2"]  # q3 has no Swahili version
    assert [(d.doc_id, d.text) for d in en_sw.docs_iter()] == [("sw-0-0", "Nairobi iko Kenya."), ("sw-0-1", "Ina watu milioni 4.")]
    assert {(r.query_id, r.doc_id) for r in en_sw.qrels_iter()} == {("q1", "sw-0-0"), ("q2", "sw-0-1")}
    en_en = ir_datasets.load(f"clirbench/{name}/en-en")
    assert en_en.docs_count() == 3
    assert {(r.query_id, r.doc_id) for r in en_en.qrels_iter()} == {("q1", "en-0-0"), ("q2", "en-0-1"), ("q3", "en-1-0")}
    # The local copy was verified and copied where ir_datasets keeps downloads.
    assert tiny_collection.cache_path("en").exists()


def test_a_corrupt_local_copy_is_refused(tmp_path, monkeypatch):
    local = tmp_path / "lareqa" / "broken-r"
    local.mkdir(parents=True)
    (local / "en.json").write_text("{}")
    monkeypatch.setenv("CLIRBENCH_LOCAL_DATA", str(tmp_path))
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "irds"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # no download either: the port is closed
    broken = lareqa.LareqaCollection("broken-r", "0" * 40, {"en": "0" * 32})
    with pytest.raises(ClirbenchError) as e:
        lareqa.source_file(broken, "en")
    assert "en.json" in e.value.message and "CLIRBENCH_LOCAL_DATA" in e.value.hint


# Questions and candidates per language, from ../shared/data/lareqa/README.md.
MLQA_R_COUNTS = {"ar": (517, 2545), "de": (512, 2362), "en": (1148, 6264), "es": (500, 1787),
                 "hi": (507, 2426), "vi": (511, 2828), "zh": (504, 2322)}


@pytest.mark.skipif(not os.environ.get("CLIRBENCH_LOCAL_DATA")
                    or not (Path(os.environ["CLIRBENCH_LOCAL_DATA"]) / "lareqa" / "mlqa-r").is_dir(),
                    reason="CLIRBENCH_LOCAL_DATA does not hold lareqa/mlqa-r (the real MLQA-R files)")
def test_real_mlqa_r_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path))
    register_all()
    for lang, (questions, candidates) in MLQA_R_COUNTS.items():
        ds = ir_datasets.load(f"clirbench/mlqa-r/{lang}-{lang}")
        assert sum(1 for _ in ds.queries_iter()) == questions
        assert ds.docs_count() == candidates
        assert {r.query_id for r in ds.qrels_iter()} == {q.query_id for q in ds.queries_iter()}
    pair_counts = [sum(1 for _ in ir_datasets.load(f"clirbench/mlqa-r/{q}-{d}").queries_iter())
                   for q in MLQA_R_COUNTS for d in MLQA_R_COUNTS if q != d]
    assert (min(pair_counts), max(pair_counts)) == (161, 517)
