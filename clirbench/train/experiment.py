"""Experiments: a grid of recipe conditions x seeds, each trained and then scored on a task;
`clirbench experiment experiments/NAME.yaml`. Trained students and finished pairs are
skipped, so an interrupted experiment resumes. The report (Markdown and PNG) is written by
`clirbench.train.report`."""

import fnmatch
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.core.yaml_records import load_yaml_record
from clirbench.eval.results import results_path
from clirbench.eval.runner import run_task
from clirbench.systems.registry import system_spec
from clirbench.systems.student import StudentEncoder
from clirbench.systems.student_manifest import MANIFEST, recipe_digest_of
from clirbench.tasks import load_task, select_pairs
from clirbench.train.encoding import base_encoder
from clirbench.train.experiment_record import (RECORD, ExperimentRecord, ExperimentSpec, RunRecord,  # noqa: F401
                                               SystemCondition)
from clirbench.train.recipe import ContrastiveRecipe, load_recipe
from clirbench.train.run import train
from clirbench.train.run_bundle import RUNS_BUNDLE, bundled_runs

_HINT = "see experiments/optical.yaml for a valid experiment"


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
    pairs = task.pairs()
    keys = [p.key for p in pairs]
    named = {"all": [p.key for p in pairs if not p.pool], "all+pool": keys,
             "cross-lingual": [p.key for p in pairs if p.cross_lingual]}
    if isinstance(spec.pairs, str):
        if spec.pairs not in named:
            raise ClirbenchError(f"experiment {spec.name}: field `pairs`: {spec.pairs!r} is not a set of pairs",
                                 f"give one of {', '.join(named)}, or a list of pair keys and patterns")
        wanted = named[spec.pairs]
    else:
        wanted = [k for item in spec.pairs for k in (fnmatch.filter(keys, item) if set(item) & set("*?[") else [item])]
    if not wanted:
        raise ClirbenchError(f"experiment {spec.name}: field `pairs`: {spec.pairs} match no pair of {task.name}",
                             f"e.g. {keys[0]}, or a pattern such as *-{pairs[0].doc_lang}")
    for item in spec.exclude_pairs:
        dropped = set(fnmatch.filter(wanted, item))
        if not dropped:
            raise ClirbenchError(f"experiment {spec.name}: field `exclude_pairs`: {item!r} matches none of the pairs "
                                 "that `pairs` selects", "remove it, or fix its spelling (a pair key or a pattern)")
        wanted = [k for k in wanted if k not in dropped]
    return task, select_pairs(task, wanted)


def trained_elsewhere(recipe, experiments_dir: Path) -> Path | None:
    """A finished model of this very recipe (same digest) that another experiment trained: the
    hybrid grid's alpha 0.5 is the hard-negative grid's `none`, trained once."""
    for manifest in sorted(experiments_dir.glob(f"*/*/model/{MANIFEST}")):
        if recipe.digest() in manifest.read_text(encoding="utf-8") and recipe_digest_of(manifest.parent) == recipe.digest():
            return manifest.parent
    return None


