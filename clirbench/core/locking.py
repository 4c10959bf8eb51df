"""Files that several processes update: an exclusive lock around a read-merge-write.

Two `clirbench run`s on one results file, or two `clirbench experiment`s on one conditions
file, each re-read the file under the lock, merge what they add into what is there, and
write atomically, so neither loses what the other wrote. The lock is `flock` on a sibling
file `.NAME.lock`, which stays: deleting a lock file would let two processes each lock a
file of their own. Also here: finding the debris an interrupted process leaves (temporary
files of atomic writes, folders named after a process that is gone)."""

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clirbench.core.atomic import write_json_atomic


def lock_path(path: Path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def holding(lock_file: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold the exclusive flock of `lock_file`. Yields True; with `blocking=False` yields False
    at once, holding nothing, when another process holds it."""
    with open(lock_file, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold the exclusive lock of `path` (not re-entrant: do not nest two on one path); see `holding`."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with holding(lock, blocking) as held:
        yield held


def update_json(path: Path, merge: Callable[[Any], Any]) -> Any:
    """Under the lock of `path`: read its JSON (None when there is no file), write
    `merge(current)` atomically, and return it. A file that is not JSON counts as none."""
    path = Path(path)
    with locked(path):
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            current = None
        merged = merge(current)
        write_json_atomic(path, merged)
        return merged


def save_record_run(path: Path, record: dict, key: str) -> dict:
    """Write an experiment record (a dict whose "runs" are keyed by condition/seed) after its
    run `key` finished: the runs on disk, which other processes may have added, are kept, and
    `key` is this process's (the newest). Returns the record as written."""

    def merge(current):
        on_disk = current.get("runs", {}) if isinstance(current, dict) else {}
        return {**record, "runs": {**record.get("runs", {}), **on_disk, key: record["runs"][key]}}

    return update_json(path, merge)


def pid_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def stale_temporaries(folder: Path, names: str, before: float) -> list[Path]:
    """Temporary files that interrupted atomic writes of the files `names` (a glob) in `folder`
    leave (`.NAME.*.tmp`, see clirbench.core.atomic), last modified before `before` (a
    time.time()). Call it holding the lock under which those files are written: then no
    write is in progress, and what is there is debris."""
    stale = []
    for tmp in Path(folder).glob(f".{names}.*.tmp"):
        try:
            if tmp.stat().st_mtime < before:
                stale.append(tmp)
        except FileNotFoundError:  # removed meanwhile
            continue
    return stale
