"""The installed-weights store: one folder per model under the models directory, with a
manifest saying where its files came from. Installs write into `<name>.partial` and publish it
whole, so a failed install never leaves a half-written model behind."""

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.core.paths import models_dir

MANIFEST = "clirbench-model.json"


def install_dir(name: str) -> Path:
    return models_dir() / name


def installed(name: str) -> dict | None:
    """The model's install manifest, or None when it is not installed."""
    manifest = install_dir(name) / MANIFEST
    return json.loads(manifest.read_text()) if manifest.exists() else None


def not_installed(name: str) -> str | None:
    """Why the system cannot run yet (a SystemSpec's `unavailable`), or None."""
    return None if installed(name) else f"not installed: run `clirbench systems install {name}`"


def require(name: str, how_long: str) -> dict:
    """The install manifest of a model a system needs; a one-line error with the fix if absent."""
    if (manifest := installed(name)) is None:
        raise ClirbenchError(f"{name} is not installed (looked in {install_dir(name)})",
                             f"run `clirbench systems install {name}` ({how_long})")
    return manifest


def fresh_partial(name: str) -> Path:
    """An empty folder to build `name` in, beside where it will live."""
    dest = install_dir(name)
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    return partial


def publish(partial: Path, name: str, manifest: dict, log=print) -> dict:
    """Write the manifest (with the install time) into `partial` and put it in place of any
    earlier install; returns the manifest."""
    dest = install_dir(name)
    manifest = {**manifest, "installed": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(partial, dest)
    log(f"installed {name} in {dest}")
    return manifest
