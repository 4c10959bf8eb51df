"""The results file: one per task and model, schema-checked, written atomically.

Files of an older schema version are migrated when read (as MTEB's results loader does), so
results already computed are never lost to an upgrade; the next save writes the new version."""

import gzip
import shutil
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import (BaseModel, ConfigDict, Field, Strict, ValidationError, field_serializer, field_validator,
                      model_validator)
from pydantic_core import from_json

from clirbench.core.atomic import write_json_atomic
from clirbench.core.errors import ClirbenchError
from clirbench.core.locking import locked, stale_temporaries
from clirbench.core.textfiles import parse_json, read_text
from clirbench.core.contract import SystemMeta
from clirbench.core.names import MAX_LENGTH, SAFE_NAME, path_name
from clirbench.eval.trec import write_run
from clirbench.tasks import POOL
from clirbench.tasks.measures import known_measures, parse_measure, resolve_measure, without_threshold

SCHEMA_VERSION = 2

# A value in a results file is a finite number: a string, a boolean, NaN or an infinity would be
# shown, or silently left out of an average (a NaN pair once ranked a system below its twin).
Value = Annotated[float, Strict(), Field(allow_inf_nan=False)]
# A name that becomes a folder or file, or a table label (task, pairs, languages): see clirbench.core.names.
SafeName = Annotated[str, Field(pattern=SAFE_NAME, max_length=MAX_LENGTH)]
# ir-measures families whose values (per query and means) lie in [0, 1].
_UNIT_INTERVAL = {"RR", "nDCG", "R", "AP", "P", "Success", "Judged", "Bpref", "Rprec", "infAP", "IPrec",
                  "SetP", "SetR", "SetF", "SetAP", "ERR"}
_SLACK = 1e-9  # float rounding of a mean


@lru_cache(maxsize=256)
def _in_unit_interval(measure: str) -> bool:
    try:
        return parse_measure(measure).NAME in _UNIT_INTERVAL
    except ClirbenchError:
        return False


class PerQueryNotRead:
    """A pair's per-query values left in its file (the leaderboard's light read,
    clirbench.leaderboard.reading, `collect(..., per_query=False)`), in place of
    `PairResult.per_query`. Not a dict: any look at it (items, len, iteration, `==`, truth, copy,
    pickle) raises, naming the file and how to read the values, and so does dumping the pair or its
    results file (model_dump, model_dump_json, save_results; json.dumps refuses it too). Unread
    values are never taken for none, written as `{}` or compared equal to `{}`."""

    __slots__ = ("path",)

    def __init__(self, path: Path):
        self.path = path if isinstance(path, Path) else Path(path)  # one a pair: 9,280 on a FLORES-R board

    def _refuse(self, *args, **kwargs):
        raise RuntimeError(f"{self.path}: its per-query values were not read (collect(..., per_query=False)); "
                           "read them with Collected.with_per_query(results)")

    __getitem__ = __iter__ = __len__ = __contains__ = __bool__ = __eq__ = __ne__ = _refuse
    get = keys = values = items = copy = __copy__ = __deepcopy__ = __reduce__ = __reduce_ex__ = _refuse
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PerQueryNotRead({str(self.path)!r})"


class PairResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query_lang: SafeName  # shown in tables (and terminals): codes, never markup
    doc_lang: SafeName
    resource_level: str
    # Translated queries (AfriQA-R's `hau:en-en`): the language the questions were written in.
    query_set: SafeName | None = None
    num_queries: int
    num_docs: int
    data: dict[str, str]  # ir_datasets IDs of queries, docs and qrels
    run_file: str  # relative to the results file
    # Wall-clock time of index (0 when cached) and search; and the parts of them that texts spent
    # in a model, by role ("encoding documents", "encoding queries", "translating queries").
    seconds: dict[str, float]
    metrics: dict[str, Value]
    per_query: dict[str, dict[str, Value]]
    # Multilingual-pool pairs only (clirbench.eval.language_bias): means, and per-query values.
    language_bias: dict[str, Value] = {}
    bias_per_query: dict[str, dict[str, Value]] = {}

    @field_serializer("per_query", mode="wrap")
    def _per_query_read(self, per_query, handler):
        # A pair read without its per-query values (PerQueryNotRead) is never written as {}.
        if isinstance(per_query, PerQueryNotRead):
            per_query._refuse()
        return handler(per_query)

    @field_validator("run_file")
    @classmethod
    def _inside(cls, run_file: str) -> str:
        # Fusion reads it: it must stay inside the results folder.
        path = Path(run_file)  # built once: a FLORES-R board checks 9,280 of these on load
        if path.is_absolute() or ".." in path.parts or "\\" in run_file:
            raise ValueError(f"{run_file!r} is not a path inside the results folder (e.g. runs/en-sw.trec)")
        return run_file

    @model_validator(mode="after")
    def _in_range(self) -> "PairResult":
        for name, v in self.metrics.items():
            if _in_unit_interval(name) and not -_SLACK <= v <= 1 + _SLACK:
                raise ValueError(f"{name} mean is {v}, outside [0, 1]")
        for name, by_query in self.per_query.items():
            # min and max first: a FLORES-R file holds 450k values, and looking at each in Python
            # was most of the time the leaderboard took to read it.
            if not by_query or not _in_unit_interval(name) or -_SLACK <= min(by_query.values()) and \
                    max(by_query.values()) <= 1 + _SLACK:
                continue
            for qid, v in by_query.items():
                if not -_SLACK <= v <= 1 + _SLACK:
                    raise ValueError(f"{name} query {qid!r} is {v}, outside [0, 1]")
        return self

    @property
    def pool(self) -> bool:
        """A multilingual-pool pair (`X-multi`): a setting of its own, averaged apart."""
        return self.doc_lang == POOL

    @property
    def cross_lingual(self) -> bool:
        return self.query_lang != self.doc_lang and not self.pool

    @property
    def monolingual(self) -> bool:
        return self.query_lang == self.doc_lang


class ResultsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    task: SafeName
    task_description: str = ""
    metrics: list[str] = Field(min_length=1)  # measure names (RR@10), the primary first; pairs' values are keyed by them
    measures: dict[str, str] = {}  # name -> what was computed under the task's threshold (RR(rel=2)@10)
    model: SystemMeta
    model_fingerprint: str
    versions: dict[str, str]  # clirbench, ir_datasets, ir_measures and the plugin's libraries
    created: str
    updated: str
    pairs: dict[SafeName, PairResult] = {}
    not_applicable: dict[str, str] = {}  # pairs the system cannot run, and why (e.g. no dictionary)

    @field_validator("metrics")
    @classmethod
    def _measures(cls, metrics: list[str]) -> list[str]:
        # Names the app puts into charts and tables: measures ir-measures knows, nothing else.
        return known_measures(metrics)

    @model_validator(mode="after")
    def _every_pair_has_every_measure(self) -> "ResultsFile":
        # The tables look each measure up in every pair: a pair without one was a KeyError in `clirbench show`.
        for key, pair in self.pairs.items():
            missing = [m for m in self.metrics if m not in pair.metrics]
            if missing:
                raise ValueError(f"pair {key} has no {', '.join(missing)} (the file's measures: {', '.join(self.metrics)})")
        return self

    @property
    def primary_metric(self) -> str:
        return self.metrics[0]

    def measure_name(self, wanted: str, where: str = "here") -> str:
        """The name of the measure `wanted` means here (a name, another spelling, or a definition);
        `where` names the file in the error."""
        return resolve_measure(wanted, {m: self.measures.get(m, m) for m in self.metrics}, where)


def _v1_to_v2(raw: dict) -> dict:
    """Version 1 keyed values by the full definition (`RR(rel=2)@10`); version 2 keys them by
    name (`RR@10`) and records the definitions in `measures`."""
    try:
        names = {d: str(without_threshold(parse_measure(d))) for d in raw.get("metrics", [])}
    except ClirbenchError as e:
        raise ValueError(f"cannot migrate from schema version 1: {e.message}") from None
    raw = {**raw, "schema_version": 2, "metrics": list(names.values()),
           "measures": {name: definition for definition, name in names.items()}}
    raw["pairs"] = {key: {**pair, "metrics": {names.get(m, m): v for m, v in pair.get("metrics", {}).items()},
                          "per_query": {names.get(m, m): v for m, v in pair.get("per_query", {}).items()}}
                    for key, pair in raw.get("pairs", {}).items()}
    return raw


# Version -> the step that lifts a file of that version to the next.
_MIGRATIONS = {1: _v1_to_v2}


def migrate(raw: dict) -> dict:
    """`raw` (a parsed results file of any known version) lifted to SCHEMA_VERSION."""
    version = raw.get("schema_version")
    while version != SCHEMA_VERSION:
        if not isinstance(version, int) or version not in _MIGRATIONS:
            raise ValueError(f"results schema version {version!r} is unknown (this clirbench reads "
                             f"versions {', '.join(map(str, [*_MIGRATIONS, SCHEMA_VERSION]))})")
        try:
            raw = _MIGRATIONS[version](raw)
        except (AttributeError, TypeError):  # `metrics` or `pairs` of the wrong kind (a number, a list)
            raise ValueError(f"cannot migrate from schema version {version}: its `metrics` or `pairs` are malformed "
                             "(a list of measure names; pairs: a mapping of pair results)") from None
        version = raw["schema_version"]
    return raw


