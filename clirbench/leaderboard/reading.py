"""Read one results file for the leaderboard: all of it, or all but its per-query values; a file
that cannot be shown is a warning naming it, never an exception.

The per-query values are nearly all of a file (FLORES-R: 464 pairs x 204 queries x 5 measures,
9 MB) and most of the time a page took to read it, yet the tables, coverage, heatmaps and flags
use only each pair's means. `read(path, per_query=False)` skips them while parsing: the JSON
parser steps over each measure's {query id: value} object without building it, and everything
else goes through the same migration and schema check as a full read (clirbench.eval.results).
In place of the values each pair holds `PerQueryNotRead`, which raises on any look, so that a
test or a table can never take unread values for none; `read(path)` reads them (and checks them:
a malformed per-query value then skips the file, with its warning)."""

from pathlib import Path

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import (ResultsFile, describe_invalid, parse_results, read_results_json,
                                    stored_results)


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


class PerQueryNotRead(dict):
    """A pair's per-query values that were left in the file (`read(..., per_query=False)`): any
    look at them raises, naming the file and how to read them."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def _refuse(self, *args, **kwargs):
        raise RuntimeError(f"{self.path}: its per-query values were not read (collect(..., per_query=False)); "
                           "read them with Collected.with_per_query(results)")

    __getitem__ = __iter__ = __len__ = __contains__ = __bool__ = get = keys = values = items = _refuse
    copy = __reduce__ = __reduce_ex__ = __deepcopy__ = _refuse


def has_per_query(r: ResultsFile) -> bool:
    """Whether `r`'s per-query values were read (False after `read(..., per_query=False)`)."""
    return not any(isinstance(p.per_query, PerQueryNotRead) for p in r.pairs.values())


def _checked(raw, path: Path, known_tasks: set[str] | None) -> tuple[ResultsFile | None, str | None]:
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


def _without_per_query(path: Path):
    """The file's JSON with each measure's per-query object empty, or None where it cannot be
    parsed so (then the full read says what is wrong)."""
    import gzip

    stored = stored_results(path)
    try:
        data = stored.read_bytes()
        if stored.suffix == ".gz":
            data = gzip.decompress(data)
        return _WITHOUT_PER_QUERY.validate_json(data)
    except (OSError, EOFError, ValueError):  # unreadable, not gzip, not JSON, not objects where expected
        return None


def read(path: Path, known_tasks: set[str] | None = None,
         per_query: bool = True) -> tuple[ResultsFile | None, str | None]:
    """(the results file at `path`, None) or (None, why it is skipped). `per_query=False`: its
    pairs' per-query values are not read (`PerQueryNotRead`), the rest is read and checked."""
    if not per_query:
        raw = _without_per_query(path)
        results, _ = _checked(raw, path, known_tasks) if raw is not None else (None, None)
        if results is not None:
            for pair in results.pairs.values():
                pair.per_query = PerQueryNotRead(path)
            return results, None
        # Anything refused is read again in full: its warning is the full read's, word for word.
    try:
        raw = read_results_json(path)
    except ClirbenchError as e:
        return None, f"{path}: skipped, not readable JSON: {e.message.removeprefix(f'{path}: ')}"
    return _checked(raw, path, known_tasks)
