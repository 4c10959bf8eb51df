"""Hybrid batch composition, and hard-negative pools mined by an encoder on XQuAD-R."""

import math
import os
import sys
from pathlib import Path

import pytest

from clirbench.train.hybrid_batches import CROSS_LINGUAL, MONOLINGUAL, hybrid_batch
from clirbench.train.retrieval_data import ParallelQuestion
from clirbench.train.run_bundle import read_bundle

sys.path.insert(0, str(Path(__file__).parent))
from experiment_helpers import regenerate_alone  # noqa: E402
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
def test_the_dev_split_is_by_article_and_shares_no_paragraph_with_training():
    from clirbench.train.retrieval_data import lareqa_corpus

    corpus = lareqa_corpus(LANGS)
    train, dev = corpus.split(0.1)
    assert len({q.group for q in corpus.questions}) == 48 and len({q.group for q in dev}) == 5  # round(4.8)
    assert not {q.paragraph for q in train} & {q.paragraph for q in dev}
    assert not {q.group for q in train} & {q.group for q in dev}
    trained_answers = {d for q in train for d in q.relevant()}
    assert not any(d in trained_answers for q in dev for d in q.relevant())
    # Every answer, in every language, sits in its question's paragraph.
    assert all(corpus.doc_paragraph[d] == q.paragraph for q in corpus.questions for d in q.relevant())
    assert corpus.split(0.1) == (train, dev)  # fixed
    # The split by question id it replaces (docs/training.md): every dev question on a training
    # paragraph, half with an English answer sentence that was a training positive.
    from clirbench.train.bitext import in_dev

    old_dev = [q for q in corpus.questions if in_dev(q.qid, 0.1)]
    old_train = [q for q in corpus.questions if not in_dev(q.qid, 0.1)]
    seen, positives = {q.paragraph for q in old_train}, {d for q in old_train for d in q.positives["en"]}
    assert (len(old_dev), sum(q.paragraph in seen for q in old_dev),
            sum(any(d in positives for d in q.positives["en"]) for q in old_dev)) == (136, 136, 68)


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_negative_pools_are_defined_by_the_positives_language_and_matched_in_hardness(tmp_path):
    from clirbench.systems.registry import load_model
    from clirbench.train.negatives import EncoderMiner, mine, negative_stats, read_negatives, write_negatives
    from clirbench.train.retrieval_data import lareqa_corpus

    corpus = lareqa_corpus(["de", "en", "hi"], limit=60)
    train, _ = corpus.split(0.3)
    assert all(set(q.positives) == {"de", "en", "hi"} for q in corpus.questions)
    encoder = load_model(f"hf:{build_tiny_xlmr(tmp_path / 'tiny', max_tokens=32)}")
    miner = EncoderMiner(encoder, "xquad-r", tmp_path / "cache")
    by_pool = {pool: mine(corpus, train, miner, pool, k=4)[0] for pool in ("none", "monolingual", "cross-lingual", "mixed")}
    assert by_pool["none"] == []
    paragraph = {q.qid: q.paragraph for q in train}
    train_groups = {q.group for q in train}
    for pool in ("monolingual", "cross-lingual", "mixed"):
        negatives = by_pool[pool]
        # At most k per question beside each positive language: under the hardness cap a pool can
        # run short (tiny random vectors; on XQuAD-R with me5-small, see the report's counts).
        per_key: dict = {}
        for n in negatives:
            per_key.setdefault((n.query_id, n.positive_lang), []).append(n)
        assert negatives and all(len(found) <= 4 for found in per_key.values())
        # Never an answer, nor any sentence of the positive's paragraph, nor a dev article's sentence.
        assert not any(corpus.doc_paragraph[n.doc_id] == paragraph[n.query_id] for n in negatives)
        assert all(corpus.paragraph_group[corpus.doc_paragraph[n.doc_id]] in train_groups for n in negatives)
        assert all(n.doc_lang == corpus.documents[n.doc_id][1] for n in negatives)
        assert negative_stats(negatives, corpus, train)["share_same_paragraph"] == 0
    assert all(n.doc_lang == n.positive_lang for n in by_pool["monolingual"])
    assert all(n.doc_lang != n.positive_lang for n in by_pool["cross-lingual"])
    per_key: dict = {}
    for n in by_pool["mixed"]:
        per_key.setdefault((n.query_id, n.positive_lang), []).append(n.doc_lang == n.positive_lang)
    assert all(sum(own) <= 2 and len(own) - sum(own) <= 2 for own in per_key.values())  # half in the positive's
    assert any(sum(own) == 2 for own in per_key.values())                                 # language, at most
    # Hardness: both pools are capped at the lower of their best scores, so one pool's first
    # negative is that cap and the other's is the best under it.
    def first(pool, match):
        found, _ = mine(corpus, train, miner, pool, k=1, match=match)
        return {(n.query_id, n.positive_lang): n.score for n in found}
    mono, cross = first("monolingual", True), first("cross-lingual", True)
    free_mono, free_cross = first("monolingual", False), first("cross-lingual", False)
    for key in set(mono) & set(cross):
        cap = min(free_mono[key], free_cross[key])
        assert mono[key] <= cap + 1e-6 and cross[key] <= cap + 1e-6 and max(mono[key], cross[key]) == cap
    both = set(mono) & set(cross)
    assert len(both) > len(mono) / 2
    assert sum(abs(mono[k] - cross[k]) for k in both) < sum(abs(free_mono[k] - free_cross[k]) for k in both)
    write_negatives(tmp_path / "negatives.jsonl", by_pool["mixed"])
    assert read_negatives(tmp_path / "negatives.jsonl") == by_pool["mixed"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-base", max_tokens=32)


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
@pytest.mark.parametrize("towers, pool", [("shared", "mixed"), ("query", "none")])
def test_the_contrastive_recipe_trains_and_scores(tmp_path, tiny, towers, pool, cli, cli_here):
    import yaml

    repo = Path(__file__).parents[1]
    settings = [f"base=hf:{tiny}", f"negatives.miner=hf:{tiny}", f"negatives.pool={pool}", f"towers={towers}",
                "limit=100", "batch_size=8", "max_steps=6", "warmup_steps=1", "checkpoint_every=3", "lr=1e-3",
                "precision=float32", "languages=[de, en, hi]"]
    # Trained in this process (`clirbench train` runs in one of its own in test_train.py); the
    # student is scored below as a user scores it.
    proc = cli_here("train", repo / "recipes/contrastive.yaml", "--out", tmp_path / "out",
                    *[a for s in settings for a in ("--set", s)])
    assert proc.returncode == 0, proc.stderr
    model = tmp_path / "out/model"
    manifest = yaml.safe_load((model / "clirbench-model.yaml").read_text())
    assert manifest["kind"] == "contrastive" and manifest["steps"] == 6 and manifest["student_languages"] is None
    assert manifest["documents"] == ("own" if towers == "shared" else "teacher")
    assert set(manifest["dev"]["by_step"]["6"]) == {"mAP (pool)", "RR@10 (X->Y)"}
    assert 0 <= manifest["dev"]["by_step"]["6"]["mAP (pool)"] <= 1 and manifest["negatives"]["pool"] == pool
    if pool != "none":
        rows = (model / "negatives.jsonl").read_text().splitlines()
        # At most k=1 per question beside each positive language (the hardness cap may leave none).
        assert 0 < len(rows) <= manifest["pairs"]["train_questions"] * 3
        assert manifest["negatives"]["stats"]["count"] == len(rows)
    assert cli_here("run", "--system", f"hf:{tiny}", "--task", "toy", "--pairs", "en-de,de-en").returncode == 0
    scored = cli("run", "--system", str(model), "--task", "toy", "--pairs", "en-de,de-en").stderr
    # A shared-tower model encodes its own documents; a query tower reuses the base's.
    documents = 16 if towers == "shared" else 0
    assert f"in this run: {documents} documents encoded, 12 queries encoded" in scored


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_the_hard_negatives_experiment_smoke_runs_and_resumes(tmp_path, tiny, env, cli_here):
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
    assert sorted(record["runs"]) == ["base", "cross-lingual/seed0", "monolingual/seed0", "none/seed0"]
    text = (report / "report.md").read_text()
    assert "| `cross-lingual` |" in text and "## Mined negatives" in text
    again = cli_here(*command[3:])  # the rerun in this process
    assert again.returncode == 0 and again.stderr.count("already trained") == 3  # finished conditions are skipped


@pytest.mark.skipif(not XQUAD.is_dir(), reason="the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
def test_the_hybrid_batches_experiment_smoke_runs_with_no_low_resource_pairs(tmp_path, tiny, cli_here):
    """Its smoke pairs (de, en) have no low-resource column: the report shows no such column
    and plots the sweep over the columns it has (it once ended in KeyError: 'low (query)'). Run
    in this process (the hard-negatives smoke run above runs in one of its own)."""
    repo = Path(__file__).parents[1]
    command = ["experiment", repo / "experiments/hybrid-batches.yaml", "--smoke", "--set", f"base=hf:{tiny}",
               "--set", "precision=float32", "--set", "languages=[de, en]", "--set", "towers=query"]
    done = cli_here(*command)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "trained/experiments/hybrid-batches-smoke"
    report = (folder / "report/report.md").read_text()
    assert "| `alpha-0.5` |" in report and "| low (query) |" not in report and "| high (query) |" in report
    assert (folder / "report/RR_at_10_by_alpha.png").exists()
    # The report regenerates from its folder alone (the runs bundled beside it), byte for byte.
    regenerate_alone(folder, lambda *more: cli_here(*command, *more))
    # A later session (the trained folders gone) adds a seed: seed 0's runs are kept from the
    # bundle, not trained or scored again, and the bundle then holds both seeds.
    later = cli_here(*command, "--seeds", "1")
    assert later.returncode == 0, later.stderr
    assert later.stderr.count("done in an earlier session") == 1  # the base (seed 0's runs are not asked for)
    bundled = read_bundle(folder / "report/runs.json.gz")
    assert sorted(bundled) == sorted(["base", *(f"alpha-{a}/seed{s}" for a in ("0", "0.5", "1") for s in (0, 1))])
    assert "seeds [0, 1]" in (folder / "report/report.md").read_text()
    regenerate_alone(folder, lambda *more: cli_here(*command, *more))


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
    from clirbench.systems.student_manifest import StudentManifest
    from clirbench.train.report import _sweep, teacher_only_languages

    grid = {"base": None, "alpha-0": ["alpha=0.0"], "alpha-1": ["alpha=1"]}
    assert _sweep(grid, ["base", "alpha-0", "alpha-1"]) == ("alpha", {"alpha-0": 0.0, "alpha-1": 1.0})
    pools = {"base": None, "none": ["negatives.pool=none"], "mixed": ["negatives.pool=mixed", "k=2"]}
    assert _sweep(pools, ["base", "none", "mixed"]) is None

    def manifest(**fields):
        return StudentManifest.parse({"name": "s", "kind": "optical-student", "teacher": "t", "teacher_fingerprint": "f",
                                      "recipe_digest": "d", "weights_sha256": "w", **fields})

    assert teacher_only_languages([manifest(student_languages=["de", "hi"])], {"de", "en", "hi"}) == {"en"}
    assert teacher_only_languages([manifest(student_languages=None)], {"de", "en"}) == set()
    # An English teacher's student also encodes the questions its teacher cannot read (zero-shot).
    english_teacher = manifest(student_languages=["hau"], teacher_languages=["en"])
    assert teacher_only_languages([english_teacher], {"ar", "en", "hau"}) == {"en"}
