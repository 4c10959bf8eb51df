"""Finding systems: `clirbench models` lists without constructing, and errors say whose they are."""

import subprocess
import sys

LISTING = """
import sys
from clirbench.cli import main
main(["models"])
print("loaded:", sorted(m for m in ("jnius", "torch", "transformers", "pyserini.pyclass") if m in sys.modules))
"""


def _submission(root, name, code, settings="{}"):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text(f"name: {name}\ndescription: test {name}\nsettings: {settings}\n")
    (folder / "plugin.py").write_text(code)


RAISES_INSIDE = """
from clirbench.core.contract import ModelMeta
from clirbench.systems.bm25s_retriever import Bm25sRetriever


class Plugin(Bm25sRetriever):
    def __init__(self, k1=0.9):
        super().__init__(k1)
        open("/constructed-marker", "w")  # never reached in a listing
        raise TypeError("a bug inside the plugin")
"""


def test_models_lists_without_constructing(tmp_path, env):
    subs = tmp_path / "subs"
    _submission(subs, "explodes", RAISES_INSIDE)
    proc = subprocess.run([sys.executable, "-c", LISTING], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**env, "CLIRBENCH_SUBMISSIONS_DIR": str(subs)})
    assert proc.returncode == 0, proc.stderr
    assert "loaded: []" in proc.stdout  # no JVM, no torch, no model
    row = next(line for line in proc.stdout.splitlines() if "explodes" in line)
    assert "retriever" in row and "test explodes" in row  # kind read from the code, not by running it
    assert "bm25 " in proc.stdout and "me5-small" in proc.stdout


def test_a_bug_in_a_constructor_is_not_called_bad_settings(cli, tmp_path):
    subs = tmp_path / "subs"
    _submission(subs, "explodes", RAISES_INSIDE)
    _submission(subs, "badsetting", RAISES_INSIDE.replace("explodes", "badsetting"), settings="{k3: 1.0}")
    extra = {"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}
    proc = cli("run", "--model", "explodes", "--task", "toy", extra_env=extra, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "raised TypeError: a bug inside the plugin" in proc.stderr and "plugin.py:" in proc.stderr
    assert "the error is in the plugin's code" in proc.stderr and "field `settings`" not in proc.stderr
    proc = cli("run", "--model", "badsetting", "--task", "toy", extra_env=extra, check=False)
    assert proc.returncode == 2 and "field `settings`" in proc.stderr and "k3" in proc.stderr


def test_a_yaml_error_is_reported_as_one(cli, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("system: bm25s\nsettings: {k1: 0.9\n")
    proc = cli("run", "--model", str(bad), "--task", "toy", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}: not valid YAML" in proc.stderr and "encoder settings" not in proc.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("system: bm25s\nsettings: {k3: 1}\n")
    proc = cli("run", "--model", str(wrong), "--task", "toy", check=False)
    assert proc.returncode == 2 and f"{wrong}: field `settings`" in proc.stderr and "k3" in proc.stderr