def parse_results(raw) -> ResultsFile:
    """A results file's parsed JSON, migrated and validated (raises ValueError or ValidationError)."""
    if not isinstance(raw, dict):
        raise ValueError("not a results file (expected a JSON object)")
    return ResultsFile.model_validate(migrate(raw))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def results_path(out_dir: Path, task: str, model: str) -> Path:
    """`<out>/<task>/<model>/results.json`; a task or system name that would lead elsewhere
    (`../x`, `/x`) is refused."""
    return Path(out_dir) / path_name(task, "task name") / path_name(model, "system name") / "results.json"


def run_file_of(pair_key: str) -> Path:
    """Where a pair's TREC run goes, relative to its results file: `runs/<pair>.trec`."""
    return Path("runs") / f"{path_name(pair_key, 'pair')}.trec"


def stored_results(path: Path) -> Path:
    """`path`, or its gzipped copy `results.json.gz` where only that is here: the committed
    baselines are kept compressed (a FLORES-R file is 9 MB of JSON, 0.3 MB gzipped). A run
    that goes on from one reads it and writes `results.json` beside it."""
    gz = Path(path).with_name(Path(path).name + ".gz")
    return gz if not Path(path).exists() and gz.exists() else Path(path)


_REWRITE = "delete the file or rerun with --force"


def results_bytes(path: Path) -> tuple[Path, bytes]:
    """The file `path` is stored in (stored_results: it, or its gzipped copy) and the JSON bytes it
    holds, unzipped where gzipped: the one place results files are read and unzipped. A file that
    cannot be read, or whose gzip is corrupt or cut short, is a ClirbenchError naming it and the
    fix (gzip's zlib.error, EOFError and BadGzipFile never escape)."""
    stored = stored_results(path)
    try:
        data = stored.read_bytes()
    except OSError as e:
        raise ClirbenchError(f"{stored}: cannot read results file: {e.strerror or e}", _REWRITE) from None
    if stored.suffix != ".gz":
        return stored, data
    try:
        return stored, gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise ClirbenchError(f"{stored}: not a gzipped results file, or a corrupt or cut-short one ({e})",
                             f"restore it (a committed baseline: `git checkout -- {stored}`), or {_REWRITE}") from None


