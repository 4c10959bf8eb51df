"""Hybrid batch composition, and hard-negative pools mined by an encoder on XQuAD-R."""

import math
import os
import shutil
import sys
from pathlib import Path

import pytest

from clirbench.train.hybrid_batches import CROSS_LINGUAL, MONOLINGUAL, hybrid_batch
from clirbench.train.retrieval_data import ParallelQuestion

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny_xlmr  # noqa: E402

LANGS = ["ar", "de", "en", "es", "hi", "vi", "zh"]
XQUAD = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "")) / "lareqa" / "xquad-r"


def _questions(n: int) -> list[ParallelQuestion]:
    return [ParallelQuestion(f"q{i}", {lang: f"q{i} {lang}" for lang in LANGS},
                             {lang: (f"{lang}-{i}",) for lang in LANGS}) for i in range(n)]


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 1.0])
def test_batches_are_pure_and_monolingual_with_probability_alpha(alpha):
    questions, batches = _questions(50), 1000
    kinds = []
    for step in range(batches):
        kind, examples = hybrid_batch(questions, LANGS, 16, alpha, seed=3, step=step)
        kinds.append(kind)
        assert len({e.question.qid for e in examples}) == 16  # distinct questions
        if kind == MONOLINGUAL:
            assert len({e.query_lang for e in examples} | {e.doc_lang for e in examples}) == 1
        else:
            assert kind == CROSS_LINGUAL and all(e.query_lang != e.doc_lang for e in examples)
    share = kinds.count(MONOLINGUAL) / batches
    sigma = math.sqrt(alpha * (1 - alpha) / batches)
    assert abs(share - alpha) <= 3 * sigma + 1e-12
    # A batch is a function of (seed, step): a resumed run draws the same one.
    assert hybrid_batch(questions, LANGS, 16, alpha, 3, 7) == hybrid_batch(questions, LANGS, 16, alpha, 3, 7)


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_negative_pools_hold_what_they_say_and_no_answer(tmp_path):
    from clirbench.systems.registry import load_model
    from clirbench.train.negatives import EncoderMiner, mine, read_negatives, write_negatives
    from clirbench.train.retrieval_data import lareqa_corpus

    corpus = lareqa_corpus(["de", "en", "hi"], limit=30)
    assert len(corpus.questions) == 30 and all(set(q.positives) == {"de", "en", "hi"} for q in corpus.questions)
    encoder = load_model(f"hf:{build_tiny_xlmr(tmp_path / 'tiny')}")
    miner = EncoderMiner(encoder, "xquad-r", tmp_path / "cache")
    by_pool = {pool: mine(corpus, corpus.questions, miner, pool, k=4)
               for pool in ("none", "monolingual", "cross-lingual", "mixed")}
    assert by_pool["none"] == []
    relevant = {q.qid: q.relevant() for q in corpus.questions}
    for pool in ("monolingual", "cross-lingual", "mixed"):
        negatives = by_pool[pool]
        assert len(negatives) == 30 * 3 * 4  # k per question per query language
        assert not any(n.doc_id in relevant[n.query_id] for n in negatives)
        assert all(n.doc_lang == corpus.documents[n.doc_id][1] for n in negatives)
    assert all(n.doc_lang == n.query_lang for n in by_pool["monolingual"])
    assert all(n.doc_lang != n.query_lang for n in by_pool["cross-lingual"])
    per_query: dict = {}
    for n in by_pool["mixed"]:
        per_query.setdefault((n.query_id, n.query_lang), []).append(n.doc_lang == n.query_lang)
    assert all(sum(own) == 2 for own in per_query.values())  # half in the question's language
    write_negatives(tmp_path / "negatives.jsonl", by_pool["mixed"])
    assert read_negatives(tmp_path / "negatives.jsonl") == by_pool["mixed"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-base")


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
@pytest.mark.parametrize("towers, pool", [("shared", "mixed"), ("query", "none")])
def test_the_contrastive_recipe_trains_and_scores(tmp_path, tiny, towers, pool, cli):
    import subprocess

    import yaml

    repo = Path(__file__).parents[1]
    settings = [f"base=hf:{tiny}", f"negatives.miner=hf:{tiny}", f"negatives.pool={pool}", f"towers={towers}",
                "limit=40", "batch_size=8", "max_steps=6", "warmup_steps=1", "checkpoint_every=3", "lr=1e-3",
                "precision=float32", "languages=[de, en, hi]"]
    proc = subprocess.run([sys.executable, "-m", "clirbench.cli", "train", str(repo / "recipes/contrastive.yaml"),
                           "--out", str(tmp_path / "out"), *[a for s in settings for a in ("--set", s)]],
                          capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr
    model = tmp_path / "out/model"
    manifest = yaml.safe_load((model / "clirbench-model.yaml").read_text())
    assert manifest["kind"] == "contrastive" and manifest["steps"] == 6 and manifest["student_languages"] is None
    assert manifest["documents"] == ("own" if towers == "shared" else "teacher")
    assert manifest["dev"]["by_step"]["6"] >= 0 and manifest["negatives"]["pool"] == pool
    if pool != "none":
        rows = (model / "negatives.jsonl").read_text().splitlines()
        assert len(rows) == manifest["pairs"]["train_questions"] * 3  # k=1 per question per language
    cli("run", "--model", f"hf:{tiny}", "--task", "toy", "--pairs", "en-de,de-en")
    scored = cli("run", "--model", str(model), "--task", "toy", "--pairs", "en-de,de-en").stderr
    # A shared-tower model encodes its own documents; a query tower reuses the base's.
    documents = 16 if towers == "shared" else 0
    assert f"in this run: {documents} documents encoded, 12 queries encoded" in scored


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_the_hard_negatives_experiment_smoke_runs_and_resumes(tmp_path, tiny, env):
    import json
    import subprocess

    repo = Path(__file__).parents[1]
    command = [sys.executable, "-m", "clirbench.cli", "experiment", str(repo / "experiments/hard-negatives.yaml"),
               "--smoke", "--set", f"base=hf:{tiny}", "--set", f"negatives.miner=hf:{tiny}",
               "--set", "precision=float32", "--set", "languages=[de, en]", "--set", "towers=query"]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    report = tmp_path / "trained/experiments/hard-negatives-smoke/report"
    record = json.loads((report / "conditions.json").read_text())
    assert sorted(record["runs"]) == ["base", "cross-lingual/seed0", "mixed/seed0", "monolingual/seed0", "none/seed0"]
    assert "| `cross-lingual` |" in (report / "report.md").read_text()
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and again.stderr.count("already trained") == 4  # finished conditions are skipped


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_the_hybrid_batches_experiment_smoke_runs_with_no_low_resource_pairs(tmp_path, tiny, env):
    """Its smoke pairs (de, en) have no low-resource column: the report shows no such column
    and plots the sweep over the columns it has (it once ended in KeyError: 'low (query)')."""
    import subprocess

    repo = Path(__file__).parents[1]
    command = [sys.executable, "-m", "clirbench.cli", "experiment", str(repo / "experiments/hybrid-batches.yaml"),
               "--smoke", "--set", f"base=hf:{tiny}", "--set", "precision=float32", "--set", "languages=[de, en]",
               "--set", "towers=query"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "trained/experiments/hybrid-batches-smoke"
    report = (folder / "report/report.md").read_text()
    assert "| `alpha-0.5` |" in report and "| low (query) |" not in report and "| high (query) |" in report
    assert (folder / "report/RR_at_10_by_alpha.png").exists()
    # The report regenerates from its folder alone (the runs bundled beside it), byte for byte.
    summary = (folder / "report/summary.json").read_bytes()
    for trained in folder.iterdir():
        if trained.name != "report":
            shutil.rmtree(trained)
    again = subprocess.run([*command, "--report-only"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert (folder / "report/report.md").read_text() == report
    assert (folder / "report/summary.json").read_bytes() == summary


def test_an_in_batch_passage_holding_the_questions_answer_is_not_its_negative():
    import torch

    from clirbench.train.contrastive import _false_negatives

    # Questions 0 and 1 share the answer sentence s1 (XQuAD questions share paragraphs);
    # question 2's hard negative s9 is nobody's answer.
    doc_ids = ["s1", "s1", "s3", "s9"]
    relevant = [{"s1", "de-s1"}, {"s1"}, {"s3"}]
    mask = _false_negatives(doc_ids, relevant)
    assert mask.tolist() == [[False, True, False, False], [True, False, False, False], [False, False, False, False]]
    logits = torch.zeros(3, 4).masked_fill(mask, -torch.inf)
    loss = torch.nn.functional.cross_entropy(logits, torch.arange(3))
    assert torch.isfinite(loss)  # the masked column simply leaves the softmax


def test_the_report_finds_a_sweep_and_the_teacher_only_languages():
    from clirbench.train.report import _sweep, teacher_only_languages

    spec = {"conditions": {"base": None, "alpha-0": ["alpha=0.0"], "alpha-1": ["alpha=1"]}}
    assert _sweep(spec, ["base", "alpha-0", "alpha-1"]) == ("alpha", {"alpha-0": 0.0, "alpha-1": 1.0})
    pools = {"conditions": {"base": None, "none": ["negatives.pool=none"], "mixed": ["negatives.pool=mixed", "k=2"]}}
    assert _sweep(pools, ["base", "none", "mixed"]) is None
    assert teacher_only_languages([{"student_languages": ["de", "hi"]}], {"de", "en", "hi"}) == {"en"}
    assert teacher_only_languages([{"student_languages": None}], {"de", "en"}) == set()
    # An English teacher's student also encodes the questions its teacher cannot read (zero-shot).
    english_teacher = {"student_languages": ["hau"], "teacher_languages": ["en"]}
    assert teacher_only_languages([english_teacher], {"ar", "en", "hau"}) == {"en"}
