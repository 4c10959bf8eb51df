"""Processes that share files: two runs into one results file, two experiments into one
conditions file, the debris interrupted runs leave; and data files checked by MD5 on use."""

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import ir_datasets
import pytest
from ir_datasets.formats import TsvDocs
from ir_datasets.util import Download, LocalDownload

from clirbench.core.contract import ModelMeta
from clirbench.core.errors import ClirbenchError
from clirbench.core.locking import locked, save_record_run
from clirbench.data import lareqa
from clirbench.eval.pair_data import load_dataset
from clirbench.eval.results import PairResult, ResultsFile, load_results, save_results
from clirbench.tasks import load_task

REPO = Path(__file__).resolve().parent.parent
HALVES = [",".join(f"{q}-{d}" for q in qs for d in ("de", "en", "sw", "yo")) for qs in (("de", "en"), ("sw", "yo"))]


# ---- results files -----------------------------------------------------------------------

def test_two_runs_on_disjoint_pairs_keep_both(env, tmp_path):
    procs = [subprocess.Popen([sys.executable, "-m", "clirbench.cli", "run", "--system", "bm25s", "--task", "toy",
                               "--pairs", half, "--out", "results"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for half in HALVES]
    for proc in procs:
        assert proc.wait(timeout=600) == 0, proc.stderr.read()
    results = load_results(tmp_path / "results" / "toy" / "bm25s" / "results.json")
    assert len(results.pairs) == 16  # before the lock and merge, one process's 8 were lost
    for key, pair in results.pairs.items():
        assert (tmp_path / "results" / "toy" / "bm25s" / pair.run_file).exists(), key


def _results(fingerprint: str = "f1") -> ResultsFile:
    return ResultsFile(task="toy", metrics=["RR@10"], model=ModelMeta(name="m", kind="retriever"),
                       model_fingerprint=fingerprint, versions={}, created="2025-01-01T00:00:00+00:00",
                       updated="2025-01-01T00:00:00+00:00")


def _pair(key: str, value: float) -> PairResult:
    q, d = key.split("-")
    return PairResult(query_lang=q, doc_lang=d, resource_level="high", num_queries=1, num_docs=1, data={},
                      run_file=f"runs/{key}.trec", seconds={}, metrics={"RR@10": value}, per_query={})


def test_a_save_merges_with_what_another_process_wrote(tmp_path):
    path = tmp_path / "results.json"
    a, b = _results(), _results()  # two processes that read the file before either wrote
    a.pairs["en-de"] = _pair("en-de", 0.1)
    save_results(path, a, ["en-de"])
    b.pairs["en-sw"] = _pair("en-sw", 0.2)
    save_results(path, b, ["en-sw"])
    assert set(load_results(path).pairs) == {"en-de", "en-sw"} and set(b.pairs) == {"en-de", "en-sw"}
    # Both finish en-yo: the later one stands; a pair a process did not just finish is never
    # taken from its older copy.
    a.pairs["en-yo"] = _pair("en-yo", 0.3)
    save_results(path, a, ["en-yo"])
    b.pairs["en-yo"] = _pair("en-yo", 0.4)
    b.pairs["en-de"] = _pair("en-de", 0.9)  # stale in b's memory: not finished by b now
    save_results(path, b, ["en-yo"])
    pairs = load_results(path).pairs
    assert pairs["en-yo"].metrics["RR@10"] == 0.4 and pairs["en-de"].metrics["RR@10"] == 0.1
    # A file of another fingerprint is replaced, as before.
    other = _results("f2")
    other.pairs["de-de"] = _pair("de-de", 1.0)
    save_results(path, other, ["de-de"])
    assert set(load_results(path).pairs) == {"de-de"}


# ---- experiment records ------------------------------------------------------------------

_WRITER = """
import sys
from clirbench.core.locking import save_record_run
path, name = sys.argv[1], sys.argv[2]
record = {"experiment": {"by": name}, "runs": {}}
for i in range(25):
    key = f"{name}/seed{i}"
    record["runs"][key] = {"condition": name, "seed": i}
    record = save_record_run(path, record, key)
"""


def test_two_experiment_writers_keep_each_others_runs(tmp_path):
    path = tmp_path / "conditions.json"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name], stderr=subprocess.PIPE, text=True)
             for name in ("alpha", "beta")]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    record = json.loads(path.read_text())
    assert len(record["runs"]) == 50 and {r["condition"] for r in record["runs"].values()} == {"alpha", "beta"}


