"""The import contract of pyproject.toml holds, and it would catch an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def test_layers_are_kept():
    proc = _lint(REPO)
    assert proc.returncode == 0 and "2 kept, 0 broken" in proc.stdout, proc.stdout + proc.stderr


def test_an_upward_import_breaks_the_contract(tmp_path):
    shutil.copytree(REPO / "clirbench", tmp_path / "clirbench", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    contract = tmp_path / "clirbench" / "core" / "contract.py"
    contract.write_text(contract.read_text() + "\nfrom clirbench.eval.runner import run_task  # upward\n")
    proc = _lint(tmp_path)
    assert proc.returncode == 1 and "BROKEN" in proc.stdout
    assert "clirbench.core.contract -> clirbench.eval.runner" in proc.stdout
