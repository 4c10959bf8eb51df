"""Data files checked against their expected MD5 on first use in each run.

ir_datasets checks a file's MD5 only while downloading it: a copy already in IR_DATASETS_HOME
(or a LAReQA file clirbench keeps there) is read as it is, so an edited or damaged file would
change every score without a word. So each run checks, on first use, every file whose MD5 is
known: LAReQA's (clirbench's own table, clirbench.data.lareqa) and ir_datasets' downloads kept
as they are (`expected_md5` in its downloads.json; a file extracted from an archive has no MD5
of its own and is not checked). A file that passed is remembered by (size, mtime) in
`<cache>/verified-data.json`, so later runs only stat it, and it is hashed again once changed.

Stand-in files: tiny files in the original formats, placed where ir_datasets looks (tests,
trying the mMARCO or WikiCLIR path offline), are not the official files and fail the check.
Why a switch rather than checking only files of the official size: an edit that changes a
file's size (the usual one) would then pass unseen. `CLIRBENCH_VERIFY_DATA=0` uses files in
place unchecked (tests of fixtures set it); downloads, and copies from CLIRBENCH_LOCAL_DATA,
are checked as they are made, whatever it says.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clirbench.core.digests import file_digest
from clirbench.core.errors import ClirbenchError
from clirbench.core.locking import update_json
from clirbench.core.paths import default_cache_dir

SWITCH = "CLIRBENCH_VERIFY_DATA"

# Files checked in this process: path -> (size, mtime_ns, md5).
_checked: dict[str, tuple[int, int, str]] = {}


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def _record_path() -> Path:
    return default_cache_dir() / "verified-data.json"


# The record as last parsed, with the (path, inode, size, mtime) it was parsed at: it holds every data
# file's entry (thousands with FLORES-200), so parsing it once per file checked cost a minute.
_record_memo: tuple[tuple, dict] = ((), {})


def _record() -> dict:
    global _record_memo
    path = _record_path()
    try:
        stat = path.stat()
        stamp = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)  # written by rename: a new inode
        if _record_memo[0] != stamp:
            record = json.loads(path.read_text(encoding="utf-8"))
            _record_memo = (stamp, record if isinstance(record, dict) else {})
    except (OSError, ValueError):
        return {}
    return _record_memo[1]


def _remembered(key: str, size: int, mtime: int, md5: str) -> bool:
    return _record().get(key) == {"size": size, "mtime_ns": mtime, "md5": md5}


# Entries of files that passed inside `record_at_end()`, written when it ends; None outside one.
_pending: dict[str, dict] | None = None


@contextmanager
def record_at_end() -> Iterator[None]:
    """Files that pass inside this block are written to the record once, at its end, instead of
    once each: each write reads and rewrites the whole record under its lock, and the first check
    of the evaluation texts (about 1,300 files) spent 4.5 of its 6.4 s of CPU doing so. Blocks
    nest (the outermost writes)."""
    global _pending
    if _pending is not None:
        yield
        return
    _pending = {}
    try:
        yield
    finally:
        entries, _pending = _pending, None
        if entries:
            _write(entries)


def _remember(key: str, size: int, mtime: int, md5: str) -> None:
    entry = {"size": size, "mtime_ns": mtime, "md5": md5}
    if _pending is not None:
        _pending[key] = entry
    else:
        _write({key: entry})


def _write(entries: dict[str, dict]) -> None:
    def merge(current):
        current = current if isinstance(current, dict) else {}
        return {**current, **entries}

    try:
        update_json(_record_path(), merge)
    except OSError:  # a read-only cache: the check is only repeated next run
        pass


def mismatch_error(path: Path, expected: str, actual: str, fix: str) -> ClirbenchError:
    return ClirbenchError(f"{path}: checksum mismatch: expected MD5 {expected}, the file has {actual} "
                          "(it is not the official file: edited, damaged or a stand-in)",
                          f"{fix}; files that stand in for the official ones on purpose (test fixtures) "
                          f"are read unchecked with {SWITCH}=0")


def verify_file(path: Path, expected: str, fix: str, force: bool = False) -> None:
    """Raise a ClirbenchError when `path` does not have the MD5 `expected`. `fix` says how to
    get the right file. Cheap once done: a file is hashed again only when its size or mtime
    changed. `force` checks even when the switch is off (a copy about to be made)."""
    if not (enabled() or force):
        return
    path = Path(path)
    stat = path.stat()
    key = str(path.resolve())
    seen = (stat.st_size, stat.st_mtime_ns, expected)
    if _checked.get(key) == seen or _remembered(key, *seen):
        _checked[key] = seen
        return
    actual = file_digest(path, "md5")
    if actual != expected:
        raise mismatch_error(path, expected, actual, fix)
    _checked[key] = seen
    _remember(key, *seen)


def mark_verified(path: Path, md5: str) -> None:
    """Remember `path` as checked: ir_datasets has just hashed it while copying it there."""
    stat = Path(path).stat()
    key, seen = str(Path(path).resolve()), (stat.st_size, stat.st_mtime_ns, md5)
    _checked[key] = seen
    _remember(key, *seen)
