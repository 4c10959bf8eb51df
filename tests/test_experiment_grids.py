"""Experiment grids: pair patterns, and a recipe trained once for every grid that asks for it."""

from pathlib import Path

import pytest
import yaml

from clirbench.core.errors import ClirbenchError
from clirbench.train.experiment import ExperimentSpec, _pairs, trained_elsewhere
from clirbench.train.recipe import load_recipe

REPO = Path(__file__).parents[1]


def _spec(pairs) -> ExperimentSpec:
    return ExperimentSpec(name="grid", recipe="r.yaml", task="flores-r", pairs=pairs, seeds=[0], baseline="base",
                          conditions={"base": None})


def test_pair_patterns_expand_over_the_tasks_pairs():
    _, into_english = _pairs(_spec(["*-eng_Latn"]))
    assert len(into_english) == 204 and all(p.doc_lang == "eng_Latn" and p.query_lang != "eng_Latn"
                                            for p in into_english)
    _, mixed = _pairs(_spec(["hau_Latn-eng_Latn", "eng_Latn-yor_*"]))
    assert [p.key for p in mixed] == ["hau_Latn-eng_Latn", "eng_Latn-yor_Latn"]
    with pytest.raises(ClirbenchError, match="match no pair of flores-r"):
        _pairs(_spec(["*-klingon"]))


def test_excluded_pairs_leave_the_selection_and_a_stray_exclusion_is_an_error():
    spec = _spec(["*-eng_Latn"]).model_copy(update={"exclude_pairs": ["bod_Tibt-eng_Latn", "*_Tfng-eng_Latn"]})
    _, kept = _pairs(spec)
    keys = {p.key for p in kept}
    # Two languages are written in Tifinagh (taq, tzm): the pattern drops both.
    assert len(kept) == 201 and not {"bod_Tibt-eng_Latn", "tzm_Tfng-eng_Latn", "taq_Tfng-eng_Latn"} & keys
    named = _spec("all").model_copy(update={"exclude_pairs": ["eng_Latn-*"]})
    assert all(p.query_lang != "eng_Latn" for p in _pairs(named)[1])
    with pytest.raises(ClirbenchError, match="`exclude_pairs`: 'klingon-eng_Latn' matches none"):
        _pairs(spec.model_copy(update={"exclude_pairs": ["klingon-eng_Latn"]}))
    with pytest.raises(ClirbenchError, match="is not a set of pairs"):
        _pairs(_spec("everything"))
    # The grids of this repository leave out exactly the six languages this copy of SIB-200 lacks.
    grid = ExperimentSpec(**yaml.safe_load((REPO / "experiments/hybrid-batches-flores.yaml").read_text()))
    assert len(_pairs(grid)[1]) == 198


def test_a_recipe_trained_by_another_grid_is_found_by_its_digest(tmp_path):
    recipe = load_recipe(REPO / "recipes/contrastive.yaml", ["alpha=0.5", "seed=1"])
    other = load_recipe(REPO / "recipes/contrastive.yaml", ["alpha=0.0", "seed=1"])
    assert recipe.digest() != other.digest()
    model = tmp_path / "hard-negatives" / "none-seed1" / "model"
    model.mkdir(parents=True)
    (model / "clirbench-model.yaml").write_text(yaml.safe_dump({"recipe_digest": recipe.digest()}))
    assert trained_elsewhere(recipe, tmp_path) == model
    assert trained_elsewhere(other, tmp_path) is None


