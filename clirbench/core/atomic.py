"""Atomic file writes: a reader (or a crash) never sees a half-written file."""

import json
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it back at once
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; a results file or run is shared (0644 under umask 022), as open() makes it.
_FILE_MODE = 0o666 & ~_umask()


def _write_atomic(path: Path, mode: str, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    _write_atomic(path, "w", lambda f: f.write(text))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    _write_atomic(path, "wb", lambda f: f.write(data))


def write_npy_atomic(path: Path, array) -> None:
    import numpy as np

    _write_atomic(path, "wb", lambda f: np.save(f, array, allow_pickle=False))


def write_json_atomic(path: Path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
