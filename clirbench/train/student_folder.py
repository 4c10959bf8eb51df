"""The student's model folder: weights (safetensors), tokenizer, and the manifest
`clirbench-model.yaml` that makes the folder a system (`clirbench run --system FOLDER`)."""

import shutil
from datetime import datetime, timezone
from pathlib import Path

from clirbench.core.digests import file_digest
from clirbench.systems.hf_encoder import HFEncoder
from clirbench.systems.student_manifest import PROJECTION, StudentManifest
from clirbench.train.bitext import Pair
from clirbench.train.recipe import OpticalRecipe

# XQuAD-R is XQuAD: SQuAD v1.1 dev paragraphs, translated.
LAREQA_TRAINING_DATA = ["XQuAD", "SQuAD"]
# What the other bitext kinds are, by name (a task built on one of them is not zero-shot).
BITEXT_DATA = {"afriqa": "AfriQA", "flores": "FLORES-200", "ntrex": "NTREX-128"}


def write_model_folder(model_dir: Path, recipe, base: HFEncoder, model, tokenizer, state: dict, fields: dict,
                       projection=None) -> Path:
    """Weights, tokenizer and manifest, written whole or not at all. `fields` are the recipe's
    own manifest entries (kind, languages, documents, data sizes, ...); `projection`, a linear
    layer after the transformer, goes in `projection.safetensors`."""
    from safetensors.torch import save_file

    partial = model_dir.with_name(model_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(str(partial))
    tokenizer.save_pretrained(str(partial))
    if projection is not None:
        save_file({k: v.detach().contiguous().cpu() for k, v in projection.state_dict().items()},
                  str(partial / PROJECTION))
        fields = {**fields, "projection": {"file": PROJECTION, "sha256": file_digest(partial / PROJECTION)}}
    losses = state["losses"]
    manifest = StudentManifest.model_validate({
        "name": f"{recipe.recipe}-{recipe.digest()}",
        "teacher": getattr(recipe, "teacher", None) or recipe.base,
        "teacher_folder": base.settings.model,
        "teacher_fingerprint": base.fingerprint(),
        "teacher_identity": base.identity(),
        "recipe": recipe.model_dump(mode="json"),
        "recipe_digest": recipe.digest(),
        "steps": state["step"],
        "loss": {"first": losses[0] if losses else None, "last": losses[-1] if losses else None,
                 "mean_last_10": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 6)},
        "loss_curve": losses,
        **fields,
        "weights_sha256": file_digest(partial / "model.safetensors"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    manifest.write(partial)
    shutil.rmtree(model_dir, ignore_errors=True)
    partial.rename(model_dir)
    return model_dir


def write_student(model_dir: Path, recipe: OpticalRecipe, teacher: HFEncoder, student_base: HFEncoder | None,
                  distiller, train: list[Pair], dev: list[Pair], state: dict, untrained_dev: float | None,
                  leak_check: dict, dev_measure: str) -> Path:
    sizes: dict[str, dict[str, int]] = {}
    for split, pairs in (("train", train), ("dev", dev)):
        for p in pairs:
            sizes.setdefault(p.lang, {"train": 0, "dev": 0})[split] += 1
    training_data = sorted({d for s in recipe.bitext if s.kind == "lareqa" for d in LAREQA_TRAINING_DATA}
                           | {BITEXT_DATA.get(s.kind, s.path) for s in recipe.bitext if s.kind != "lareqa"})
    settings = distiller.settings
    teacher_weights = Path(teacher.settings.model) / "model.safetensors"
    return write_model_folder(model_dir, recipe, teacher, distiller.student.encoder, distiller.tokenizer, state, {
        "kind": "optical-student",
        "student_languages": recipe.languages(),
        "documents": "teacher",
        "teacher_weights_sha256": file_digest(teacher_weights) if teacher_weights.is_file() else None,
        # The languages the teacher reads (null: all): the student encodes the others' questions too.
        "teacher_languages": teacher.meta.languages,
        # How the student itself is run: its own prefixes and pooling (those of the model it started from).
        "student_settings": {"query_prefix": settings.query_prefix, "passage_prefix": settings.passage_prefix,
                             "pooling": settings.pooling, "max_length": settings.max_length},
        "bitext": [{**s.model_dump(mode="json", exclude_defaults=True), "kind": s.kind} for s in recipe.bitext],
        "pairs": sizes,
        # Bitext pairs dropped because a side is an evaluation text, and the evaluation files checked.
        "evaluation_texts": leak_check,
        "dev": {"measure": dev_measure, "by_step": state["dev"], "teacher": untrained_dev},
        "training_data": training_data,
        "adapted_from": recipe.student or recipe.teacher,
    }, projection=distiller.student.projection)
