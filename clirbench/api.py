"""clirbench from Python: the front door below the `clirbench` command, for notebooks and scripts.

    import clirbench
    results = clirbench.evaluate("bm25", "toy")   # results/toy/bm25/, as `clirbench run` writes
    results.scores()                              # {"en-sw": 0.83, ...}: RR@10 per pair
    from clirbench.api import leaderboard, train   # (clirbench.leaderboard / .train: the subpackages)
    leaderboard("toy").rows()                     # the table `clirbench leaderboard` prints

Each command of `clirbench` is a thin layer over these functions (or the modules below them):
the same defaults, the same files, the same errors (`clirbench.core.errors.ClirbenchError`).
Systems and tasks may be given by name (as on the command line) or as objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clirbench.core.contract import Encoder, Retriever
from clirbench.core.paths import default_cache_dir, default_results_dir, usable_folder
from clirbench.tasks import PairSpec, TaskSpec

if TYPE_CHECKING:  # what the answers are; imported when they are made (the leaderboard's pandas is not cheap)
    from clirbench.core.progress import Progress
    from clirbench.eval.results import ResultsFile
    from clirbench.leaderboard.board import Leaderboard
    from clirbench.systems.student import StudentManifest



def get_task(name: str | Path | TaskSpec) -> TaskSpec:
    """A task by name (`clirbench tasks` lists them) or by the path of its YAML file."""
    from clirbench.tasks import load_task

    return name if isinstance(name, TaskSpec) else load_task(str(name))


def get_system(name: str | Retriever | Encoder) -> Retriever | Encoder:
    """A system by name, as `clirbench run --system` takes it: a listed name (`clirbench systems`),
    a submission folder, a trained model folder, hf:<id or folder>, a settings .yaml, module:attr."""
    from clirbench.systems.registry import load_system

    return name if isinstance(name, (Retriever, Encoder)) else load_system(name)


@dataclass
class Results:
    """What an evaluation left: the results file (every pair it holds, also from earlier runs)
    and what this call did."""

    file: ResultsFile
    path: Path  # the results file; the TREC runs are in `runs` beside it
    pairs: list[str]  # the pairs asked for that have results, in the order asked
    skipped: list[str] = field(default_factory=list)  # had results already, not rerun (force=False)
    not_applicable: dict[str, str] = field(default_factory=dict)  # pair -> why the system cannot run it
    no_data: dict[str, str] = field(default_factory=dict)  # pair -> what data is not here (all pairs asked)
    model_calls: dict[str, int] = field(default_factory=dict)  # texts through a model in this call, by role
    not_fused: list[str] = field(default_factory=list)  # a fusion: pairs some system has no results on

    @property
    def runs(self) -> Path:
        return self.path.parent / "runs"

    def _measure(self, measure: str | None) -> str:
        return self.file.measure_name(measure, f"in {self.path}") if measure else self.file.primary_metric

    def scores(self, measure: str | None = None) -> dict[str, float]:
        """pair -> `measure` (default: the task's primary, RR@10), for the pairs asked."""
        measure = self._measure(measure)
        return {key: self.file.pairs[key].metrics[measure] for key in self.pairs}

    def per_query(self, pair: str, measure: str | None = None) -> dict[str, float]:
        """query id -> `measure` on `pair`."""
        return dict(self.file.pairs[pair].per_query[self._measure(measure)])


def _select(spec: TaskSpec, pairs: str | Sequence[str] | None) -> list[PairSpec]:
    from clirbench.tasks import select_pairs

    return select_pairs(spec, pairs.split(",") if isinstance(pairs, str) else None if pairs is None else list(pairs))


def _asked(pairs: list[PairSpec], results: ResultsFile) -> list[str]:
    return [p.key for p in pairs if p.key in results.pairs]


def fuse(systems: Sequence[str], task: str | TaskSpec, pairs: str | Sequence[str] | None = None,
         out_dir: Path | str | None = None, method: str = "rrf", force: bool = False) -> Results:
    """Fuse the runs of `systems`, already run on `task` into `out_dir` (RRF, or "sum": CombSUM),
    on the pairs they all have; written beside them as `fuse-<method>:<a>+<b>`."""
    from clirbench.eval.fusion import run_fusion

    spec = get_task(task)
    selected = _select(spec, pairs)
    out_dir = Path(out_dir) if out_dir is not None else default_results_dir()
    results, path, skipped = run_fusion(spec, list(systems), selected, out_dir, method, force)
    return Results(results, path, _asked(selected, results), not_fused=skipped)


@dataclass
class Evaluation:
    """An evaluation resolved and checked (task, pairs, system, folders), not run yet: `run()`
    does the work. `prepare` makes one; `evaluate` is `prepare(...).run()`."""

    task: TaskSpec
    pairs: list[PairSpec]
    system: Retriever | Encoder | None  # None: a fusion of `fused`
    fused: list[str] | None
    out_dir: Path
    skip_missing: bool  # every pair asked (none named): those whose data is not here are skipped
    force: bool = False
    cache_dir: Path | None = None
    search: str = "flat"
    engine: object = None
    fusion: str = "rrf"

    def run(self, progress: Progress | None = None) -> Results:
        if self.system is None:
            return fuse(self.fused, self.task, [p.key for p in self.pairs], self.out_dir, self.fusion, self.force)
        from clirbench.eval.runner import run_task

        report = run_task(self.task, self.system, self.pairs, out_dir=self.out_dir, force=self.force,
                          cache_dir=self.cache_dir, progress=progress, search=self.search, engine=self.engine,
                          skip_missing=self.skip_missing)
        return Results(report.results, report.path, _asked(self.pairs, report.results), skipped=report.skipped,
                       not_applicable=report.not_applicable, no_data=report.no_data, model_calls=report.model_calls)


def prepare(system: str | Retriever | Encoder, task: str | TaskSpec, pairs: str | Sequence[str] | None = None,
            out_dir: Path | str | None = None, *, force: bool = False, cache_dir: Path | str | None = None,
            search: str = "flat", engine=None, address: str | None = None, workers: int | None = None,
            fusion: str = "rrf") -> Evaluation:
    """`evaluate`'s arguments resolved and checked, in the order `clirbench run` checks them
    (folders, task, pairs, the system's name, engine, the system constructed), before any work."""
    from clirbench.eval.fusion import parse_fusion, systems_with_results
    from clirbench.systems.registry import system_spec

    out_dir = usable_folder(Path(out_dir) if out_dir is not None else default_results_dir(), "out_dir")
    usable_folder(Path(cache_dir) if cache_dir else default_cache_dir(),
                  "$CLIRBENCH_CACHE" if "CLIRBENCH_CACHE" in os.environ and not cache_dir else "cache_dir")
    spec = get_task(task)
    selected = _select(spec, pairs)
    plan = Evaluation(spec, selected, None, None, out_dir, skip_missing=pairs is None, force=force,
                      cache_dir=Path(cache_dir) if cache_dir else None, search=search, fusion=fusion)
    named = system_spec(system) if isinstance(system, str) else None  # what the name is, nothing constructed
    if named is not None and named.kind == "fusion":
        plan.fused = parse_fusion(system, systems_with_results(out_dir, spec.name))
        return plan
    if isinstance(engine, str) or address is not None or workers is not None:
        from clirbench.systems.dense.engines import make_engine

        engine = make_engine(engine or "local", address, workers)
    plan.engine = engine
    plan.system = named.load() if named is not None else system
    return plan


def evaluate(system: str | Retriever | Encoder, task: str | TaskSpec, pairs: str | Sequence[str] | None = None,
             out_dir: Path | str | None = None, *, force: bool = False, cache_dir: Path | str | None = None,
             search: str = "flat", engine=None, address: str | None = None, workers: int | None = None,
             fusion: str = "rrf", progress: Progress | None = None) -> Results:
    """Score `system` on `task` (its `pairs`: a list or "en-hi,hi-en"; default: every pair whose
    data is here), as `clirbench run` does: TREC runs and results.json under
    `out_dir/<task>/<system>/` (default: ./results, or the first folder of $CLIRBENCH_RESULTS:
    where `leaderboard` reads); pairs already there are kept, not rerun, unless `force`.
    `system` may be `fuse:a+b` (systems already run on the task; `fusion`: rrf or sum).
    Dense encoders: `search` (flat, ivfpq, hnsw), `engine` ("local", "ray" with `address` and
    `workers`, or an engine object). `progress`: a clirbench.core.progress.Progress to draw."""
    return prepare(system, task, pairs, out_dir, force=force, cache_dir=cache_dir, search=search, engine=engine,
                   address=address, workers=workers, fusion=fusion).run(progress)


def leaderboard(task: str, *, metric: str | None = None, by: str = "pair", view: str = "scores",
                results: Sequence[Path | str] | None = None, baseline: str | None = None, correction: str = "bh",
                common_pairs: bool = False, with_experiments: bool = False,
                warn: Callable[[str], None] | None = None) -> Leaderboard:
    """The leaderboard of `task` as `clirbench leaderboard` prints it: `.main_table()` (the ranking
    it prints first), `.rows()` (or `.scores()`, a table with averages first), `.summary()`,
    `.best_group()`, `.comparison()` (with `baseline`). `results`: the results folders to read, each must exist (default: where
    `evaluate` writes, ./results or $CLIRBENCH_RESULTS, and submissions/*/results/);
    `with_experiments`: also trained/experiments/*/results/ (smoke runs never); files that
    cannot be shown are skipped with a warning (`warn`, default: Python's warnings)."""
    from clirbench.leaderboard.board import build_leaderboard
    from clirbench.leaderboard.collect import result_roots

    roots = result_roots([Path(p) for p in results] if results else None, with_experiments)
    return build_leaderboard(task, roots, metric=metric, by=by, view=view, baseline=baseline,
                             correction=correction, common=common_pairs, warn=warn)


@dataclass
class Trained:
    """A trained model folder: score it by its path like any system (`evaluate(str(t.folder), ...)`)."""

    folder: Path
    manifest: StudentManifest


def default_train_out(recipe_path: Path | str, recipe) -> Path:
    """Where `clirbench train` writes unless told: trained/<recipe>-<hash of its fields>."""
    return Path("trained") / f"{Path(recipe_path).stem}-{recipe.digest()}"


def get_recipe(recipe_path: Path | str, overrides: Sequence[str] = ()):
    """A recipe file with `key=value` overrides (values in YAML: "max_steps=40")."""
    from clirbench.train.recipe import load_recipe

    return load_recipe(Path(recipe_path), list(overrides))


def train_recipe(recipe, out: Path | str, *, on_step: Callable | None = None,
                 log: Callable[[str], None] = print) -> Trained:
    """Train (or resume) a loaded recipe (`get_recipe`) into `out`."""
    from clirbench.systems.student import read_manifest
    from clirbench.train.run import train as run_training

    folder = run_training(recipe, Path(out), on_step=on_step or (lambda report: None), log=log)
    return Trained(folder, read_manifest(folder))


def train(recipe_path: Path | str, overrides: Sequence[str] = (), out: Path | str | None = None, *,
          on_step: Callable | None = None, log: Callable[[str], None] = print) -> Trained:
    """Train (or resume: the same call again goes on from its last checkpoint) the recipe file
    `recipe_path` with `key=value` overrides into `out` (default: trained/<recipe>-<hash of its
    fields>), as `clirbench train` does."""
    recipe = get_recipe(recipe_path, overrides)
    return train_recipe(recipe, out or default_train_out(recipe_path, recipe), on_step=on_step, log=log)


@dataclass
class ExperimentPaths:
    report: Path  # the report folder (conditions.json, report.md)
    runs: Path  # trained students and their results files


def experiment_paths(experiment_path: Path | str, out: Path | str | None = None, runs: Path | str | None = None,
                     smoke: bool = False) -> ExperimentPaths:
    """Where `clirbench experiment` writes unless told: the report in experiments/results/<name>/
    (a smoke run under trained/experiments/<name>-smoke/report, never beside the real one), the
    runs in trained/experiments/<name>/ (a grid that scores another's students: in that one's)."""
    from clirbench.train.experiment import load_experiment

    spec = load_experiment(Path(experiment_path))
    name = spec.name + ("-smoke" if smoke else "")
    if out:
        report = Path(out)
    elif smoke:
        report = Path("trained") / "experiments" / name / "report"
    else:
        report = Path(experiment_path).parent / "results" / name
    runs_name = (spec.students_of or spec.name) + ("-smoke" if smoke else "")
    return ExperimentPaths(report, Path(runs) if runs else Path("trained") / "experiments" / runs_name)


def experiment(experiment_path: Path | str, overrides: Sequence[str] = (), out: Path | str | None = None,
               runs: Path | str | None = None, *, smoke: bool = False, report_only: bool = False,
               seeds: Sequence[int] | None = None, on_step: Callable | None = None,
               log: Callable[[str], None] = print) -> Path:
    """Train and score an experiment grid (conditions x seeds), then write its report; returns
    the report file. `report_only`: rewrite the report from the runs already done. `seeds`: only
    these of the grid's seeds this time (a first replicate of every condition before the rest)."""
    from clirbench.core.errors import ClirbenchError
    from clirbench.train.experiment import run_experiment
    from clirbench.train.experiment_record import RECORD
    from clirbench.train.report import write_report

    paths = experiment_paths(experiment_path, out, runs, smoke)
    record = paths.report / RECORD
    if not report_only:
        record = run_experiment(Path(experiment_path), paths.report, paths.runs, list(overrides), log=log,
                                on_step=on_step or (lambda report: None), smoke=smoke, seeds=seeds)
    elif not record.exists():
        raise ClirbenchError(f"no experiment record at {record}", f"run `clirbench experiment {experiment_path}` first")
    return write_report(record)
