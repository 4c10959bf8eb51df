"""Find and read results files, skipping (with a warning) the ones that cannot be shown."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

from clirbench.core.paths import default_results_dir, results_dirs_from_env, submissions_dirs
from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import ResultsFile
from clirbench.leaderboard.reading import has_per_query, read


@dataclass
class Collected:
    results: list[tuple[Path, ResultsFile]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    known_tasks: set[str] | None = None
    # Files read again with their per-query values (`with_per_query`): path -> (file, warning).
    _full: dict[Path, tuple[ResultsFile | None, str | None]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tasks(self) -> list[str]:
        return sorted({r.task for _, r in self.results})

    def for_task(self, task: str) -> list[ResultsFile]:
        return [r for _, r in self.results if r.task == task]

    def with_per_query(self, results: list[ResultsFile]) -> tuple[list[ResultsFile], list[str]]:
        """`results` (files of this collection, or filtered copies of them) with their per-query
        values, each keeping only its pairs; and a warning for each file whose values cannot be
        used (malformed, or changed since it was read: reload the page). Each file is read once
        (then kept); files read with their values are returned as they are."""
        paths = {(r.task, r.model.name): path for path, r in self.results}
        out, warnings = [], []
        for r in results:
            if has_per_query(r):
                out.append(r)
                continue
            path = paths[(r.task, r.model.name)]
            with self._lock:  # one read per file, whichever page asks first
                if path not in self._full:
                    self._full[path] = read(path, self.known_tasks)
            full, warning = self._full[path]
            if full is not None and (full.model_fingerprint, full.updated) != (r.model_fingerprint, r.updated):
                full, warning = None, f"{path}: changed since the page read it (reload the page)"
            elif full is not None and not set(r.pairs) <= set(full.pairs):
                full, warning = None, f"{path}: lost pairs since the page read it (reload the page)"
            if full is None:
                why = warning.removeprefix(f"{path}: ").removeprefix("skipped, ")
                warnings.append(f"{path}: left out of the CIs, tests and per-query views, {why}")
                continue
            out.append(full if set(full.pairs) == set(r.pairs) else
                       full.model_copy(update={"pairs": {key: full.pairs[key] for key in r.pairs}}))
        return out, warnings


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


def collect(roots: list[Path] | None = None, known_tasks: set[str] | None = None, per_query: bool = True) -> Collected:
    """Every `<root>/<task>/<model>/results.json`. When two files hold the same task and system,
    the one updated last is shown. `per_query=False`: the files' per-query values are left unread
    (most of a page's load; see clirbench.leaderboard.reading) until `Collected.with_per_query`."""
    out = Collected(known_tasks=known_tasks)
    chosen: dict[tuple[str, str], tuple[Path, ResultsFile]] = {}
    for root in roots if roots is not None else default_roots():
        # A gzipped copy (committed baselines) counts where no plain file stands beside it.
        plain = sorted(Path(root).glob("*/*/results.json"))
        gzipped = [p for p in sorted(Path(root).glob("*/*/results.json.gz")) if p.with_suffix("") not in plain]
        for path in plain + gzipped:
            results, warning = read(path, known_tasks, per_query)
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
