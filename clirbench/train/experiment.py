"""Experiments: a grid of recipe conditions x seeds, each trained and then scored on a task;
`clirbench experiment experiments/NAME.yaml`. Trained students and finished pairs are
skipped, so an interrupted experiment resumes. The report (Markdown and PNG) is written by
`clirbench.train.report`."""

import fnmatch
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from clirbench.core.locking import save_record_run
from clirbench.core.errors import ClirbenchError
from clirbench.core.yaml_records import load_yaml_record
from clirbench.eval.results import results_path
from clirbench.eval.runner import run_task
from clirbench.systems.registry import load_model, model_listing
from clirbench.systems.student import StudentEncoder
from clirbench.tasks import load_task, select_pairs
from clirbench.train.encoding import base_encoder
from clirbench.train.recipe import ContrastiveRecipe, load_recipe
from clirbench.train.run import train

_HINT = "see experiments/optical.yaml for a valid experiment"


class SystemCondition(BaseModel):
    """A condition that trains nothing: a named system (`me5-small`, `bm25`), scored as it is."""
    model_config = ConfigDict(extra="forbid")

    system: str


class ExperimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    recipe: str = Field(description="the base recipe, relative to this file")
    task: str | None = Field(description="the task every run is scored on; null: a dev-only grid (recipe "
                             "settings chosen on the recipe's dev split, no task scored)")
    pairs: str | list[str] = Field("cross-lingual", description="cross-lingual, all (language pairs), "
                                   "all+pool (and the multilingual pool's), or a list of pair keys and "
                                   "patterns (`*-eng_Latn`: every language into English)")
    queries_per_pair: int | None = Field(
        None, ge=1, description="score a fixed sample of each pair's queries (the same ids in every pair "
        "where ids are shared): FLORES-R's 204 languages x 204 sentences cost 40k encodings a model")
    seeds: list[int] = Field(min_length=1)
    baseline: str = Field(description="the condition the others are tested against")
    # condition -> recipe overrides ("key=value"); null: the recipe's teacher alone, untrained;
    # {system: NAME}: that system, untrained (a baseline the recipe does not start from).
    conditions: dict[str, list[str] | SystemCondition | None] = Field(min_length=1)
    students_of: str | None = Field(
        None, description="another experiment's name: its trained folders are this grid's (trained there, if not "
        "yet), so one set of students is scored on a second task")
    comparisons: list[tuple[str, str]] = Field(
        [], description="more paired tests, [a, b]: a against b (every condition is tested against the baseline)")


def load_experiment(path: Path) -> ExperimentSpec:
    spec = load_yaml_record(path, ExperimentSpec, "experiment", _HINT)
    if spec.baseline not in spec.conditions:
        raise ClirbenchError(f"{path}: field `baseline`: {spec.baseline!r} is not a condition",
                             f"use one of: {', '.join(spec.conditions)}")
    for a, b in spec.comparisons:
        for name in (a, b):
            if name not in spec.conditions:
                raise ClirbenchError(f"{path}: field `comparisons`: {name!r} is not a condition",
                                     f"use one of: {', '.join(spec.conditions)}")
    return spec


def _pairs(spec: ExperimentSpec):
    task = load_task(spec.task)
    if spec.pairs == "all":
        return task, [p for p in task.pairs() if not p.pool]
    if spec.pairs == "all+pool":
        return task, task.pairs()
    if spec.pairs == "cross-lingual":
        return task, [p for p in task.pairs() if p.cross_lingual]
    keys = [p.key for p in task.pairs()]
    wanted = [k for item in spec.pairs for k in (fnmatch.filter(keys, item) if set(item) & set("*?[") else [item])]
    if not wanted:
        raise ClirbenchError(f"experiment {spec.name}: field `pairs`: {spec.pairs} match no pair of {task.name}",
                             f"e.g. {keys[0]}, or a pattern such as *-{task.pairs()[0].doc_lang}")
    return task, select_pairs(task, wanted)


def trained_elsewhere(recipe, experiments_dir: Path) -> Path | None:
    """A finished model of this very recipe (same digest) that another experiment trained: the
    hybrid grid's alpha 0.5 is the hard-negative grid's `none`, trained once."""
    for manifest in sorted(experiments_dir.glob("*/*/model/clirbench-model.yaml")):
        text = manifest.read_text(encoding="utf-8")
        if recipe.digest() in text and yaml.safe_load(text).get("recipe_digest") == recipe.digest():
            return manifest.parent
    return None


SMOKE_STEPS = 4
SMOKE_PAIRS_PER_SOURCE = 16
SMOKE_TASK_PAIRS = 2


