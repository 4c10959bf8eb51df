"""The results file: one per task and model, schema-checked, written atomically.

Files of an older schema version are migrated when read (as MTEB's results loader does), so
results already computed are never lost to an upgrade; the next save writes the new version."""

import json
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from clirbench.core.atomic import write_json_atomic
from clirbench.core.errors import ClirbenchError
from clirbench.core.contract import ModelMeta
from clirbench.tasks import POOL
from clirbench.tasks.measures import parse_measure, resolve_measure, without_threshold

SCHEMA_VERSION = 2


class PairResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query_lang: str
    doc_lang: str
    resource_level: str
    num_queries: int
    num_docs: int
    data: dict[str, str]  # ir_datasets IDs of queries, docs and qrels
    run_file: str  # relative to the results file
    seconds: dict[str, float]  # wall-clock time of index (0 when cached) and search
    metrics: dict[str, float]
    per_query: dict[str, dict[str, float]]
    # Multilingual-pool pairs only (clirbench.eval.language_bias): means, and per-query values.
    language_bias: dict[str, float] = {}
    bias_per_query: dict[str, dict[str, float]] = {}

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
    task: str
    task_description: str = ""
    metrics: list[str]  # measure names (RR@10), the primary first; pairs' values are keyed by them
    measures: dict[str, str] = {}  # name -> what was computed under the task's threshold (RR(rel=2)@10)
    model: ModelMeta
    model_fingerprint: str
    versions: dict[str, str]  # clirbench, ir_datasets, ir_measures and the plugin's libraries
    created: str
    updated: str
    pairs: dict[str, PairResult] = {}
    not_applicable: dict[str, str] = {}  # pairs the system cannot run, and why (e.g. no dictionary)

    @property
    def primary_metric(self) -> str:
        return self.metrics[0]

    def measure_name(self, wanted: str) -> str:
        """The name of the measure `wanted` means here (a name, another spelling, or a definition)."""
        return resolve_measure(wanted, {m: self.measures.get(m, m) for m in self.metrics})


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
        if version not in _MIGRATIONS:
            raise ValueError(f"results schema version {version!r} is unknown (this clirbench reads "
                             f"versions {', '.join(map(str, [*_MIGRATIONS, SCHEMA_VERSION]))})")
        raw = _MIGRATIONS[version](raw)
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
    return Path(out_dir) / task / model / "results.json"


def load_results(path: Path) -> ResultsFile:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ClirbenchError(f"{path}: cannot read results: {e}", "delete the file or rerun with --force") from None
    try:
        return parse_results(raw)
    except ValidationError as e:
        raise ClirbenchError(f"{path}: malformed results file ({describe_invalid(e)})",
                             "rerun with --force to rewrite it") from None
    except ValueError as e:
        raise ClirbenchError(f"{path}: {e}", "rerun with --force to rewrite it") from None


def describe_invalid(error: ValidationError, limit: int = 5) -> str:
    return "; ".join(f"field `{'.'.join(map(str, x['loc']))}`: {x['msg']}" for x in error.errors()[:limit])


def save_results(path: Path, results: ResultsFile) -> None:
    results.updated = now()
    write_json_atomic(path, results.model_dump(mode="json"))
