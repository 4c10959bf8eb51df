"""The manifest of a trained model folder, `clirbench-model.yaml`: written by training
(clirbench.train.student_folder), read by the student encoder, the experiment grid and its
report, through this one class.

Schema versions: a manifest without `schema_version` was written before the field existed
(version 1's layout, every manifest trained so far); it is read as version 1. A later layout
adds a step to `_MIGRATIONS`, as the results file does (clirbench.eval.results).

`teacher_identity` is an optional field of version 1, not a new version: a manifest without it
(written before it existed) is checked against its teacher by `teacher_fingerprint` instead
(clirbench.systems.student), and a clirbench that predates the field reads a manifest that has
it as before."""

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from clirbench.core.migrations import migrate as migrate_record, unversioned_is
from clirbench.core.errors import ClirbenchError

MANIFEST = "clirbench-model.yaml"
PROJECTION = "projection.safetensors"  # a linear map into the teacher's space, after pooling
SCHEMA_VERSION = 1

# A dev score as training records it: one measure, or several by name.
Score = float | dict[str, float]


class _ByKey(BaseModel):
    """Read by key too (`dev["by_step"]`, `loss.get("first")`), as these parts were read when
    the manifest was a dict (clirbench/cli/train.py still reads them so)."""

    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields and key not in (self.model_extra or {}):
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class DevScores(_ByKey):
    model_config = ConfigDict(extra="allow")

    measure: str  # what the dev scores are (one measure, or "name: what; ..." for several)
    by_step: dict[str, Score] = {}  # step (a string, as YAML and JSON keep it) -> score
    teacher: Score | None = None  # the untrained base model's score: what training must beat


class LossSummary(_ByKey):
    model_config = ConfigDict(extra="allow")

    first: float | None = None
    last: float | None = None
    mean_last_10: float | None = None


class StudentManifest(BaseModel):
    """What a trained folder is and how it was trained. Fields a recipe adds of its own (the
    contrastive recipe's `negatives`, ...) are kept as they are."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = SCHEMA_VERSION
    name: str
    kind: str  # optical-student, contrastive, ...
    teacher: str
    teacher_folder: str | None = None
    # The teacher's (or base's) fingerprint on the training host: it names the precision that
    # host resolved, and the student's results record it. Its identity leaves that out: what
    # loading the student checks (None: written before the field existed).
    teacher_fingerprint: str
    teacher_identity: str | None = None
    recipe: dict[str, Any] = {}  # every field of the recipe that trained it
    recipe_digest: str
    # How the training went: steps taken, the loss (summary and every step's), dev scores.
    steps: int | None = None
    loss: LossSummary | None = None
    loss_curve: list[float] | None = None
    student_languages: list[str] | None  # None: every language
    documents: str = "teacher"  # "teacher" or "own"
    teacher_weights_sha256: str | None = None
    teacher_languages: list[str] | None = None  # the languages the teacher reads (None: all)
    # The student's own prefixes, pooling and length when it did not start as its teacher's copy.
    student_settings: dict[str, Any] | None = None
    bitext: list[dict[str, Any]] | None = None
    # Training and dev sizes: {lang: {"train": n, "dev": n}} (bitext pairs), or
    # {"train_questions": n, "dev_questions": n, ...} (questions of the contrastive recipe).
    pairs: dict[str, Any] | None = None
    evaluation_texts: dict[str, Any] | None = None  # bitext pairs dropped as evaluation texts, and the files checked
    negatives: dict[str, Any] | None = None  # mined hard negatives: pool, k, miner, `stats`
    dev: DevScores | None = None
    training_data: list[str] | None = None
    adapted_from: str | None = None
    projection: dict[str, Any] | None = None  # {"file": PROJECTION, "sha256": ...}
    weights_sha256: str
    created: str | None = None

    @classmethod
    def parse(cls, raw: Any) -> "StudentManifest":
        """A manifest's parsed YAML (or the copy a run bundle keeps), migrated and validated
        (raises ValueError or ValidationError)."""
        if not isinstance(raw, dict):
            raise ValueError("not a student manifest (expected a mapping)")
        return cls.model_validate(migrate(raw))

    @classmethod
    def read(cls, folder: str | Path) -> "StudentManifest":
        """The manifest of a trained model folder (`clirbench train`'s output)."""
        path = Path(folder) / MANIFEST
        try:
            return cls.parse(manifest_data(folder))
        except (OSError, ValueError, ValidationError, yaml.YAMLError) as e:
            raise ClirbenchError(f"{path}: not a student manifest ({type(e).__name__}: {e})",
                                 "retrain with `clirbench train`, or restore the file") from None

    def stored(self) -> dict[str, Any]:
        """The manifest as its file holds it: the fields it was given (a manifest read from a
        file gives back that file's), under this schema version."""
        return {"schema_version": self.schema_version,
                **self.model_dump(mode="json", exclude_unset=True, exclude={"schema_version"})}

    def write(self, folder: Path) -> Path:
        path = Path(folder) / MANIFEST
        path.write_text(yaml.safe_dump(self.stored(), sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def sizes(self) -> tuple[int, int]:
        """(training, dev) examples: bitext pairs (OPTICAL) or questions (contrastive)."""
        sizes = self.pairs or {}
        if "train_questions" in sizes:
            return sizes["train_questions"], sizes["dev_questions"]
        return sum(v["train"] for v in sizes.values()), sum(v["dev"] for v in sizes.values())

    def final_dev(self) -> Score | None:
        """The dev score at the last step (None where none was taken there)."""
        return self.dev.by_step.get(str(self.steps)) if self.dev else None


def manifest_data(folder: str | Path) -> Any:
    """The YAML of a folder's manifest as stored, unchecked (a run bundle keeps it so, and a
    report regenerates byte for byte from either)."""
    return yaml.safe_load((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def recipe_digest_of(folder: str | Path) -> str | None:
    """The recipe digest a folder's manifest records; None where there is no manifest. Read
    before the folder is loaded as a model: to tell whether it holds a given recipe's model."""
    if not (Path(folder) / MANIFEST).is_file():
        return None
    data = manifest_data(folder)
    return data.get("recipe_digest") if isinstance(data, dict) else None


# Version (None: no `schema_version` field) -> the step that lifts a manifest of that version.
_MIGRATIONS = {None: unversioned_is(1)}


def migrate(raw: dict) -> dict:
    """`raw` (a parsed manifest of any known version) lifted to SCHEMA_VERSION."""
    return migrate_record(raw, SCHEMA_VERSION, _MIGRATIONS, "manifest")