def test_a_record_run_is_the_newest_and_the_others_stay(tmp_path):
    path = tmp_path / "conditions.json"
    mine = {"task": "toy", "runs": {"base": {"seconds": 1.0}}}
    save_record_run(path, mine, "base")
    theirs = {"task": "toy", "runs": {"base": {"seconds": 5.0}, "a/seed1": {"seconds": 2.0}}}
    save_record_run(path, theirs, "a/seed1")
    mine["runs"]["b/seed1"] = {"seconds": 3.0}
    written = save_record_run(path, mine, "b/seed1")
    assert json.loads(path.read_text()) == written
    assert written["runs"] == {"base": {"seconds": 1.0}, "a/seed1": {"seconds": 2.0}, "b/seed1": {"seconds": 3.0}}


# ---- debris ------------------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_debris_is_removed_and_a_live_runs_kept(cli, env, tmp_path):
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de")
    out = tmp_path / "results" / "toy" / "bm25s"
    (indexes,) = (Path(env["CLIRBENCH_CACHE"]) / "indexes" / "bm25s").iterdir()
    old = time.time() - 3600
    stale = [out / ".results.json.x1y2.tmp", out / "runs" / ".en-sw.trec.a1b2.tmp"]
    fresh = out / ".results.json.live.tmp"  # a writer's that started after this run (older clirbench)
    for f in [*stale, fresh]:
        f.write_text("{")
    for f in stale:
        os.utime(f, (old, old))
    os.utime(fresh, (time.time() + 3600,) * 2)
    dead = indexes / f"clirbench_toy_sw.building-{_dead_pid()}"
    live = indexes / f"clirbench_toy_yo.building-{os.getpid()}"  # this test process: alive
    partial = indexes / "clirbench_toy_en.partial"  # a resumable build: kept to resume
    for folder in (dead, live, partial):
        folder.mkdir()
        (folder / "part").write_text("x")
    # Another process building the same index holds its lock: its dead neighbour waits.
    held = indexes / f"clirbench_toy_de.building-{_dead_pid()}"
    held.mkdir()
    with open(indexes / "clirbench_toy_de.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de")
    assert not any(f.exists() for f in stale) and not dead.exists()
    assert fresh.exists() and live.exists() and partial.exists() and held.exists()
    # The next run, with the lock free, removes that one too; the pair ran once (skipped now).
    assert "already in" in cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de").stderr
    assert not held.exists() and live.exists()


def test_a_results_lock_blocks_a_second_holder(tmp_path):
    path = tmp_path / "results.json"
    with locked(path) as first:
        with locked(path, blocking=False) as second:  # another open file description: refused
            assert first and not second
    with locked(path, blocking=False) as again:
        assert again


# ---- MD5 on first use --------------------------------------------------------------------

def _register_download(tmp_path, name: str, content: str) -> tuple[str, Path]:
    """A dataset whose docs file is a download of known MD5, already in place (as ir_datasets
    leaves a download); returns its ID and the file."""
    source = tmp_path / "source" / "docs.tsv"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(content)
    placed = tmp_path / "home" / name / "docs.tsv"
    placed.parent.mkdir(parents=True, exist_ok=True)
    placed.write_text(content)
    md5 = hashlib.md5(content.encode()).hexdigest()
    download = Download([LocalDownload(source, mkdir=False)], cache_path=str(placed), expected_md5=md5)
    dataset_id = f"clirbench-test-{name}"
    ir_datasets.registry.register(dataset_id, ir_datasets.Dataset(TsvDocs(download)))
    return dataset_id, placed


def test_an_edited_download_is_refused_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CLIRBENCH_VERIFY_DATA", raising=False)
    pair = load_task("toy").pairs()[0]
    dataset_id, placed = _register_download(tmp_path, f"ok-{tmp_path.name}", "1\tNairobi ni mji\n2\tKenya\n")
    assert [d.doc_id for d in load_dataset(dataset_id, pair).docs_iter()] == ["1", "2"]
    # Verified once, remembered by size and mtime (a later run only stats it).
    remembered = json.loads((tmp_path / "cache" / "verified-data.json").read_text())
    assert remembered[str(placed.resolve())]["size"] == placed.stat().st_size

    dataset_id, placed = _register_download(tmp_path, f"edited-{tmp_path.name}", "1\tNairobi ni mji\n2\tKenya\n")
    expected = hashlib.md5(placed.read_bytes()).hexdigest()
    placed.write_text("1\tNairobi ni mji\n2\tLagos\n")  # edited in place
    with pytest.raises(ClirbenchError) as e:
        load_dataset(dataset_id, pair)
    message = e.value.message
    assert str(placed) in message and "checksum mismatch" in message and expected in message
    assert hashlib.md5(placed.read_bytes()).hexdigest() in message
    assert "delete it" in e.value.hint and "CLIRBENCH_VERIFY_DATA=0" in e.value.hint
    # The switch reads stand-in files unchecked.
    monkeypatch.setenv("CLIRBENCH_VERIFY_DATA", "0")
    load_dataset(f"clirbench-test-edited-{tmp_path.name}", pair)


