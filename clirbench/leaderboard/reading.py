"""Read one results file for the leaderboard: all of it, or all but its per-query values; a file
that cannot be shown is a warning naming it, never an exception.

The per-query values are nearly all of a file (FLORES-R: 464 pairs x 204 queries x 5 measures,
9 MB) and most of the time a page took to read it, yet the tables, coverage, heatmaps and flags
use only each pair's means. `read(path, per_query=False)` skips them while parsing: the JSON
parser steps over each measure's {query id: value} object without building it, and everything
else goes through the same migration and schema check as a full read (clirbench.eval.results).
In place of the values each pair holds `PerQueryNotRead` (clirbench.eval.results): not a dict,
it raises on any look, comparison or dump (model_dump, model_dump_json, json.dumps), so that a
test, a table or a writer can never take unread values for none; `read(path)` reads them (and
checks them: a malformed per-query value then skips the file, with its warning)."""

from pathlib import Path

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import (PerQueryNotRead, ResultsFile, describe_invalid, parse_results, read_results_json,
                                    results_bytes)

__all__ = ["PerQueryNotRead", "has_per_query", "read"]


@with_config(ConfigDict(extra="ignore"))
class _Skipped(TypedDict):
    """A JSON object whose members are stepped over, not built (a measure's per-query values)."""


@with_config(ConfigDict(extra="allow"))
class _Pair(TypedDict, total=False):
    per_query: dict[str, _Skipped]


@with_config(ConfigDict(extra="allow"))
class _File(TypedDict, total=False):
    pairs: dict[str, _Pair]


_WITHOUT_PER_QUERY = TypeAdapter(_File)


def has_per_query(r: ResultsFile) -> bool:
    """Whether `r`'s per-query values were read (False after `read(..., per_query=False)`)."""
    return not any(isinstance(p.per_query, PerQueryNotRead) for p in r.pairs.values())


def _checked(raw, path: Path, known_tasks: set[str] | None) -> tuple[ResultsFile | None, str | None, bool]:
    """(the file, None, _) or (None, why it is skipped, whether the schema refused it)."""
    try:
        results = parse_results(raw)
    except ValidationError as e:
        return None, f"{path}: skipped, malformed: {describe_invalid(e, limit=1)}", True
    except ValueError as e:
        return None, f"{path}: skipped, {e}", True
    if known_tasks is not None and results.task not in known_tasks:
        return None, f"{path}: skipped, unknown task {results.task!r} (no such task; add its YAML file to $CLIRBENCH_TASKS_DIR)", False
    if not results.pairs:
        return None, f"{path}: skipped, no finished pairs yet", False
    return results, None, False


def _without_per_query(path: Path):
    """The file's JSON with each measure's per-query object empty, or None where it cannot be
    parsed so (then the full read says what is wrong). A file that cannot be read or unzipped
    raises the ClirbenchError of results_bytes."""
    _, data = results_bytes(path)
    try:
        return _WITHOUT_PER_QUERY.validate_json(data)
    except ValueError:  # not JSON, or not objects where expected
        return None


def read(path: Path, known_tasks: set[str] | None = None,
         per_query: bool = True) -> tuple[ResultsFile | None, str | None]:
    """(the results file at `path`, None) or (None, why it is skipped). `per_query=False`: its
    pairs' per-query values are not read (`PerQueryNotRead`), the rest is read and checked.

    A light read that the JSON parser or the schema refuses reads the file again in full, so that
    its warning is the full read's, word for word (the values it skipped could hold the first
    fault). A file that cannot be read or unzipped, of an unknown task or with no finished pairs
    is skipped at once with the warning a full read gives (a file of an unknown task whose
    per-query values are also malformed is skipped for its task)."""
    try:
        if not per_query:
            raw = _without_per_query(path)
            if raw is not None:
                results, warning, refused = _checked(raw, path, known_tasks)
                if results is not None:
                    for pair in results.pairs.values():
                        pair.per_query = PerQueryNotRead(path)
                    return results, None
                if not refused:
                    return None, warning
        raw = read_results_json(path)
    except ClirbenchError as e:
        return None, f"{path}: skipped, not readable JSON: {e.message.removeprefix(f'{path}: ')}"
    return _checked(raw, path, known_tasks)[:2]
