"""Find and read results files, skipping (with a warning) the ones that cannot be shown."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from clirbench.core.paths import submissions_dir, submissions_dirs
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


def default_roots(base: Path | None = None) -> list[Path]:
    """$CLIRBENCH_RESULTS (folders separated by ':'), else, in `base` (default: the folder that
    holds the repository's submissions/), results/, submissions/*/results/ and the trained models
    that `clirbench experiment` scored (trained/experiments/*/results/); then <folder>/*/results/
    of every folder that $CLIRBENCH_SUBMISSIONS_DIR adds (it adds: it never moves results/)."""
    if os.environ.get("CLIRBENCH_RESULTS"):
        return [Path(p) for p in os.environ["CLIRBENCH_RESULTS"].split(os.pathsep) if p]
    base = base if base is not None else submissions_dir().parent
    extra = [root for root in submissions_dirs()[1:] if root.resolve() != (base / "submissions").resolve()]
    return [base / "results", *sorted((base / "submissions").glob("*/results")),
            *sorted((base / "trained" / "experiments").glob("*/results")),
            *(folder for root in extra for folder in sorted(root.glob("*/results")))]


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