def test_official_mmarco_files_are_checked_in_a_run(cli, tmp_path):
    home = tmp_path / "ir_datasets"
    files = {"mmarco/v2/hindi_collection.tsv": "0\tभारत\n1\tपेरिस\n",
             "mmarco/v2/hindi.queries.dev.tsv": "10\tभारत\n",
             "mmarco/qrels.dev.small.tsv": "10\t0\t0\t1\n"}
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    proc = cli("run", "--system", "bm25s", "--task", "mmarco-clir", "--pairs", "en-hi", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "checksum mismatch" in proc.stderr and "expected MD5" in proc.stderr
    assert any(str(home / name) in proc.stderr for name in files)


def _tiny_lareqa(tmp_path, monkeypatch, name: str) -> lareqa.LareqaCollection:
    local = tmp_path / "local" / "lareqa" / name
    local.mkdir(parents=True)
    data = json.dumps({"version": "1", "data": []}).encode()
    (local / "en.json").write_bytes(data)
    monkeypatch.setenv("CLIRBENCH_LOCAL_DATA", str(tmp_path / "local"))
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "irds"))
    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # no download: the port is closed
    monkeypatch.delenv("CLIRBENCH_VERIFY_DATA", raising=False)
    return lareqa.LareqaCollection(name, "0" * 40, {"en": hashlib.md5(data).hexdigest()})


def test_an_edited_lareqa_copy_is_refused(tmp_path, monkeypatch):
    collection = _tiny_lareqa(tmp_path, monkeypatch, f"edited-r-{tmp_path.name}")
    cached = lareqa.source_file(collection, "en")  # copied from the local copy, checked
    assert cached == collection.cache_path("en") and cached.exists()
    assert lareqa.source_file(collection, "en") == cached
    cached.write_text(json.dumps({"version": "1", "data": [{"title": "edited", "paragraphs": []}]}))
    with pytest.raises(ClirbenchError) as e:
        lareqa.source_file(collection, "en")
    assert str(cached) in e.value.message and "checksum mismatch" in e.value.message
    assert collection.md5["en"] in e.value.message and "delete it" in e.value.hint


def test_a_damaged_local_copy_is_a_checksum_mismatch_not_a_network_error(tmp_path, monkeypatch):
    collection = _tiny_lareqa(tmp_path, monkeypatch, f"damaged-r-{tmp_path.name}")
    local = collection.local_path("en")
    local.write_text("{}")
    with pytest.raises(ClirbenchError) as e:
        lareqa.source_file(collection, "en")
    assert str(local) in e.value.message and "checksum mismatch" in e.value.message
    assert "ConnectionError" not in str(e.value) and "ProxyError" not in str(e.value)
    assert collection.url("en") in e.value.hint and "CLIRBENCH_LOCAL_DATA" in e.value.hint


def test_the_verified_record_is_parsed_once_and_read_again_after_another_writer(tmp_path, monkeypatch):
    """Thousands of files are checked per run (FLORES-200): the record is parsed once, not once
    per file, yet an entry another process drops is seen at once."""
    from clirbench.core.locking import update_json
    from clirbench.data import verify

    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CLIRBENCH_VERIFY_DATA", raising=False)
    files = []
    for name in ("a.txt", "b.txt", "c.txt"):
        path = tmp_path / name
        path.write_text(name * 10)
        files.append((path, hashlib.md5(path.read_bytes()).hexdigest()))
        verify.verify_file(path, files[-1][1], "fetch it again")
    verify._checked.clear()  # a new run: only the record remembers them
    parses = []
    real_loads = json.loads
    monkeypatch.setattr(verify.json, "loads", lambda text: parses.append(1) or real_loads(text))
    monkeypatch.setattr(verify, "file_digest", lambda *a: pytest.fail("a remembered file was hashed again"))
    for path, md5 in files:
        verify.verify_file(path, md5, "fetch it again")
    assert len(parses) <= 1

    a = str(files[0][0].resolve())
    update_json(tmp_path / "cache" / "verified-data.json", lambda record: {k: v for k, v in record.items() if k != a})
    assert not verify._remembered(a, files[0][0].stat().st_size, files[0][0].stat().st_mtime_ns, files[0][1])
