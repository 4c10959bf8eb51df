"""Training recipes on tiny real models: Sinkhorn against POT, the OPTICAL loss, the frozen
teacher, kill -9 and resume, the student scored as a system, and recipe errors."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from clirbench.data.toy import FILES as TOY
from clirbench.train.recipe import load_recipe
from clirbench.train.sinkhorn import log_sinkhorn, ot_cost

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny_xlmr, distil_briefly  # noqa: E402

LOCAL_DATA = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "/nonexistent"))


def test_sinkhorn_matches_pot_and_its_marginals():
    import ot

    torch.manual_seed(0)
    sizes = [(5, 7), (3, 4), (6, 2)]
    n, m = max(s for s, _ in sizes), max(t for _, t in sizes)
    cost = torch.rand(len(sizes), n, m, dtype=torch.float64)
    a = torch.zeros(len(sizes), n, dtype=torch.float64)
    b = torch.zeros(len(sizes), m, dtype=torch.float64)
    for i, (s, t) in enumerate(sizes):  # uneven lengths: the rest is padding, weight 0
        a[i, :s] = torch.rand(s, dtype=torch.float64) + 0.1
        b[i, :t] = torch.rand(t, dtype=torch.float64) + 0.1
    a, b = a / a.sum(1, keepdim=True), b / b.sum(1, keepdim=True)
    plan = log_sinkhorn(cost, a, b, eps=0.05, iters=500)
    for i, (s, t) in enumerate(sizes):
        assert torch.allclose(plan[i].sum(1), a[i], atol=1e-3) and torch.allclose(plan[i].sum(0), b[i], atol=1e-3)
        assert plan[i, s:].abs().sum() == 0 and plan[i, :, t:].abs().sum() == 0
        expected = ot.sinkhorn(a[i, :s].numpy(), b[i, :t].numpy(), cost[i, :s, :t].numpy(), reg=0.05,
                               method="sinkhorn_log", numItermax=5000, stopThr=1e-12)
        assert np.allclose(plan[i, :s, :t].numpy(), expected, atol=1e-4)
    value = ot_cost(cost, a, b, 0.05, 500)
    assert torch.allclose(value, (plan * cost).sum((1, 2)))


def test_envelope_gradient_treats_the_plan_as_constant():
    cost = torch.rand(1, 4, 3, requires_grad=True)
    a, b = torch.full((1, 4), 0.25), torch.full((1, 3), 1 / 3)
    ot_cost(cost, a, b, 0.1, 100, detach_plan=True).sum().backward()
    assert torch.allclose(cost.grad, log_sinkhorn(cost.detach(), a, b, 0.1, 100))


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-teacher", max_tokens=32)  # recipes: max_length 32


def _bitext(folder: Path) -> Path:
    """English-Swahili pairs from the toy collection: its questions and passages, by id."""
    lines = []
    for kind in ("queries", "docs"):
        en = dict(line.split("\t") for line in (TOY / f"{kind}.en.tsv").read_text().splitlines())
        sw = dict(line.split("\t") for line in (TOY / f"{kind}.sw.tsv").read_text().splitlines())
        lines += [f"{en[k]}\t{sw[k.replace('en-', 'sw-')]}" for k in en if k.replace("en-", "sw-") in sw]
    path = folder / "en-sw.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _recipe(folder: Path, teacher: Path, **fields) -> Path:
    settings = {"teacher": f"hf:{teacher}", "max_steps": 30, "batch_size": 4, "lr": 1e-3, "warmup_steps": 2,
                "checkpoint_every": 10, "dev_fraction": 0.1, "max_length": 32, "precision": "float32",
                "epsilon": 0.1, "sinkhorn_iters": 20, **fields}
    body = "recipe: optical\n" + "".join(f"{k}: {v}\n" for k, v in settings.items())
    body += f"bitext:\n  - {{kind: tsv, path: {_bitext(folder)}, languages: [sw]}}\n"
    path = folder / "tiny.yaml"
    path.write_text(body)
    return path


def _train(recipe: Path, out: Path, env=None, check=True):
    return subprocess.run([sys.executable, "-m", "clirbench.cli", "train", str(recipe), "--out", str(out)],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=300, check=check)


def test_loss_falls_and_the_teacher_stays_frozen(tmp_path, teacher):
    from clirbench.train.encoding import base_encoder
    from clirbench.train.optical import Distiller
    from clirbench.train.bitext import load_bitext

    recipe = load_recipe(_recipe(tmp_path, teacher, sentence_weight=0.5))
    train, _ = load_bitext(recipe.bitext, recipe.dev_fraction)
    torch.manual_seed(0)
    distiller = Distiller(recipe, base_encoder(recipe.teacher), train)
    losses = distil_briefly(distiller, train, recipe)
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5]), losses
    assert all(p.grad is None and not p.requires_grad for p in distiller.teacher.parameters())
    assert not distiller.teacher.training


@pytest.fixture(scope="module")
def runs(tmp_path_factory, teacher) -> SimpleNamespace:
    """The tiny recipe (30 steps, a checkpoint every 10) trained by `clirbench train` twice: once
    straight through (in this process), and once in a process of its own, killed (SIGKILL, as
    kill -9) at step 17. The resume, scoring and refusal tests below assert on these two runs
    (xdist_group "train-runs": one process trains them, once)."""
    from clirbench.cli import main

    folder = tmp_path_factory.mktemp("runs")
    recipe = _recipe(folder, teacher)
    assert main(["train", str(recipe), "--out", str(folder / "straight")]) == 0
    killed = _train(recipe, folder / "killed", env={"CLIRBENCH_TRAIN_KILL_AT_STEP": "17"}, check=False)
    return SimpleNamespace(recipe=recipe, straight=folder / "straight", killed=folder / "killed",
                           killed_code=killed.returncode)


@pytest.mark.xdist_group("train-runs")
def test_a_killed_run_resumes_to_the_same_weights(runs, teacher, cli_here):
    assert runs.killed_code == -9  # SIGKILL, as kill -9
    assert (runs.killed / "checkpoints/step-0000010/state.json").exists()
    # A checkpoint of another recipe is refused, not resumed from.
    other = cli_here("train", runs.recipe, "--out", runs.killed, "--set", "lr=0.01")
    assert other.returncode == 2 and "checkpoint of another recipe" in other.stderr and "Traceback" not in other.stderr
    resumed = cli_here("train", runs.recipe, "--out", runs.killed)
    assert resumed.returncode == 0 and "resuming from step-0000010" in resumed.stderr
    a = load_file(str(runs.straight / "model/model.safetensors"))
    b = load_file(str(runs.killed / "model/model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    teacher_weights = load_file(str(teacher / "model.safetensors"))
    assert any(not torch.equal(teacher_weights[k], a[k]) for k in teacher_weights if k in a)  # it did learn


@pytest.mark.xdist_group("train-runs")
def test_the_student_is_scored_like_any_encoder(tmp_path, teacher, runs, cli, cli_here):
    import yaml

    out = runs.straight
    manifest = yaml.safe_load((out / "model/clirbench-model.yaml").read_text())
    assert manifest["student_languages"] == ["sw"] and manifest["adapted_from"] == f"hf:{teacher}"
    # 14 toy pairs, less one whose English side ("What is the capital of Kenya?") is a Tatoeba test
    # sentence: evaluation texts never train (clirbench.data.evaluation_texts).
    expected = 13 if (LOCAL_DATA / "tatoeba").is_dir() else 14
    assert manifest["steps"] == 30 and manifest["pairs"]["sw"]["train"] + manifest["pairs"]["sw"]["dev"] == expected
    assert manifest["evaluation_texts"]["dropped_pairs"] == 14 - expected
    assert "tatoeba" in manifest["evaluation_texts"]["checked_against"]
    # The teacher's run in this process; the student's as a user runs it, in a process of its own.
    assert cli_here("run", "--system", f"hf:{teacher}", "--task", "toy", "--pairs", "sw-en,en-en").returncode == 0
    proc = cli("run", "--system", str(out / "model"), "--task", "toy", "--pairs", "sw-en,en-en")
    # Documents are the teacher's, cached by its run; sw questions go through the student.
    assert "in this run: 0 documents encoded, 12 queries encoded" in proc.stderr
    results = (tmp_path / "results/toy" / manifest["name"] / "results.json").read_text()
    teacher_results = (tmp_path / "results/toy/hf-tiny-teacher/results.json").read_text()
    import json

    student, base = json.loads(results), json.loads(teacher_results)
    assert student["model"]["adapted_from"] == f"hf:{teacher}" and student["model"]["kind"] == "encoder"
    # English questions go through the teacher: en-en is the teacher's, to the last digit.
    assert student["pairs"]["en-en"]["per_query"] == base["pairs"]["en-en"]["per_query"]


@pytest.mark.parametrize("field, value, message", [
    ("max_stepz", "3", "field `max_stepz`"),
    ("epsilon", "-1", "field `epsilon`"),
    ("ot_weight", "0", "nothing to learn"),
    ("lr", ".inf", "field `lr`"),
    ("epsilon", ".nan", "field `epsilon`"),
    ("bitext.3.limit", "5", "no such field"),
    ("bitext", "[{kind: lareqa, languages: [sw]}]", "has no language(s) ['sw']"),
])
def test_a_bad_recipe_gets_a_one_line_error(tmp_path, teacher, field, value, message, cli_here):
    recipe = _recipe(tmp_path, teacher)
    proc = cli_here("train", recipe, "--set", f"{field}={value}")
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert str(recipe) in proc.stderr and "fix:" in proc.stderr


def test_optical_names_its_device_only_off_the_cpu(tmp_path, teacher, cli_here):
    """OPTICAL trained on the CPU before its recipe had `device`: the committed experiment's
    runs are named by digests of recipes without it, and keep those names."""
    import json

    from clirbench.train.experiment import load_experiment

    repo = Path(__file__).resolve().parents[1]
    spec = load_experiment(repo / "experiments/optical.yaml")
    recorded = json.loads((repo / "experiments/results/optical/conditions.json").read_text())["runs"]
    for key, run in recorded.items():
        if run["seed"] is not None:
            recipe = load_recipe(repo / "recipes/optical.yaml", [*spec.conditions[run["condition"]], f"seed={run['seed']}"])
            assert recipe.device == "cpu" and run["system"] == f"optical-{recipe.digest()}", key
    tiny = _recipe(tmp_path, teacher)
    assert len({load_recipe(tiny, [f"device={d}"]).digest() for d in ("cpu", "auto", "cuda")}) == 3
    if not torch.cuda.is_available():
        proc = cli_here("train", tiny, "--set", "device=cuda", "--out", tmp_path / "out")
        assert proc.returncode == 2 and "no CUDA GPU" in proc.stderr and "Traceback" not in proc.stderr


def test_set_overrides_and_bitext_sources(tmp_path, teacher):
    recipe = load_recipe(_recipe(tmp_path, teacher), ["max_steps=40", "bitext.0.limit=5"])
    assert recipe.max_steps == 40 and recipe.bitext[0].limit == 5
    from clirbench.train.bitext import load_bitext

    train, dev = load_bitext(recipe.bitext, 0.5)
    # The first 5 toy pairs, less the one whose English side is a Tatoeba test sentence.
    expected = 4 if (LOCAL_DATA / "tatoeba").is_dir() else 5
    assert len(train) + len(dev) == expected and {p.lang for p in train + dev} == {"sw"}
    # A Hugging Face `datasets` corpus of translation records, from a local file.
    records = tmp_path / "opus.jsonl"
    records.write_text('{"translation": {"en": "the city", "sw": "mji"}}\n{"translation": {"en": "water", "sw": "maji"}}\n')
    hf = load_recipe(_recipe(tmp_path, teacher), [f"bitext=[{{kind: hf, path: '{records}', languages: [sw]}}]"])
    pairs, held = load_bitext(hf.bitext, 0.01)
    # Sorted: a pair's id holds its file's path (here a temporary folder), so a run can hold one out.
    assert sorted((p.english, p.foreign) for p in pairs + held) == [("the city", "mji"), ("water", "maji")]


def test_an_experiment_trains_scores_resumes_and_reports(tmp_path, teacher, cli_here):
    recipe = _recipe(tmp_path, teacher, max_steps=6, checkpoint_every=3)
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"name: tiny\nrecipe: {recipe.name}\ntask: toy\npairs: [sw-en, sw-de, en-sw]\nseeds: [0, 1]\n"
                    "baseline: teacher\nconditions:\n  teacher: null\n  optical: [ot_weight=1.0]\n"
                    "  sentence: [ot_weight=0, sentence_weight=1.0]\n")
    # In this process, reruns included: `clirbench experiment` runs in one of its own in the smoke
    # test below and in test_experiment_grids.py.
    command = ["experiment", grid, "--out", tmp_path / "report", "--runs", tmp_path / "trained/experiments/tiny"]
    first = cli_here(*command)
    assert first.returncode == 0, first.stderr
    import json

    record = json.loads((tmp_path / "report/conditions.json").read_text())
    assert sorted(record["runs"]) == ["optical/seed0", "optical/seed1", "sentence/seed0", "sentence/seed1", "teacher"]
    # Students encode only their Swahili questions: documents are the teacher's, cached by its run.
    assert record["runs"]["optical/seed1"]["model_calls"]["documents encoded"] == 0
    report = (tmp_path / "report/report.md").read_text()
    assert "| `optical` |" in report and "± " in report and "p adj. (holm)" in report and "![RR_at_10.png]" in report
    # Every test is of the difference the tables print: the seed-averaged cells.
    summary = json.loads((tmp_path / "report/summary.json").read_text())
    for test in summary["tests"]:
        mine = summary["stats"][test["condition"]][test["measure"]][test["column"]][0]
        theirs = summary["stats"][test["against"]][test["measure"]][test["column"]][0]
        assert test["diff"] == pytest.approx(mine - theirs) and test["ci_low"] <= test["diff"] <= test["ci_high"]
        # Two seeds against the teacher's one run: the seeds' macro averages against the teacher's.
        # A column no seed changes (English questions, encoded by the teacher) has no seed-level test.
        spread = summary["stats"][test["condition"]][test["measure"]][test["column"]][1]
        assert test["seeds"] == [2, 1]
        assert (test["p_seed"] is None) if spread < 1e-12 else 0 <= test["p_seed"] <= 1
    assert (tmp_path / "report/RR_at_10.png").stat().st_size > 1000
    again = cli_here(*command)
    assert again.returncode == 0 and "already trained" in again.stderr and "(3 already done)" in again.stderr
    # A run's seconds carry over only while its output is here: a rerun of a deleted run starts at 0.
    import shutil

    record = json.loads((tmp_path / "report/conditions.json").read_text())
    record["runs"]["teacher"]["seconds"] = record["runs"]["sentence/seed0"]["seconds"] = 1e6
    record["runs"]["sentence/seed0"]["peak_rss_mb"] = 1e6  # the process that trained it: kept
    (tmp_path / "report/conditions.json").write_text(json.dumps(record))
    shutil.rmtree(Path(record["runs"]["teacher"]["results"]).parent)
    # The bundle beside the report would keep the teacher as done in an earlier session
    # (tests/test_hybrid_and_negatives.py): without it, the teacher's run is gone everywhere.
    (tmp_path / "report/runs.json.gz").unlink()
    assert cli_here(*command).returncode == 0
    seconds = {k: r["seconds"] for k, r in json.loads((tmp_path / "report/conditions.json").read_text())["runs"].items()}
    assert seconds["teacher"] < 1e5 and seconds["sentence/seed0"] >= 1e6
    runs = json.loads((tmp_path / "report/conditions.json").read_text())["runs"]
    assert runs["sentence/seed0"]["peak_rss_mb"] == 1e6 and runs["teacher"]["peak_rss_mb"] < 1e5
    # The trained models reach the leaderboard like any system, with their recipe and seed.
    from clirbench.leaderboard.collect import collect, default_roots

    students = [r.model for r in collect(default_roots(tmp_path, with_experiments=True)).for_task("toy") if r.model.parameters.get("recipe")]
    assert sorted((m.parameters["recipe"], m.parameters["seed"]) for m in students) == sorted([("optical", 0), ("optical", 1)] * 2)
    assert all(m.training_data and m.adapted_from == f"hf:{teacher}" for m in students)


def test_smoke_mode_runs_the_real_experiment_file_end_to_end(tmp_path, teacher, env):
    """experiments/optical.yaml itself, with its teacher replaced by the tiny model: a few steps
    on a few XQuAD-R pairs, one seed, 2 MLQA-R pairs scored."""
    data = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "")) / "lareqa" / "xquad-r"
    if not data.is_dir():
        pytest.skip("the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
    repo = Path(__file__).parents[1]
    proc = subprocess.run([sys.executable, "-m", "clirbench.cli", "experiment", str(repo / "experiments/optical.yaml"),
                           "--smoke", "--set", f"teacher=hf:{teacher}", "--set", "precision=float32"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    import json

    record = json.loads((tmp_path / "trained/experiments/optical-smoke/report/conditions.json").read_text())
    assert sorted(record["runs"]) == ["optical+sentence/seed0", "optical/seed0", "sentence/seed0", "teacher"]
    assert len(record["pairs"]) == 2 and (tmp_path / "trained/experiments/optical-smoke/report/report.md").exists()


@pytest.mark.xdist_group("train-runs")
def test_a_folder_of_another_recipe_is_refused_not_reused(runs, cli_here):
    """A model folder trained by another recipe is an error, never reused (a checkpoint of another
    recipe: test_a_killed_run_resumes_to_the_same_weights)."""
    assert not (runs.straight / "checkpoints").exists()  # the model is written: checkpoints go
    other = cli_here("train", runs.recipe, "--out", runs.straight, "--set", "max_steps=6")
    assert other.returncode == 2 and "holds a model of another recipe" in other.stderr and "Traceback" not in other.stderr
