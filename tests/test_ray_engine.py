"""The Ray engine (`--engine ray`) against the single-process path, on a real local Ray cluster
(`ray.init(num_cpus=2)`) and a tiny real XLM-R model: the same vectors bit for bit, the same
results, a worker killed mid-job, and a whole job killed and resumed from its chunks."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")
# One test process holds this module's Ray cluster (`make test` runs `--dist loadgroup`): two
# clusters of actors on the same cores slowed the first test from 40 s to 400.
pytestmark = pytest.mark.xdist_group("ray")

from tiny_models import build_tiny_xlmr, toy_texts  # noqa: E402

from clirbench.systems.dense.engines import LocalEngine, make_engine  # noqa: E402
from clirbench.systems.dense.ray_engine import RayEngine  # noqa: E402
from clirbench.systems.dense.retriever import DenseRetriever  # noqa: E402
from clirbench.systems.dense.vector_store import read_doc_vectors  # noqa: E402

TESTS = Path(__file__).parent
CHUNK = 8


def worker_path() -> str:
    """PYTHONPATH for Ray's workers: they import ray_helpers by name."""
    return os.pathsep.join(p for p in [str(TESTS), os.environ.get("PYTHONPATH", "")] if p)


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": worker_path()}})
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from clirbench.systems.registry import load_model

    folder = build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-xlmr")
    return lambda: load_model(f"hf:{folder}")


def collection() -> list[tuple[str, str]]:
    """60 documents of varied lengths: 8 chunks of 8, the last one short."""
    texts = toy_texts()
    return [(f"d{i:03d}", f"{texts[i % len(texts)]} {i}") for i in range(60)]


def encode_into(folder: Path, encoder, engine) -> DenseRetriever:
    retriever = DenseRetriever(encoder, folder.parent / "cache", engine=engine)
    retriever.chunk_size = CHUNK
    retriever.build_index(iter(collection()), "en", folder)
    return retriever


def chunks(folder: Path) -> list[tuple[list[str], np.ndarray]]:
    return [(ids, np.array(vectors)) for ids, vectors in read_doc_vectors(folder)]


def assert_same_chunks(a: Path, b: Path) -> None:
    left, right = chunks(a), chunks(b)
    assert len(left) == len(right) == 8
    for (ids_a, vectors_a), (ids_b, vectors_b) in zip(left, right):
        assert ids_a == ids_b
        assert vectors_a.dtype == vectors_b.dtype == np.float32
        assert np.array_equal(vectors_a, vectors_b)  # bit for bit


def test_ray_gives_the_vectors_and_results_of_one_process(ray_cluster, tiny, tmp_path):
    local = encode_into(tmp_path / "local", tiny(), LocalEngine())
    distributed = encode_into(tmp_path / "ray", tiny(), RayEngine(workers=2))
    assert local.documents_encoded == distributed.documents_encoded == 60
    assert_same_chunks(tmp_path / "local", tmp_path / "ray")
    assert json.loads((tmp_path / "ray" / "vectors.json").read_text()) == {"num_docs": 60, "dim": 64}

    # End to end: the same results file, whichever engine encoded.
    from clirbench.eval.runner import run_task
    from clirbench.tasks import load_task, select_pairs

    spec = load_task("toy")
    pairs = select_pairs(spec, ["en-en", "sw-en", "en-sw", "sw-sw"])  # two collections: two actor pools
    reports = {}
    for name, engine in [("local", None), ("ray", RayEngine(workers=2))]:
        reports[name] = run_task(spec, tiny(), pairs, out_dir=tmp_path / name / "results",
                                 cache_dir=tmp_path / name / "cache", engine=engine)
    scores = {name: {key: (result.metrics, result.per_query) for key, result in report.results.pairs.items()}
              for name, report in reports.items()}
    assert scores["local"] == scores["ray"] and len(scores["local"]) == len(pairs)
    runs = [sorted((tmp_path / name / "results").rglob("*.trec")) for name in reports]
    assert runs[0] and [p.read_bytes() for p in runs[0]] == [p.read_bytes() for p in runs[1]]


def test_a_worker_killed_mid_job_is_replaced(ray_cluster, tiny, tmp_path):
    from ray_helpers import KillsItsWorkerOnce

    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    encode_into(local_dir, tiny(), LocalEngine())
    marker = tmp_path / "killed"
    doomed = collection()[3 * CHUNK + 2][1]  # a text of chunk 3
    encode_into(ray_dir, KillsItsWorkerOnce(tiny(), doomed, marker), RayEngine(workers=2))
    assert marker.exists()  # a worker did die
    assert int(marker.read_text()) != os.getpid()  # ... a worker, not this process
    assert_same_chunks(local_dir, ray_dir)


JOB = """
from pathlib import Path
from ray_helpers import Slow
from clirbench.systems.registry import load_model
from clirbench.systems.dense.ray_engine import RayEngine
from test_ray_engine import encode_into
encode_into(Path({folder!r}), Slow(load_model("hf:" + {model!r}), 0.5), RayEngine(workers=1))
"""


def test_a_killed_job_resumes_from_its_chunks(ray_cluster, tiny, tmp_path):
    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    encode_into(local_dir, tiny(), LocalEngine())
    model = tiny().settings.model
    # The whole job (its own Ray included) is killed once three chunks are on disk.
    job = subprocess.Popen([sys.executable, "-c", JOB.format(folder=str(ray_dir), model=model)],
                           env={**os.environ, "PYTHONPATH": worker_path()},
                           start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while len(list(ray_dir.glob("chunk-*.npy"))) < 3:
        assert job.poll() is None, job.stderr.read().decode()[-2000:]
        assert time.time() < deadline, "the job wrote no chunks in 2 minutes"
        time.sleep(0.1)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    written = {p.name: p.stat().st_mtime_ns for p in ray_dir.glob("chunk-*.npy")}
    assert 3 <= len(written) < 8

    resumed = encode_into(ray_dir, tiny(), RayEngine(workers=2))
    assert resumed.documents_encoded == 60 - CHUNK * len(written) + (CHUNK - 4 if "chunk-00007.npy" in written else 0)
    assert {p.name: p.stat().st_mtime_ns for p in ray_dir.glob("chunk-*.npy") if p.name in written} == written
    assert_same_chunks(local_dir, ray_dir)


def test_a_plugin_error_in_a_worker_reaches_the_user(ray_cluster, tiny, tmp_path):
    from ray_helpers import Refuses

    from clirbench.core.errors import ClirbenchError

    with pytest.raises(ClirbenchError, match="cannot encode en documents") as error:
        encode_into(tmp_path / "ray", Refuses(tiny()), RayEngine(workers=1))
    assert error.value.hint == "give it English"
    assert not list((tmp_path / "ray").glob("chunk-*"))


def test_engine_options_are_checked():
    from clirbench.core.errors import ClirbenchError

    with pytest.raises(ClirbenchError, match="--engine ray"):
        make_engine("local", workers=2)
    with pytest.raises(ClirbenchError, match="at least one"):
        make_engine("ray", workers=0)
    with pytest.raises(ClirbenchError, match="unknown engine"):
        make_engine("spark")
