"""One encoder stack (issue 26, item 3): inference (HFEncoder) and training share one precision
rule and one pooling, so a trainer's dev vectors are the encoder's own; and the identity a
student records of its teacher does not change with the precision a host resolves."""

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from tiny_models import build_tiny_xlmr, toy_texts  # noqa: E402

from clirbench.systems import encoder_stack  # noqa: E402
from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-teacher")


def host(monkeypatch, cpu_bf16: bool, gpu_bf16: bool = False) -> None:
    """Pretend this host's CPU (and GPU) does or does not compute bfloat16 natively."""
    monkeypatch.setattr(encoder_stack, "bf16_native", lambda: cpu_bf16)
    monkeypatch.setattr(encoder_stack, "gpu_bf16_native", lambda: gpu_bf16)


def test_auto_is_one_rule_for_cpu_and_gpu(monkeypatch):
    resolve = encoder_stack.resolve_precision
    for cpu_bf16, gpu_bf16 in [(True, True), (False, False), (True, False), (False, True)]:
        host(monkeypatch, cpu_bf16, gpu_bf16)
        assert resolve("auto", "cpu") == ("bfloat16" if cpu_bf16 else "float32")
        assert resolve("auto", "cuda") == resolve("auto", "cuda:1") == ("bfloat16" if gpu_bf16 else "float32")
    assert resolve("float16", "cuda") == "float16" and resolve("float32", "cpu") == "float32"


def test_inference_and_training_use_the_same_pieces():
    from clirbench.systems import hf_encoder
    from clirbench.train import contrastive, encoding, optical

    assert hf_encoder.resolve_precision is optical.resolve_precision is contrastive.resolve_precision \
        is encoder_stack.resolve_precision
    assert hf_encoder.pool is encoding.pool is optical.pool is encoder_stack.pool
    assert hf_encoder.autocast is encoding.autocast is optical.autocast is encoder_stack.autocast
    for gone in ("resolve_precision", "mean_pooled"):  # the training copies are deleted
        assert not hasattr(encoding, gone)


def _recipe(tiny: Path, folder: Path, precision: str):
    from clirbench.train.recipe import OpticalRecipe

    folder.mkdir(parents=True, exist_ok=True)
    bitext = folder / "en-sw.tsv"
    bitext.write_text("Where is Nairobi?\tNairobi iko wapi?\n")
    return OpticalRecipe.model_validate({"teacher": f"hf:{tiny}", "precision": precision, "max_length": 32,
                                         "bitext": [{"kind": "tsv", "path": str(bitext), "languages": ["sw"]}]})


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_the_trainers_dev_vectors_are_the_encoders(tiny, tmp_path, precision):
    """The OPTICAL trainer's vectors (dev scoring, Procrustes) of the teacher's and the student's
    texts equal HFEncoder's for the same folder and precision, text by text (one text a forward
    pass on both sides, so the same products run)."""
    from clirbench.train.bitext import Pair
    from clirbench.train.encoding import base_encoder, embed_all
    from clirbench.train.optical import Distiller

    texts = toy_texts()[:12]
    recipe = _recipe(tiny, tmp_path, precision)
    teacher = base_encoder(recipe.teacher)
    distiller = Distiller(recipe, teacher, [Pair("Where is Nairobi?", "Nairobi iko wapi?", "sw", "0")])
    assert distiller.precision == precision
    encoder = HFEncoder(HFEncoderSettings(model=str(tiny), precision=precision, device="cpu", batch_tokens=1,
                                          max_length=32))
    trainer = np.concatenate([embed_all(distiller.teacher_tokenizer, distiller.teacher, [t], "", 32, precision)
                              for t in texts])
    np.testing.assert_array_equal(trainer, encoder.encode_queries(texts, "en"))
    student = np.concatenate([distiller.encode_student([t]) for t in texts])  # untrained: the teacher's copy
    np.testing.assert_array_equal(student, encoder.encode_queries(texts, "sw"))


def test_auto_resolves_alike_in_the_encoder_and_the_trainer(tiny, tmp_path, monkeypatch):
    from clirbench.train.bitext import Pair
    from clirbench.train.encoding import base_encoder
    from clirbench.train.optical import Distiller

    for cpu_bf16 in (True, False):
        host(monkeypatch, cpu_bf16)
        recipe = _recipe(tiny, tmp_path, "auto")
        teacher = base_encoder(recipe.teacher)
        distiller = Distiller(recipe, teacher, [Pair("Where is Nairobi?", "Nairobi iko wapi?", "sw", "0")])
        assert distiller.precision == teacher.precision == ("bfloat16" if cpu_bf16 else "float32")