def read_results_json(path: Path):
    """The JSON a results file (or its gzipped copy) holds, unchecked; errors name the file.
    pydantic's parser reads the bytes of a FLORES-R file (9 MB) in a third of the time of
    decoding and json.loads, most of a leaderboard's load; on anything it refuses, the file is
    read again the careful way, whose errors say what is wrong."""
    stored, data = results_bytes(path)
    try:
        return from_json(data)
    except ValueError:
        pass
    if stored.suffix != ".gz":
        return parse_json(read_text(stored, "results file", _REWRITE, _REWRITE), stored, "results file", _REWRITE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ClirbenchError(f"{stored}: not a gzipped UTF-8 results file ({e})", _REWRITE) from None
    return parse_json(text, stored, "results file", _REWRITE)


def load_results(path: Path) -> ResultsFile:
    raw = read_results_json(path)
    try:
        return parse_results(raw)
    except ValidationError as e:
        raise ClirbenchError(f"{path}: malformed results file ({describe_invalid(e)})",
                             "rerun with --force to rewrite it") from None
    except ValueError as e:
        raise ClirbenchError(f"{path}: {e}", "rerun with --force to rewrite it") from None


def describe_invalid(error: ValidationError, limit: int = 5) -> str:
    return "; ".join(f"field `{'.'.join(map(str, x['loc']))}`: {x['msg']}" for x in error.errors()[:limit])


def _same_settings(a: ResultsFile, b: ResultsFile) -> bool:
    return (a.task, a.model_fingerprint, a.metrics, a.measures) == (b.task, b.model_fingerprint, b.metrics, b.measures)


def start_results(path: Path, fresh: ResultsFile, force: bool,
                  note: Callable[[str], None] = lambda message: None) -> ResultsFile:
    """The results file a run (of a system, or of a fusion) goes on with: `fresh` (this run's
    task, measures, system, fingerprint and versions, no pairs) where none is stored; else the
    stored one, whose pairs stay, with `fresh`'s system description and versions. A stored file
    of another fingerprint or other measures is refused (its pairs cannot stand beside the new
    ones), and replaced by `fresh` with `force`; an unreadable one too, kept beside it first.
    `note` tells what --force did to an unreadable file."""
    if not stored_results(path).exists():
        return fresh
    try:
        old = load_results(path)
    except ClirbenchError:
        if not force:
            raise
        # --force starts afresh; the unreadable file is kept beside it, never lost.
        stored = stored_results(path)  # results.json, or the results.json.gz read in its place
        aside = stored.with_name(f"{stored.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        shutil.copy2(stored, aside)
        note(f"{path} could not be read: kept as {aside.name}; --force starts it afresh")
        return fresh
    if old.model_fingerprint != fresh.model_fingerprint or (old.metrics, old.measures) != (fresh.metrics, fresh.measures):
        if force:  # other settings: the old pairs cannot stand beside the new ones
            return fresh
        raise ClirbenchError(f"{path} holds results of {old.model.name} with other settings or measures",
                             "rerun with --force to replace them, or use another --out folder")
    # --force reruns the selected pairs; the other pairs' results stay.
    old.model, old.versions = fresh.model, fresh.versions
    return old


def save_results(path: Path, results: ResultsFile, finished: Iterable[str] = ()) -> None:
    """Write `results` after this process finished the pairs `finished`. Several processes may
    write one file (two `clirbench run`s on other pairs of the task, into one --out): under
    the file's lock, the file is re-read and merged, so no finished pair is lost. Every pair
    on disk is kept, except those of `finished`, which are this process's (the newest); the
    pairs of `results` the file lacks are added. A file of another model fingerprint (or
    measures) is replaced, as a rerun with --force replaces it. `results` becomes what was
    written."""
    finished = set(finished)
    with locked(path):
        on_disk = None
        if stored_results(path).exists():
            try:
                on_disk = load_results(path)
            except ClirbenchError:  # unreadable: nothing in it to keep
                on_disk = None
        if on_disk is not None and _same_settings(on_disk, results):
            merged = dict(on_disk.pairs)
            merged.update((k, v) for k, v in results.pairs.items() if k in finished or k not in merged)
            results.pairs = merged
            results.not_applicable = {**on_disk.not_applicable, **results.not_applicable}
            results.created = min(on_disk.created, results.created)
        results.updated = now()
        write_json_atomic(path, results.model_dump(mode="json"))


class PairSaver:
    """Saves a results file as pairs finish, at a bounded cost. A save re-reads, merges and
    rewrites the whole file (save_results), so saving after every pair costs quadratic time:
    on FLORES-R's 464 pairs, 0.9 s a save at the end and 200 of a run's 260 s. A pair is saved
    at once unless the last save took more than a tenth of the time since it; then it waits for
    the next pair or `flush` (which `with` calls, also on an error or Ctrl-C). So saving costs at
    most about a tenth of a run, and a hard crash loses at most the pairs finished in the ten
    save-times since the last save (seconds, at the end of FLORES-R)."""

    SHARE = 0.1

    def __init__(self, path: Path, results: ResultsFile):
        self.path, self.results = path, results
        self._pending: list[str] = []
        self._last_cost, self._last_end = 0.0, time.monotonic()

    def finished(self, key: str) -> None:
        self._pending.append(key)
        if self._last_cost <= self.SHARE * (time.monotonic() - self._last_end):
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        start = time.monotonic()
        save_results(self.path, self.results, self._pending)
        self._pending = []
        self._last_end = time.monotonic()
        self._last_cost = self._last_end - start

    def __enter__(self) -> "PairSaver":
        return self

    def __exit__(self, *exc) -> None:
        self.flush()


@contextmanager
def writing_runs(path: Path) -> Iterator[None]:
    """Hold the results file's lock while writing one of its run files, so that a temporary
    file left in runs/ while nobody holds it is debris (see remove_debris)."""
    with locked(path):
        yield


def write_pair_run(path: Path, pair_key: str, run: dict, system: str) -> Path:
    """Write the TREC run of the pair `pair_key` beside the results file `path`, under its
    lock; returns the run file relative to `path` (a PairResult's `run_file`)."""
    run_file = run_file_of(pair_key)
    with writing_runs(path):
        write_run(path.parent / run_file, run, system)
    return run_file


def remove_debris(path: Path, started: float) -> list[Path]:
    """Remove the temporary files that interrupted writes of the results file `path` and its
    run files left: under the file's lock (every writer here writes under it, so none is
    half-way), and only those older than `started`, this run's start (a writer of an older
    clirbench, which takes no lock, is never cut short). Returns what was removed."""
    if not path.parent.is_dir():
        return []
    with locked(path):
        stale = [*stale_temporaries(path.parent, path.name, started),
                 *stale_temporaries(path.parent / "runs", "*.trec", started)]
        for tmp in stale:
            tmp.unlink(missing_ok=True)
    return stale