def test_a_dev_only_grid_trains_compares_dev_scores_and_regenerates_from_its_bundle(tmp_path, env, cli_here):
    """`task: null` (experiments/contrastive-settings.yaml): settings chosen on dev alone; and
    `--seeds`: one replicate first, the report naming the seeds that ran and those left."""
    import json
    import os
    import subprocess
    import sys

    from clirbench.train.experiment import smoke_overrides

    sys.path.insert(0, str(Path(__file__).parent))
    from experiment_helpers import regenerate_alone
    from tiny_models import build_tiny_xlmr

    if not (Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "")) / "lareqa" / "xquad-r").is_dir():
        pytest.skip("the XQuAD-R files (CLIRBENCH_LOCAL_DATA) are not here")
    tiny = build_tiny_xlmr(tmp_path / "tiny", max_tokens=32)
    # The settings grid's own file, cut to two of its conditions (each trains a model), two seeds.
    spec = yaml.safe_load((REPO / "experiments/contrastive-settings.yaml").read_text())
    spec["recipe"] = str(REPO / "recipes/contrastive.yaml")
    spec["conditions"] = {k: v for k, v in spec["conditions"].items() if k in ("tau-0.01-lr-1e-5", "tau-0.05-lr-3e-5")}
    spec["seeds"] = [0, 1]
    grid = tmp_path / "contrastive-settings.yaml"
    grid.write_text(yaml.safe_dump(spec))
    folder = tmp_path / "runs"
    command = [sys.executable, "-m", "clirbench.cli", "experiment", str(grid), "--out", str(folder / "report"),
               "--runs", str(folder)]
    settings = [*smoke_overrides(REPO / "recipes/contrastive.yaml"), f"base=hf:{tiny}", "precision=float32",
                "languages=[de, en]", "limit=100"]  # 3 articles: one held out for dev
    command += [arg for setting in settings for arg in ("--set", setting)]
    wrong = cli_here(*command[3:], "--seeds", "7")  # in this process; the run below in one of its own
    assert wrong.returncode != 0 and "no seed [7]" in wrong.stderr + wrong.stdout and "Traceback" not in wrong.stderr
    done = subprocess.run([*command, "--seeds", "0"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    record = json.loads((folder / "report/conditions.json").read_text())
    assert record["task"] is None and sorted(record["runs"]) == ["tau-0.01-lr-1e-5/seed0", "tau-0.05-lr-3e-5/seed0"]
    assert all(run["results"] is None for run in record["runs"].values())
    report = (folder / "report/report.md").read_text()
    assert "No task is scored" in report and "| `tau-0.05-lr-3e-5` |" in report and "mAP (pool) 0." in report
    assert "seeds [0] (not yet run: [1]" in report
    dev = json.loads((folder / "report/summary.json").read_text())["dev"]
    assert all(0 <= scores[0]["mAP (pool)"] <= 1 for scores in dev.values())
    regenerate_alone(folder, lambda *more: cli_here(*command[3:], *more))


def test_a_committed_report_regenerates_byte_for_byte_from_the_repository_alone(tmp_path, cli_here):
    """experiments/results/optical-afriqa-hau: its runs are bundled beside the report, so
    `--report-only` needs no trained folder (none is under this test's working folder)."""
    import shutil

    committed = REPO / "experiments/results/optical-afriqa-hau"
    shutil.copytree(committed, tmp_path / "report")
    done = cli_here("experiment", REPO / "experiments/optical-afriqa-hau.yaml", "--report-only", "--out", tmp_path / "report")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "trained").exists()
    for name in ("report.md", "summary.json", "runs.json.gz"):
        assert (tmp_path / "report" / name).read_bytes() == (committed / name).read_bytes(), name


def test_a_task_of_many_languages_is_reported_by_resource_class_not_language():
    from types import SimpleNamespace

    from clirbench.tasks import load_task
    from clirbench.train.report import LEVELS, MAX_LANGUAGE_COLUMNS, _columns

    def info(pairs):
        return {p.key: SimpleNamespace(query_lang=p.query_lang, doc_lang=p.doc_lang, pool=False, query_set=None)
                for p in pairs}

    into_english = [p for p in load_task("flores-r").pairs() if p.doc_lang == "eng_Latn"]
    columns = _columns(info(into_english), [p.key for p in into_english], set())
    assert not any(name in columns for name in ("hau_Latn", "zul_Latn"))  # 204 languages: no column each
    assert set(LEVELS) <= set(columns) and sum(name.startswith("class ") for name in columns) >= 5
    assert len(columns["all"]) == len(into_english) == len(columns["X->en"])
    few = into_english[:MAX_LANGUAGE_COLUMNS]
    assert all(p.query_lang in _columns(info(few), [p.key for p in few], set()) for p in few)


def test_a_report_shows_its_students_on_the_grids_that_score_them_elsewhere(tmp_path):
    """The zero-shot section: a grid with `students_of: main` beside main's report; its cells,
    stars, listed comparisons and interactions come from its own summary.json, copied."""
    import json

    from clirbench.train.experiment_record import ExperimentRecord, RunRecord
    from clirbench.train.zero_shot_section import zero_shot_section

    main = ExperimentSpec(name="main", recipe="r.yaml", task="mlqa-r", pairs="all", seeds=[0, 1], baseline="base",
                          conditions={"base": None, "a": ["alpha=0"], "b": ["alpha=1"]}, comparisons=[("b", "a")])
    other = main.model_copy(update={"name": "main-flores", "task": "flores-r", "students_of": "main"})
    folder = tmp_path / "main-flores"
    runs = {"base": RunRecord(condition="base", seed=None, system="me5", results="x", manifest=None, seconds=1),
            **{f"{c}/seed{s}": RunRecord(condition=c, seed=s, system=c, results="x", manifest="m", seconds=1)
               for c in ("a", "b") for s in (0, 1)}}
    folder.mkdir()
    (folder / "conditions.json").write_text(ExperimentRecord(experiment=other, task="flores-r", pairs=["p1", "p2"],
                                                             results_dir="r", runs=runs).model_dump_json())
    cells = {"base": [0.5, 0.0], "a": [0.6, 0.01], "b": [0.55, 0.02]}
    test = {"measure": "RR@10", "column": "class 0 (query)", "ci_low": 0.0, "ci_high": 0.1}
    (folder / "summary.json").write_text(json.dumps({
        "stats": {c: {"RR@10": {"hau_Latn": v, "class 0 (query)": v}} for c, v in cells.items()},
        "tests": [{**test, "condition": "a", "against": "base", "diff": 0.1, "significant": True},
                  {**test, "condition": "b", "against": "a", "diff": -0.05, "significant": False}],
        "interactions": [{**test, "condition": "b", "against": "a", "diff": -0.03, "significant": True}]}))
    (tmp_path / "main").mkdir()
    text = "\n".join(zero_shot_section(tmp_path / "main", main, ["base", "a", "b"]))
    assert "### `main-flores`: task `flores-r`, 2 pairs, seeds [0, 1]" in text
    assert "| condition | class 0 (query) |" in text and "hau_Latn" not in text  # one language's column: not shown
    assert "| `base` | 0.5000 |" in text and "| `a` | 0.6000 ± 0.0100* |" in text and "| `b` | 0.5500 ± 0.0200 |" in text
    assert "| `b` − `a` | -0.0500 |" in text and "| `b` − `a` | -0.0300 | [+0.0000, +0.1000] | yes |" in text
    # A grid that scores nobody's students beside it: no section.
    assert zero_shot_section(tmp_path / "main-flores", other, ["base"]) == []


def test_the_conditions_table_names_the_precision_each_seed_computed_in():
    """Seeds run in later sessions may land on a host whose `auto` is another precision (float32
    without AVX-512 BF16): the report says so, from each run's results file."""
    from clirbench.train.report import _precision_text

    assert _precision_text([(None, "bfloat16")]) == "bfloat16"
    assert _precision_text([(0, "float32"), (1, "float32")]) == "float32"
    assert _precision_text([(0, "bfloat16"), (1, "float32"), (2, "float32")]) == "bfloat16 (seed 0); float32 (seeds 1, 2)"
