"""What the experiment tests share."""

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path


def regenerate_alone(folder: Path, rerun: Callable[..., subprocess.CompletedProcess]) -> None:
    """Delete every trained folder beside `folder/report`, rerun the experiment's command with
    --report-only (`rerun(*more_args)`, e.g. conftest's cli_here), and check that report.md and
    summary.json come back byte for byte (from the bundle alone)."""
    before = {name: (folder / "report" / name).read_bytes() for name in ("report.md", "summary.json")}
    for trained in folder.iterdir():
        if trained.name != "report":
            shutil.rmtree(trained)
    again = rerun("--report-only")
    assert again.returncode == 0, again.stderr
    for name, data in before.items():
        assert (folder / "report" / name).read_bytes() == data, name
