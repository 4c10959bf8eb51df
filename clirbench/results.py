"""The results file: one per task and model, schema-checked, written atomically."""

import json
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from clirbench.atomic import write_json_atomic
from clirbench.errors import ClirbenchError
from clirbench.plugins.base import ModelMeta

SCHEMA_VERSION = 1


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


class ResultsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    task: str
    task_description: str = ""
    metrics: list[str]  # measure names as ir-measures prints them, the primary first
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


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def results_path(out_dir: Path, task: str, model: str) -> Path:
    return Path(out_dir) / task / model / "results.json"


def load_results(path: Path) -> ResultsFile:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ClirbenchError(f"{path}: cannot read results: {e}", "delete the file or rerun with --force") from None
    if isinstance(raw, dict) and raw.get("schema_version") != SCHEMA_VERSION:
        raise ClirbenchError(f"{path}: results schema version {raw.get('schema_version')!r}, "
                             f"this clirbench reads {SCHEMA_VERSION}", "rerun with --force to rewrite it")
    try:
        return ResultsFile.model_validate(raw)
    except ValidationError as e:
        fields = "; ".join(f"`{'.'.join(map(str, x['loc']))}`: {x['msg']}" for x in e.errors()[:5])
        raise ClirbenchError(f"{path}: malformed results file ({fields})", "rerun with --force to rewrite it") from None


def save_results(path: Path, results: ResultsFile) -> None:
    results.updated = now()
    write_json_atomic(path, results.model_dump(mode="json"))
