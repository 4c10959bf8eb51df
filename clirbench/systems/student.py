"""A trained model folder (`clirbench train`'s output) as an encoder. Its manifest says which
texts the trained model encodes: questions in `student_languages` (every language when null),
and documents when `documents: own`. The rest go through its teacher (the base model): a
distilled student or a query tower keeps the teacher's documents, whose cached vectors then
serve it unchanged."""

from pathlib import Path

import numpy as np

from clirbench.core.contract import Encoder, SystemSpec
from clirbench.core.errors import ClirbenchError
from clirbench.systems.student_manifest import MANIFEST, PROJECTION, StudentManifest  # noqa: F401 (re-exported)


def read_manifest(folder: str | Path) -> StudentManifest:
    """The manifest of a trained model folder (`clirbench train`'s output)."""
    return StudentManifest.read(folder)


def is_student_folder(path: str) -> bool:
    return (Path(path).expanduser() / MANIFEST).is_file()


def _recorded_languages(student_languages: list[str] | None) -> list[str] | None:
    """The languages a student's results record: its questions' and English (None: any)."""
    return sorted(set(student_languages) | {"en"}) if student_languages else None


def student_spec(folder: str | Path, teacher_name: str | None = None) -> SystemSpec:
    """A trained model folder, from its manifest alone (nothing loaded): what its results record
    (`StudentEncoder.meta` is this spec's `meta(...)`). `teacher_name`: the name of the teacher
    as loaded (the encoder passes it); by default its spec's, read without loading it."""
    folder = Path(folder).expanduser().resolve()
    manifest = read_manifest(folder)
    if teacher_name is None:
        teacher_name = _teacher_name(manifest.teacher)
    languages = sorted(set(manifest.student_languages)) if manifest.student_languages else None
    description = (f"{manifest.kind} model trained from {teacher_name}: "
                   + (f"questions in {', '.join(languages)}" if languages else "questions")
                   + (" and documents" if manifest.documents == "own" else "; the other texts by the teacher"))
    return SystemSpec("encoder", description, name=manifest.name,
                      languages=_recorded_languages(manifest.student_languages),
                      training_data=manifest.training_data, origin="trained folder",
                      loader=lambda: StudentEncoder(folder))


def _teacher_name(teacher: str) -> str:
    """The name a teacher records (its spec's); the manifest's own word where it cannot be read."""
    from clirbench.systems.plugins import plugin_spec

    try:
        return plugin_spec(teacher).name or teacher
    except ClirbenchError:  # not installed here: loading the student says so
        return teacher


# What precision `auto` resolved to on the hosts that trained students before manifests
# recorded `teacher_identity` (float16: a GPU's, until then).
_PRECISIONS_BEFORE_IDENTITY = ("float32", "bfloat16", "float16")


def _check_teacher(folder: Path, manifest: StudentManifest, teacher) -> None:
    """The teacher loaded here is the model the student was trained with, whatever precision
    this host computes it in (a student trained on a GPU loads on a CPU)."""
    if manifest.teacher_identity is not None:
        what, here, trained = "identity", teacher.identity(), manifest.teacher_identity
        same = trained in {here, teacher.identity_with_path()}  # the latter: manifests before 2026-12-08
    else:  # an older manifest: the fingerprint at the precision its training host resolved
        what, here, trained = "fingerprint", teacher.fingerprint(), manifest.teacher_fingerprint
        same = trained in {here, *(teacher.fingerprint_at(p) for p in _PRECISIONS_BEFORE_IDENTITY)}
    if not same:
        raise ClirbenchError(f"{folder}: its teacher {manifest.teacher!r} has changed since training "
                             f"({what} {here}, trained with {trained})", "reinstall that teacher, or retrain the student")


