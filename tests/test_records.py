"""Typed records (issue 26, item 6): the student manifest `clirbench-model.yaml` and the
experiment record `conditions.json`, each written and read by one class, with a schema
version; every file committed before the version existed still loads."""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from clirbench.core.errors import ClirbenchError
from clirbench.systems.student import read_manifest
from clirbench.systems.student_manifest import MANIFEST, SCHEMA_VERSION, StudentManifest, recipe_digest_of
from clirbench.train.experiment_record import RECORD, ExperimentRecord, RunRecord
from clirbench.train.run_bundle import read_bundle

REPO = Path(__file__).resolve().parent.parent


def _committed(pattern: str) -> list[Path]:
    """Committed files only (a running experiment may be rewriting a record in the checkout)."""
    listed = subprocess.run(["git", "ls-files", pattern], cwd=REPO, capture_output=True, text=True).stdout.split()
    return [REPO / name for name in listed]


def _committed_text(path: Path) -> str:
    return subprocess.run(["git", "show", f"HEAD:{path.relative_to(REPO)}"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


def test_every_committed_experiment_record_loads():
    records = _committed(f"experiments/results/*/{RECORD}")
    assert len(records) >= 5
    for path in records:
        raw = json.loads(_committed_text(path))
        record = ExperimentRecord.parse(raw)
        assert raw.get("schema_version", 1) == record.schema_version == 1  # most were written before the field
        assert set(record.runs) == set(raw["runs"]) and record.task == raw["task"]
        # Written back, it holds what it held (and its version): old readers find the same keys.
        stored = record.stored()
        assert {k: v for k, v in stored.items() if k not in ("schema_version", "experiment")} == \
            {k: v for k, v in raw.items() if k not in ("schema_version", "experiment")}
        assert stored["experiment"] == {**stored["experiment"], **raw["experiment"]}


def test_every_manifest_in_a_committed_bundle_loads_and_round_trips():
    seen = 0
    for bundle in _committed("experiments/results/*/runs.json.gz"):
        for key, run in read_bundle(bundle).items():
            if run["manifest"] is None:
                continue
            manifest = StudentManifest.parse(run["manifest"])
            assert manifest.dev.by_step and manifest.final_dev() is not None and manifest.sizes()[0] > 0
            assert manifest.stored() == {"schema_version": SCHEMA_VERSION, **run["manifest"]}
            seen += 1
    assert seen >= 20


def _manifest(**fields) -> dict:
    return {"name": "optical-abc", "kind": "optical-student", "teacher": "me5-small", "teacher_fingerprint": "f",
            "recipe_digest": "abc", "weights_sha256": "w", "student_languages": ["hau"], **fields}


@pytest.mark.parametrize("dev", [
    {"measure": "RR@10", "by_step": {"4": 0.25}, "teacher": 0.5},
    {"measure": "a; b", "by_step": {"4": {"mAP (pool)": 0.3, "RR@10 (X->Y)": 0.2}},
     "teacher": {"mAP (pool)": 0.1, "RR@10 (X->Y)": 0.1}},
    {"measure": "RR@10", "by_step": {}, "teacher": None},
])
def test_a_manifest_is_written_and_read_by_one_class(tmp_path, dev):
    written = StudentManifest.model_validate(_manifest(steps=4, dev=dev, pairs={"train_questions": 8,
                                                                                "dev_questions": 2},
                                                       negatives={"pool": "mixed"}))
    written.write(tmp_path)
    raw = yaml.safe_load((tmp_path / MANIFEST).read_text())
    assert raw["schema_version"] == SCHEMA_VERSION and raw["negatives"] == {"pool": "mixed"}
    read = read_manifest(tmp_path)
    assert read == written and read.stored() == raw and read.sizes() == (8, 2)
    assert read.final_dev() == dev["by_step"].get("4")
    assert recipe_digest_of(tmp_path) == "abc" and recipe_digest_of(tmp_path / "none") is None


def test_a_manifest_of_an_unknown_version_or_shape_is_refused(tmp_path):
    (tmp_path / MANIFEST).write_text(yaml.safe_dump(_manifest(schema_version=99)))
    with pytest.raises(ClirbenchError, match="schema version 99 is unknown"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text(yaml.safe_dump(_manifest(dev={"measure": "RR@10", "by_step": {"4": "high"}})))
    with pytest.raises(ClirbenchError, match="not a student manifest"):
        read_manifest(tmp_path)


def test_an_experiment_record_keeps_the_runs_other_processes_wrote(tmp_path):
    from clirbench.train.experiment import ExperimentSpec

    path = tmp_path / RECORD
    spec = ExperimentSpec(name="grid", recipe="r.yaml", task=None, seeds=[0], baseline="base",
                          conditions={"base": ["lr=1e-5"]})
    mine = ExperimentRecord.start(path, experiment=spec, task=None, pairs=[], results_dir="r", overrides=[])
    mine.runs["base/seed0"] = RunRecord(condition="base", seed=0, system="s", results=None, manifest="m", seconds=1.0)
    mine = mine.save_run(path, "base/seed0")
    # Another process (of this clirbench or an older one) adds its run as plain JSON.
    theirs = json.loads(path.read_text())
    assert theirs["schema_version"] == 1 and "model_calls" not in theirs["runs"]["base/seed0"]
    theirs["runs"]["base/seed1"] = {"condition": "base", "seed": 1, "system": "s", "results": None,
                                    "manifest": "m", "seconds": 2.0}
    path.write_text(json.dumps(theirs))
    again = ExperimentRecord.start(path, experiment=spec, task=None, pairs=[], results_dir="r", overrides=["x=1"])
    assert set(again.runs) == {"base/seed0", "base/seed1"} and again.overrides == ["x=1"]
    assert json.loads(path.read_text())["overrides"] == []  # start writes nothing


def test_the_dev_scores_and_loss_read_by_key_as_before():
    manifest = StudentManifest.parse(_manifest(loss={"first": 1.0, "last": 0.5, "mean_last_10": 0.5},
                                               dev={"measure": "RR@10", "by_step": {"4": 0.25}, "teacher": None}))
    assert manifest.loss["first"] == 1.0 and manifest.dev["by_step"] == {"4": 0.25} and manifest.dev.get("teacher") is None
    assert manifest.dev.get("nothing", "-") == "-"
    with pytest.raises(KeyError):
        manifest.loss["nothing"]
