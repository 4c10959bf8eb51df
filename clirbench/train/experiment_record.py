"""The record of an experiment, `conditions.json`: what the grid was, and which system each
condition x seed ran as, with its results file and manifest. Written as runs finish by
clirbench.train.experiment, read by its report (clirbench.train.report), through one class.

Schema versions: a record without `schema_version` was written before the field existed
(version 1's layout, every record committed so far); it is read as version 1. A later layout
adds a step to `_MIGRATIONS`. Processes of an older clirbench read the file as plain JSON
(`record["runs"]`, ...): the keys stay."""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clirbench.core.migrations import migrate as migrate_record, unversioned_is
from clirbench.core.errors import ClirbenchError
from clirbench.core.locking import save_record_run

RECORD = "conditions.json"
SCHEMA_VERSION = 1


class SystemCondition(BaseModel):
    """A condition that trains nothing: a named system (`me5-small`, `bm25`), scored as it is."""
    model_config = ConfigDict(extra="forbid")

    system: str


class ExperimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    recipe: str = Field(description="the base recipe, relative to this file")
    task: str | None = Field(description="the task every run is scored on; null: a dev-only grid (recipe "
                             "settings chosen on the recipe's dev split, no task scored)")
    pairs: str | list[str] = Field("cross-lingual", description="cross-lingual, all (language pairs), "
                                   "all+pool (and the multilingual pool's), or a list of pair keys and "
                                   "patterns (`*-eng_Latn`: every language into English)")
    exclude_pairs: list[str] = Field(
        [], description="pair keys and patterns left out of `pairs` (FLORES-R languages whose files a "
        "copy of the data lacks); the report lists the pairs it scored")
    queries_per_pair: int | None = Field(
        None, ge=1, description="score a fixed sample of each pair's queries (the same ids in every pair "
        "where ids are shared): FLORES-R's 204 languages x 204 sentences cost 40k encodings a model")
    seeds: list[int] = Field(min_length=1)
    baseline: str = Field(description="the condition the others are tested against")
    # condition -> recipe overrides ("key=value"); null: the recipe's teacher alone, untrained;
    # {system: NAME}: that system, untrained (a baseline the recipe does not start from).
    conditions: dict[str, list[str] | SystemCondition | None] = Field(min_length=1)
    students_of: str | None = Field(
        None, description="another experiment's name: its trained folders are this grid's (trained there, if not "
        "yet), so one set of students is scored on a second task")
    comparisons: list[tuple[str, str]] = Field(
        [], description="more paired tests, [a, b]: a against b (every condition is tested against the baseline)")


class RunRecord(BaseModel):
    """One condition x seed: the system it ran as, and where its results and manifest are."""
    model_config = ConfigDict(extra="allow")

    condition: str
    seed: int | None  # None: an untrained condition, run once
    system: str
    results: str | None  # the results file; None in a dev-only grid (no task scored)
    manifest: str | None  # the trained folder's manifest; None for an untrained condition
    seconds: float  # train and score, summed over resumptions
    peak_rss_mb: float | None = None  # the experiment process's peak at the run's end (not in the first records)
    model_calls: dict[str, int] | None = None  # texts through a model while scoring, by role


class ExperimentRecord(BaseModel):
    model_config = ConfigDict(extra="allow")

    schema_version: int = SCHEMA_VERSION
    experiment: ExperimentSpec
    overrides: list[str] = []  # recipe overrides for every run
    task: str | None  # None: a dev-only grid
    pairs: list[str] = []
    results_dir: str
    runs: dict[str, RunRecord] = {}  # "condition/seedN" (or "condition") -> the run

    def seeds_ran(self) -> list[int]:
        """The seeds that have runs (an untrained condition has none)."""
        return sorted({run.seed for run in self.runs.values() if run.seed is not None})

    @classmethod
    def parse(cls, raw: Any) -> "ExperimentRecord":
        """A record's parsed JSON, migrated and validated (raises ValueError or ValidationError)."""
        if not isinstance(raw, dict):
            raise ValueError("not an experiment record (expected a JSON object)")
        return cls.model_validate(migrate(raw))

    @classmethod
    def load(cls, path: Path) -> "ExperimentRecord":
        try:
            return cls.parse(json.loads(Path(path).read_text(encoding="utf-8")))
        except (ValueError, ValidationError) as e:  # a JSONDecodeError is a ValueError
            raise ClirbenchError(f"{path}: not an experiment record ({type(e).__name__}: {e})",
                                 "rerun the experiment (finished runs are skipped), or restore the file") from None

    @classmethod
    def start(cls, path: Path, **fields) -> "ExperimentRecord":
        """The record at `path` (its runs kept) with `fields` (the grid as it is now), or a new one."""
        if not Path(path).exists():
            return cls(**fields)
        record = cls.load(path)
        for name, value in fields.items():
            setattr(record, name, value)
        return record

    def stored(self) -> dict[str, Any]:
        """The record as its file holds it."""
        data = self.model_dump(mode="json", exclude_unset=True, exclude={"schema_version", "experiment", "runs"})
        return {"schema_version": self.schema_version, "experiment": self.experiment.model_dump(mode="json"), **data,
                "runs": {key: run.model_dump(mode="json", exclude_unset=True) for key, run in self.runs.items()}}

    def save_run(self, path: Path, key: str) -> "ExperimentRecord":
        """Write the record after its run `key` finished, keeping the runs other processes
        wrote meanwhile (clirbench.core.locking.save_record_run); returns what was written."""
        return ExperimentRecord.parse(save_record_run(path, self.stored(), key))


# Version (None: no `schema_version` field) -> the step that lifts a record of that version.
_MIGRATIONS = {None: unversioned_is(1)}


def migrate(raw: dict) -> dict:
    """`raw` (a parsed record of any known version) lifted to SCHEMA_VERSION."""
    return migrate_record(raw, SCHEMA_VERSION, _MIGRATIONS, "experiment record")