class StudentEncoder(Encoder):
    def __init__(self, folder: str | Path):
        from clirbench.systems.hf_encoder import HFEncoder
        from clirbench.systems.plugins import claims, plugin_spec

        folder = Path(folder).expanduser().resolve()
        manifest = read_manifest(folder)
        # A teacher is a plugin (a transformers encoder), never another trained folder.
        if not claims(manifest.teacher) and is_student_folder(manifest.teacher):
            raise ClirbenchError(f"{folder}: teacher {manifest.teacher!r} is not a transformers encoder", "check `teacher:`")
        self.teacher = plugin_spec(manifest.teacher).load()
        if not isinstance(self.teacher, HFEncoder):
            raise ClirbenchError(f"{folder}: teacher {manifest.teacher!r} is not a transformers encoder", "check `teacher:`")
        _check_teacher(folder, manifest, self.teacher)
        own = manifest.student_settings or {}
        self.projection = self._projection(folder, manifest.projection)
        self.student = HFEncoder(self.teacher.settings.model_copy(update={
            "model": str(folder), "name": manifest.name, "languages": None, **own,
            # Pooled vectors are mapped into the teacher's space first, then normalised.
            **({"normalize": False} if self.projection is not None else {})}))
        self.languages = None if manifest.student_languages is None else set(manifest.student_languages)
        self.own_documents = manifest.documents == "own"
        self.libraries = self.teacher.libraries
        self.batch_size = self.teacher.batch_size
        t = self.teacher.meta
        # Name, kind, description, languages and training data: the folder's spec, with the teacher loaded.
        self.meta = student_spec(folder, teacher_name=t.name).meta(
            parameters={"teacher": t.name, "teacher_fingerprint": manifest.teacher_fingerprint,
                        "student_languages": sorted(self.languages) if self.languages else None,
                        "documents": manifest.documents, "recipe": manifest.recipe.get("recipe"),
                        "seed": manifest.recipe.get("seed"), "recipe_digest": manifest.recipe_digest,
                        "weights_sha256": manifest.weights_sha256,
                        **({"projection_sha256": manifest.projection["sha256"]} if manifest.projection else {}),
                        **{k: v for k, v in t.parameters.items()
                                                                       if k not in ("model", "revision")}},
            num_parameters=t.num_parameters, embedding_dim=t.embedding_dim, adapted_from=manifest.adapted_from,
            license=t.license, source=str(folder), notes=f"trained from {t.name}: {t.notes}",
        )

    @staticmethod
    def _projection(folder: Path, entry: dict | None) -> tuple[np.ndarray, np.ndarray] | None:
        if entry is None:
            return None
        from safetensors.numpy import load_file

        path = folder / entry["file"]
        if not path.is_file():
            raise ClirbenchError(f"{path}: the student's projection is missing (its manifest names it)",
                                 "restore the file, or retrain the student")
        weights = load_file(str(path))
        return weights["weight"].astype(np.float32), weights["bias"].astype(np.float32)

    def _by_student(self, lang: str) -> bool:
        """The student encodes questions of its languages, and of every language its teacher
        cannot read (an English teacher's student meets Arabic zero-shot); the teacher the rest."""
        return self.languages is None or lang in self.languages or self.teacher.not_applicable(lang, lang) is not None

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        if self.own_documents:
            return self.student.not_applicable(doc_lang, doc_lang)
        reason = self.teacher.not_applicable(doc_lang, doc_lang)
        return f"documents go through its teacher {self.teacher.meta.name}: {reason}" if reason else None

    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        if not self._by_student(lang):
            return self.teacher.encode_queries(texts, lang)
        vectors = self.student.encode_queries(texts, lang)
        if self.projection is None:
            return vectors
        weight, bias = self.projection
        mapped = vectors @ weight.T + bias
        return (mapped / np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def encode_documents(self, texts: list[str], lang: str) -> np.ndarray:
        return (self.student if self.own_documents else self.teacher).encode_documents(texts, lang)

    def document_vectors_key(self) -> str:
        return super().document_vectors_key() if self.own_documents else self.teacher.document_vectors_key()
