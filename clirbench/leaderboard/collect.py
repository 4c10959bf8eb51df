"""Find and read results files, skipping (with a warning) the ones that cannot be shown."""

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from clirbench.core.paths import default_results_dir, results_dirs_from_env, submissions_dirs
from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import ResultsFile, describe_invalid, parse_results, read_results_json


@dataclass
class Collected:
    results: list[tuple[Path, ResultsFile]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def tasks(self) -> list[str]:
        return sorted({r.task for _, r in self.results})

    def for_task(self, task: str) -> list[ResultsFile]:
        return [r for _, r in self.results if r.task == task]


SMOKE = "-smoke"  # `clirbench experiment --smoke` runs: trained/experiments/<name>-smoke/, never on the board


def experiment_roots(base: Path | None = None) -> list[Path]:
    """The results of the models that `clirbench experiment` trained and scored:
    trained/experiments/*/results/ in `base` (default: the working folder), smoke runs left out."""
    folder = (base if base is not None else Path()) / "trained" / "experiments"
    return [p for p in sorted(folder.glob("*/results")) if not p.parent.name.endswith(SMOKE)]


def default_roots(base: Path | None = None, with_experiments: bool = False) -> list[Path]:
    """Where the leaderboard looks unless told: the folders of $CLIRBENCH_RESULTS (separated by
    ':'), else the folder `clirbench run` writes to (results/ in `base`, default: the working
    folder), the repository's submissions/*/results/ and <folder>/*/results/ of every folder that
    $CLIRBENCH_SUBMISSIONS_DIR adds. `with_experiments`: also `experiment_roots(base)`."""
    experiments = experiment_roots(base) if with_experiments else []
    named = results_dirs_from_env()
    if named:
        return [*named, *experiments]
    results = base / "results" if base is not None else default_results_dir()
    folders = [root for root in submissions_dirs() if root.is_dir()]
    submitted = [folder for root in dict.fromkeys(r.resolve() for r in folders) for folder in sorted(root.glob("*/results"))]
    return [results, *submitted, *experiments]


def result_roots(named: list[Path] | None = None, with_experiments: bool = False) -> list[Path]:
    """The folders a leaderboard reads: `named` (each must exist: a typo is an error, not an
    empty board) or else `default_roots()`; `with_experiments` adds the experiments' results."""
    if not named:
        return default_roots(with_experiments=with_experiments)
    for folder in named:
        if not Path(folder).is_dir():
            what = "is not a folder" if Path(folder).exists() else "does not exist"
            raise ClirbenchError(f"results folder {folder} {what}",
                                 "give a folder that `clirbench run --out` wrote to (default: ./results, "
                                 "or $CLIRBENCH_RESULTS), or leave --results out")
    return [*map(Path, named), *(experiment_roots() if with_experiments else [])]


def describe_roots(roots: list[Path], limit: int = 6) -> str:
    """The folders searched, each with whether it exists (the first `limit`, then a count)."""
    shown = [f"{root} ({'exists' if Path(root).is_dir() else 'does not exist'})" for root in roots[:limit]]
    rest = len(roots) - limit
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "") if roots else "none"


def _read(path: Path, known_tasks: set[str] | None) -> tuple[ResultsFile | None, str | None]:
    try:
        raw = read_results_json(path)
    except ClirbenchError as e:
        return None, f"{path}: skipped, not readable JSON: {e.message.removeprefix(f'{path}: ')}"
    try:
        results = parse_results(raw)
    except ValidationError as e:
        return None, f"{path}: skipped, malformed: {describe_invalid(e, limit=1)}"
    except ValueError as e:
        return None, f"{path}: skipped, {e}"
    if known_tasks is not None and results.task not in known_tasks:
        return None, f"{path}: skipped, unknown task {results.task!r} (no such task; add its YAML file to $CLIRBENCH_TASKS_DIR)"
    if not results.pairs:
        return None, f"{path}: skipped, no finished pairs yet"
    return results, None


def collect(roots: list[Path] | None = None, known_tasks: set[str] | None = None) -> Collected:
    """Every `<root>/<task>/<model>/results.json`. When two files hold the same task and system,
    the one updated last is shown."""
    out = Collected()
    chosen: dict[tuple[str, str], tuple[Path, ResultsFile]] = {}
    for root in roots if roots is not None else default_roots():
        # A gzipped copy (committed baselines) counts where no plain file stands beside it.
        plain = sorted(Path(root).glob("*/*/results.json"))
        gzipped = [p for p in sorted(Path(root).glob("*/*/results.json.gz")) if p.with_suffix("") not in plain]
        for path in plain + gzipped:
            results, warning = _read(path, known_tasks)
            if warning:
                out.warnings.append(warning)
                continue
            key = (results.task, results.model.name)
            if key in chosen:
                older, newer = sorted([chosen[key], (path, results)], key=lambda pr: pr[1].updated)
                out.warnings.append(f"{older[0]}: not shown, {newer[0]} holds newer results of {key[1]} on {key[0]}")
                chosen[key] = newer
            else:
                chosen[key] = (path, results)
    out.results = sorted(chosen.values(), key=lambda pr: (pr[1].task, pr[1].model.name))
    return out


def stamp(roots: list[Path]) -> tuple:
    """What the results files under `roots` are now (path, size, modification time): a cache of
    `collect` keyed by it is read again when a file changes, is added or goes."""
    out = []
    for root in roots:
        for path in sorted([*Path(root).glob("*/*/results.json"), *Path(root).glob("*/*/results.json.gz")]):
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)