def _done_earlier(stored: dict | None, pairs: list[str], condition, recipe_path: Path, seed: int | None,
                  overrides) -> bool:
    """Whether a bundled run is this condition as the grid defines it now: one that scored every
    pair the grid lists, and, if trained, whose manifest records the recipe's digest (a changed
    recipe trains again; a longer pair list scores again)."""
    if stored is None or (stored["results"] is not None and not set(pairs) <= set(stored["results"]["pairs"])):
        return False
    if not isinstance(condition, list):  # the base model or a named system, untrained
        return True
    recipe = load_recipe(recipe_path, [*condition, f"seed={seed}", *overrides])
    return (stored["manifest"] or {}).get("recipe_digest") == recipe.digest()


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
                   log: Callable[[str], None] = print, on_step=lambda report: None, smoke: bool = False,
                   seeds: Sequence[int] | None = None) -> Path:
    """Train and score every condition x seed; returns the conditions file (what ran where).
    `smoke`: a few steps on a few pairs, the first seed, 2 pairs of the task. `seeds`: only these
    of the grid's seeds (the report then names the seeds that ran)."""
    path = Path(path)
    spec = load_experiment(path)
    if seeds is not None and (unknown := sorted(set(seeds) - set(spec.seeds))):
        raise ClirbenchError(f"{path}: field `seeds` is {spec.seeds}: no seed {unknown}",
                             f"choose among {spec.seeds}, or add the seed to the file")
    chosen = [s for s in spec.seeds if seeds is None or s in seeds]  # the file's order
    task, pairs = _pairs(spec) if spec.task else (None, [])
    recipe_path = (path.parent / spec.recipe).resolve()
    if smoke:  # one seed: the first of those asked for
        overrides = [*smoke_overrides(recipe_path), *overrides]
        chosen = chosen[:1]
        spec = spec.model_copy(update={"seeds": chosen})
        pairs = pairs[:SMOKE_TASK_PAIRS]
    results_dir = runs_dir / "results"
    record_path = out_dir / RECORD
    record = ExperimentRecord.start(record_path, experiment=spec, overrides=list(overrides),
                                    task=task.name if task else None, pairs=[p.key for p in pairs],
                                    results_dir=str(results_dir))
    # Runs of earlier sessions whose folders are gone: their results are in the report's bundle.
    bundled = bundled_runs(out_dir)
    for condition, condition_overrides in spec.conditions.items():
        trained = isinstance(condition_overrides, list)
        if task is None and not trained:  # a dev-only grid: the untrained base's dev score is in every manifest
            continue
        for seed in chosen if trained else [None]:
            key = condition if seed is None else f"{condition}/seed{seed}"
            started = time.perf_counter()
            # Seconds of an earlier attempt count only if its output is still here (this run resumes
            # it); a record of a run whose folders were deleted is of another run.
            previous = record.runs.get(key)
            kept = previous and (previous.results or previous.manifest)
            resumed = bool(kept and Path(kept).exists())
            carried = previous.seconds if resumed else 0.0
            # The peak memory of the process that did the work, not of a later one that found it done.
            peak_before = previous.peak_rss_mb if resumed else None
            if previous and not resumed and _done_earlier(bundled.get(key), [p.key for p in pairs],
                                                          condition_overrides, recipe_path, seed, overrides):
                log(f"{key}: done in an earlier session (its results are in {RUNS_BUNDLE}); kept")
                continue
            if isinstance(condition_overrides, SystemCondition):
                found = system_spec(condition_overrides.system)
                problem = found.unavailable()
                if smoke and problem:  # a smoke run checks the pipeline, not every baseline's install
                    log(f"{key}: skipped in a smoke run ({condition_overrides.system}: {problem})")
                    continue
                system, manifest = found.load(), None
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
                manifest = str(model_dir / MANIFEST)
            if task is None:
                record.runs[key] = RunRecord(condition=condition, seed=seed, system=system.meta.name, results=None,
                                             manifest=manifest, seconds=round(carried + time.perf_counter() - started, 1),
                                             peak_rss_mb=max(filter(None, (peak_before, peak_rss_mb()))))
                record = record.save_run(record_path, key)
                continue
            report = run_task(task, system, pairs, out_dir=results_dir, cache_dir=cache_dir,
                              max_queries=spec.queries_per_pair)
            if not report.ran and not report.skipped:  # nothing it can score (dict+bm25 without a dictionary)
                log(f"{key}: left out, no pair applies ({'; '.join(sorted(set(report.not_applicable.values())))})")
                continue
            record.runs[key] = RunRecord(
                condition=condition, seed=seed, system=system.meta.name,
                results=str(results_path(results_dir, task.name, system.meta.name)), manifest=manifest,
                seconds=round(carried + time.perf_counter() - started, 1),
                peak_rss_mb=max(filter(None, (peak_before, peak_rss_mb()))),
                model_calls=report.model_calls,
            )
            record = record.save_run(record_path, key)  # keeps the runs other processes wrote
            log(f"{key}: scored on {len(report.ran)} pairs ({len(report.skipped)} already done)")
    return record_path
