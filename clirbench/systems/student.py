"""A trained model folder (`clirbench train`'s output) as an encoder. Its manifest says which
texts the trained model encodes: questions in `student_languages` (every language when null),
and documents when `documents: own`. The rest go through its teacher (the base model): a
distilled student or a query tower keeps the teacher's documents, whose cached vectors then
serve it unchanged."""

from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict

from clirbench.core.contract import Encoder, ModelMeta
from clirbench.core.errors import ClirbenchError

MANIFEST = "clirbench-model.yaml"


class StudentManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str
    name: str
    teacher: str
    teacher_fingerprint: str
    student_languages: list[str] | None  # None: every language
    documents: str = "teacher"  # "teacher" or "own"
    recipe_digest: str
    weights_sha256: str
    training_data: list[str] | None = None
    adapted_from: str | None = None
    recipe: dict = {}  # every field of the recipe that trained it


def is_student_folder(path: str) -> bool:
    return (Path(path).expanduser() / MANIFEST).is_file()


class StudentEncoder(Encoder):
    def __init__(self, folder: str | Path):
        from clirbench.systems.hf_encoder import HFEncoder
        from clirbench.systems.registry import load_model

        folder = Path(folder).expanduser().resolve()
        try:
            manifest = StudentManifest.model_validate(yaml.safe_load((folder / MANIFEST).read_text(encoding="utf-8")))
        except Exception as e:
            raise ClirbenchError(f"{folder / MANIFEST}: not a student manifest ({type(e).__name__}: {e})",
                                 "retrain with `clirbench train`, or restore the file") from None
        self.teacher = load_model(manifest.teacher)
        if not isinstance(self.teacher, HFEncoder):
            raise ClirbenchError(f"{folder}: teacher {manifest.teacher!r} is not a transformers encoder", "check `teacher:`")
        if self.teacher.fingerprint() != manifest.teacher_fingerprint:
            raise ClirbenchError(f"{folder}: its teacher {manifest.teacher!r} has changed since training "
                                 f"(fingerprint {self.teacher.fingerprint()}, trained with {manifest.teacher_fingerprint})",
                                 "reinstall that teacher, or retrain the student")
        self.student = HFEncoder(self.teacher.settings.model_copy(update={"model": str(folder), "name": manifest.name}))
        self.languages = None if manifest.student_languages is None else set(manifest.student_languages)
        self.own_documents = manifest.documents == "own"
        self.libraries = self.teacher.libraries
        self.batch_size = self.teacher.batch_size
        t = self.teacher.meta
        self.meta = ModelMeta(
            name=manifest.name, kind="encoder",
            description=f"{manifest.kind} model trained from {t.name}: "
                        + (f"questions in {', '.join(sorted(self.languages))}" if self.languages else "questions")
                        + (" and documents" if self.own_documents else "; the other texts by the teacher"),
            languages=sorted(self.languages | {"en"}) if self.languages else None,
            parameters={"teacher": t.name, "teacher_fingerprint": manifest.teacher_fingerprint,
                        "student_languages": sorted(self.languages) if self.languages else None,
                        "documents": manifest.documents, "recipe": manifest.recipe.get("recipe"),
                        "seed": manifest.recipe.get("seed"), "recipe_digest": manifest.recipe_digest,
                        "weights_sha256": manifest.weights_sha256, **{k: v for k, v in t.parameters.items()
                                                                       if k not in ("model", "revision")}},
            num_parameters=t.num_parameters, embedding_dim=t.embedding_dim,
            training_data=manifest.training_data, adapted_from=manifest.adapted_from,
            license=t.license, source=str(folder), notes=f"trained from {t.name}: {t.notes}",
        )

    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        encoder = self.student if self.languages is None or lang in self.languages else self.teacher
        return encoder.encode_queries(texts, lang)

    def encode_documents(self, texts: list[str], lang: str) -> np.ndarray:
        return (self.student if self.own_documents else self.teacher).encode_documents(texts, lang)

    def document_vectors_key(self) -> str:
        return super().document_vectors_key() if self.own_documents else self.teacher.document_vectors_key()
