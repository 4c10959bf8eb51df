"""The section of an experiment's report that shows its students on other tasks: the grids that
score them zero-shot (`students_of: <this grid>`, e.g. hybrid-batches-afriqa beside
hybrid-batches), read from those grids' own reports beside this one (their conditions.json and
summary.json). Their cells, stars and interaction tests are theirs, copied, not recomputed: one
report then answers on every test set, and each number has one source."""

import json
from pathlib import Path

from clirbench.train.experiment_record import RECORD, ExperimentRecord, ExperimentSpec
from clirbench.train.report_tables import cell, markdown_table

MEASURE = "RR@10"
SUMMARY = "summary.json"


def _headline(column: str) -> bool:
    """A column over several languages (a level, a class, a direction, `all`), not one language's."""
    return column == "all" or " " in column or "->" in column


def _siblings(out_dir: Path, name: str) -> list[tuple[Path, ExperimentRecord, dict]]:
    """The report folders beside `out_dir` whose grids score `name`'s students, with a summary."""
    found = []
    for record_path in sorted(Path(out_dir).parent.glob(f"*/{RECORD}")):
        folder = record_path.parent
        if folder == Path(out_dir) or not (folder / SUMMARY).exists():
            continue
        record = ExperimentRecord.load(record_path)
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        if record.experiment.students_of == name and "stats" in summary:
            found.append((folder, record, summary))
    return found


def zero_shot_section(out_dir: Path, spec: ExperimentSpec, conditions: list[str]) -> list[str]:
    siblings = _siblings(out_dir, spec.name)
    if not siblings:
        return []
    parts = [f"## The same students on other tasks ({MEASURE})", "",
             f"The grids that score this grid's students on other tasks (`students_of: {spec.name}`), from their "
             "own reports beside this one: their cells and `*` marks (against their baseline, over questions and "
             "seeds), their listed comparisons and low-against-high interaction tests, copied. Only the columns "
             "over several languages are shown; each report has the rest.", ""]
    for folder, record, summary in siblings:
        other = record.experiment
        stats = summary["stats"]
        shown = [c for c in conditions if c in stats]
        columns = [c for c in next(iter(stats.values()))[MEASURE] if _headline(c)]
        seeds = {c: sum(run.condition == c for run in record.runs.values()) for c in shown}
        tests = {(t["condition"], t["against"], t["column"]): t for t in summary["tests"] if t["measure"] == MEASURE}
        rows = [[f"`{c}`", *(cell(*stats[c][MEASURE][col], seeds[c],
                                  tests.get((c, other.baseline, col), {}).get("significant", False))
                             if stats[c][MEASURE][col] else "-" for col in columns)] for c in shown]
        parts += [f"### `{other.name}`: task `{record.task}`, {len(record.pairs)} pairs, seeds {record.seeds_ran()} "
                  f"([report](../{folder.name}/report.md))", "", markdown_table(["condition", *columns], rows), ""]
        listed = [(a, b) for a, b in other.comparisons if a in shown and b in shown]
        if listed:
            rows = [[f"`{a}` − `{b}`", *(_difference(tests.get((a, b, col))) for col in columns)] for a, b in listed]
            parts += ["Listed comparisons (difference of the cells above; `*`: significant):", "",
                      markdown_table(["comparison", *columns], rows), ""]
        interactions = [t for t in summary.get("interactions", []) if t["measure"] == MEASURE
                        and t["condition"] in shown and t["against"] in shown]
        if interactions:
            rows = [[f"`{t['condition']}` − `{t['against']}`", f"{t['diff']:+.4f}",
                     f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]", "yes" if t["significant"] else "no"]
                    for t in interactions]
            parts += ["Low against high resource (difference of differences, low − high):", "",
                      markdown_table(["comparison", "difference", "95% CI", "significant"], rows), ""]
    return parts


def _difference(test: dict | None) -> str:
    return "-" if test is None else f"{test['diff']:+.4f}{'*' if test['significant'] else ''}"