def smoke_overrides(recipe_path: Path) -> list[str]:
    """A few steps on a few pairs: the whole pipeline, in minutes."""
    recipe = load_recipe(recipe_path)
    common = [f"max_steps={SMOKE_STEPS}", "warmup_steps=1", "checkpoint_every=2", "dev_every=0"]
    if isinstance(recipe, ContrastiveRecipe):
        return [*common, f"limit={SMOKE_PAIRS_PER_SOURCE * 2}", "batch_size=8"]
    # One language of each source: the dev set, a language's questions, stays small too.
    return [*common, *(f"bitext.{i}.limit={SMOKE_PAIRS_PER_SOURCE}" for i in range(len(recipe.bitext))),
            *(f"bitext.{i}.languages=[{source.languages[0]}]" for i, source in enumerate(recipe.bitext))]


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports KiB), in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_experiment(path: Path, out_dir: Path, runs_dir: Path, overrides: list[str] = (), cache_dir: Path | None = None,
                   log: Callable[[str], None] = print, on_step=lambda report: None, smoke: bool = False) -> Path:
    """Train and score every condition x seed; returns the conditions file (what ran where).
    `smoke`: a few steps on a few pairs, the first seed, 2 pairs of the task."""
    path = Path(path)
    spec = load_experiment(path)
    task, pairs = _pairs(spec) if spec.task else (None, [])
    recipe_path = (path.parent / spec.recipe).resolve()
    if smoke:
        overrides = [*smoke_overrides(recipe_path), *overrides]
        spec = spec.model_copy(update={"seeds": spec.seeds[:1]})
        pairs = pairs[:SMOKE_TASK_PAIRS]
    results_dir = runs_dir / "results"
    record_path = out_dir / "conditions.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    record.update({"experiment": spec.model_dump(mode="json"), "overrides": list(overrides), "task": task.name if task else None,
                   "pairs": [p.key for p in pairs], "results_dir": str(results_dir)})
    record.setdefault("runs", {})
    for condition, condition_overrides in spec.conditions.items():
        trained = isinstance(condition_overrides, list)
        if task is None and not trained:  # a dev-only grid: the untrained base's dev score is in every manifest
            continue
        for seed in spec.seeds if trained else [None]:
            key = condition if seed is None else f"{condition}/seed{seed}"
            started = time.perf_counter()
            if isinstance(condition_overrides, SystemCondition):
                listing, _ = model_listing(condition_overrides.system)
                problem = listing.unavailable() if listing else None
                if smoke and problem:  # a smoke run checks the pipeline, not every baseline's install
                    log(f"{key}: skipped in a smoke run ({condition_overrides.system}: {problem})")
                    continue
                system, manifest = load_model(condition_overrides.system), None
                log(f"{key}: the system {condition_overrides.system}, untrained")
            elif condition_overrides is None:
                recipe = load_recipe(recipe_path, list(overrides))
                base = getattr(recipe, "teacher", None) or recipe.base
                system, manifest = base_encoder(base), None
                log(f"{key}: the base model {base}, untrained")
            else:
                recipe = load_recipe(recipe_path, [*condition_overrides, f"seed={seed}", *overrides])
                own_dir = runs_dir / f"{condition}-seed{seed}"
                model_dir = None if (own_dir / "model").exists() else trained_elsewhere(recipe, runs_dir.parent)
                if model_dir is not None:
                    log(f"{key}: the same recipe was trained at {model_dir}")
                else:
                    log(f"{key}: training ({recipe.max_steps} steps)")
                    model_dir = train(recipe, own_dir, on_step=on_step, log=log)
                system = StudentEncoder(model_dir)
                manifest = str(model_dir / "clirbench-model.yaml")
            if task is None:
                record["runs"][key] = {"condition": condition, "seed": seed, "system": system.meta.name,
                                       "results": None, "manifest": manifest,
                                       "seconds": record["runs"].get(key, {}).get("seconds", 0.0)
                                       + round(time.perf_counter() - started, 1), "peak_rss_mb": peak_rss_mb()}
                record = save_record_run(record_path, record, key)
                continue
            report = run_task(task, system, pairs, out_dir=results_dir, cache_dir=cache_dir,
                              max_queries=spec.queries_per_pair)
            if not report.ran and not report.skipped:  # nothing it can score (dict+bm25 without a dictionary)
                log(f"{key}: left out, no pair applies ({'; '.join(sorted(set(report.not_applicable.values())))})")
                continue
            previous = record["runs"].get(key, {})
            record["runs"][key] = {
                "condition": condition, "seed": seed, "system": system.meta.name,
                "results": str(results_path(results_dir, task.name, system.meta.name)), "manifest": manifest,
                "seconds": previous.get("seconds", 0.0) + round(time.perf_counter() - started, 1),
                "peak_rss_mb": peak_rss_mb(),
                "model_calls": report.model_calls,
            }
            record = save_record_run(record_path, record, key)  # keeps the runs other processes wrote
            log(f"{key}: scored on {len(report.ran)} pairs ({len(report.skipped)} already done)")
    return record_path
