"""What the experiment tests share."""

import shutil
import subprocess
from pathlib import Path


def regenerate_alone(folder: Path, command: list[str], cwd: Path, env: dict) -> None:
    """Delete every trained folder beside `folder/report`, rerun `command` with --report-only,
    and check that report.md and summary.json come back byte for byte (from the bundle alone)."""
    before = {name: (folder / "report" / name).read_bytes() for name in ("report.md", "summary.json")}
    for trained in folder.iterdir():
        if trained.name != "report":
            shutil.rmtree(trained)
    again = subprocess.run([*command, "--report-only"], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    for name, data in before.items():
        assert (folder / "report" / name).read_bytes() == data, name