def test_identity_leaves_out_the_precision_the_host_resolves(tiny, monkeypatch):
    host(monkeypatch, cpu_bf16=True)
    bf16 = HFEncoder(HFEncoderSettings(model=str(tiny)))
    host(monkeypatch, cpu_bf16=False)
    fp32 = HFEncoder(HFEncoderSettings(model=str(tiny)))
    assert (bf16.precision, fp32.precision) == ("bfloat16", "float32")
    assert bf16.fingerprint() != fp32.fingerprint()  # their vectors are cached apart
    assert bf16.identity() == fp32.identity()  # one model
    assert fp32.fingerprint_at("bfloat16") == bf16.fingerprint() and fp32.fingerprint_at("float32") == fp32.fingerprint()
    other = HFEncoder(HFEncoderSettings(model=str(tiny), query_prefix="query: "))
    assert other.identity() != fp32.identity()  # prefixes make another model


def _student(tiny: Path, folder: Path, teacher: HFEncoder, **fields) -> Path:
    """A trained folder as training writes it (write_model_folder), its weights the teacher's."""
    from transformers import AutoModel, AutoTokenizer

    from clirbench.train.student_folder import write_model_folder

    recipe = _recipe(tiny, folder, "auto")
    model, tokenizer = AutoModel.from_pretrained(str(tiny)), AutoTokenizer.from_pretrained(str(tiny))
    out = write_model_folder(folder / "model", recipe, teacher, model, tokenizer, {"step": 0, "losses": []},
                             {"kind": "optical-student", "student_languages": ["sw"], "documents": "teacher"})
    if fields:
        from clirbench.systems.student_manifest import StudentManifest

        manifest = StudentManifest.read(out).stored()
        manifest = {k: v for k, v in {**manifest, **fields}.items() if v is not None}
        StudentManifest.model_validate(manifest).write(out)
    return out


def test_a_student_trained_in_bfloat16_loads_on_a_float32_host(tiny, tmp_path, monkeypatch):
    from clirbench.systems.student import StudentEncoder, read_manifest

    host(monkeypatch, cpu_bf16=True)
    trained_with = HFEncoder(HFEncoderSettings(model=str(tiny)))
    folder = _student(tiny, tmp_path, trained_with)
    manifest = read_manifest(folder)
    assert manifest.teacher_identity == trained_with.identity()
    assert manifest.teacher_fingerprint == trained_with.fingerprint()  # what its results record, as before
    host(monkeypatch, cpu_bf16=False)
    student = StudentEncoder(folder)
    assert student.teacher.precision == "float32" and student.teacher.identity() == manifest.teacher_identity
    assert student.meta.parameters["teacher_fingerprint"] == trained_with.fingerprint()


def test_a_manifest_without_identity_loads_at_any_precision_auto_gave(tiny, tmp_path, monkeypatch):
    """Manifests written before `teacher_identity`: a GPU host recorded a float16 teacher."""
    from clirbench.core.errors import ClirbenchError
    from clirbench.systems.student import StudentEncoder

    host(monkeypatch, cpu_bf16=False)
    teacher = HFEncoder(HFEncoderSettings(model=str(tiny)))
    gpu = _student(tiny, tmp_path / "gpu", teacher, teacher_identity=None,
                   teacher_fingerprint=teacher.fingerprint_at("float16"))
    assert "teacher_identity" not in (gpu / "clirbench-model.yaml").read_text()
    assert StudentEncoder(gpu).teacher.precision == "float32"
    changed = _student(tiny, tmp_path / "changed", teacher, teacher_identity=None, teacher_fingerprint="0" * 16)
    with pytest.raises(ClirbenchError, match="has changed since training"):
        StudentEncoder(changed)


def test_a_teacher_that_did_change_is_refused(tiny, tmp_path, monkeypatch):
    from clirbench.core.errors import ClirbenchError
    from clirbench.systems.student import StudentEncoder

    host(monkeypatch, cpu_bf16=False)
    copy = tmp_path / "teacher"
    shutil.copytree(tiny, copy)
    folder = _student(copy, tmp_path, HFEncoder(HFEncoderSettings(model=str(copy))))
    build_tiny_xlmr(copy, seed=1, vocab_size=300)  # other weights and sizes in the teacher's folder
    with pytest.raises(ClirbenchError, match="has changed since training .identity"):
        StudentEncoder(folder)


def test_identity_does_not_depend_on_where_the_weights_lie(tiny, tmp_path, monkeypatch):
    """Two checkouts keep the same weights in two folders: a student trained in one loads in the
    other; different weights in the same folder still make another model (test above)."""
    host(monkeypatch, cpu_bf16=False)
    copy = tmp_path / "elsewhere" / "teacher"
    shutil.copytree(tiny, copy)
    here, there = HFEncoder(HFEncoderSettings(model=str(tiny))), HFEncoder(HFEncoderSettings(model=str(copy)))
    assert here.identity() == there.identity()
    assert here.identity_with_path() != there.identity_with_path()  # what manifests recorded before


def test_a_manifest_with_the_older_identity_still_loads(tiny, tmp_path, monkeypatch):
    from clirbench.systems.student import StudentEncoder

    host(monkeypatch, cpu_bf16=False)
    teacher = HFEncoder(HFEncoderSettings(model=str(tiny)))
    folder = _student(tiny, tmp_path, teacher, teacher_identity=teacher.identity_with_path())
    assert StudentEncoder(folder).teacher.identity() == teacher.identity()
