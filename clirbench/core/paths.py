"""Where clirbench keeps things outside the repository."""

import os
import tempfile
from pathlib import Path


def default_cache_dir() -> Path:
    """Indexes, vectors and installed models: $CLIRBENCH_CACHE, else ~/.cache/clirbench."""
    return Path(os.environ.get("CLIRBENCH_CACHE", Path.home() / ".cache" / "clirbench"))


def models_dir() -> Path:
    """The weights that `clirbench systems install` installs: $CLIRBENCH_MODELS, else <cache>/models."""
    return Path(os.environ.get("CLIRBENCH_MODELS", default_cache_dir() / "models"))


def results_dirs_from_env() -> list[Path]:
    """The folders $CLIRBENCH_RESULTS names (separated by os.pathsep, `~` expanded); [] if unset."""
    return [Path(p).expanduser() for p in os.environ.get("CLIRBENCH_RESULTS", "").split(os.pathsep) if p]


def default_results_dir() -> Path:
    """Where `clirbench run` writes and `show`, `leaderboard` and the app read unless told: the
    first folder of $CLIRBENCH_RESULTS, else ./results (in the working folder)."""
    named = results_dirs_from_env()
    return named[0] if named else Path("results")


def submissions_dir() -> Path:
    """The repository's submitted systems: its submissions/ (for a checkout), else ./submissions
    (for an installed clirbench). The leaderboard's default results/ sits beside it."""
    checkout = Path(__file__).resolve().parents[2] / "submissions"
    return checkout if checkout.is_dir() else Path.cwd() / "submissions"


def submissions_dirs() -> list[Path]:
    """Every folder of submissions: the repository's, then the folders that
    $CLIRBENCH_SUBMISSIONS_DIR adds (separated by os.pathsep, `~` expanded)."""
    extra = os.environ.get("CLIRBENCH_SUBMISSIONS_DIR", "")
    return [submissions_dir(), *(Path(p).expanduser() for p in extra.split(os.pathsep) if p)]


def usable_folder(path: Path, what: str) -> Path:
    """`path`, if clirbench can make it a folder and write there: it is a folder, or the nearest
    of its parents that exists is one, and writable. Checked before any work, so that a bad
    `--out` or `--cache-dir` (a file, /dev/null) is not found after hours of indexing."""
    from clirbench.core.errors import ClirbenchError

    path = Path(path)
    existing = path
    while not existing.exists() and not existing.is_symlink() and existing.parent != existing:
        existing = existing.parent
    hint = f"give {what} a folder (it is created if missing)"
    if not existing.is_dir():
        where = "is" if existing == path else f"is inside {existing}, which is"
        raise ClirbenchError(f"{what} {path} {where} not a folder", hint)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ClirbenchError(f"{what} {path}: cannot write in {existing} (permission denied)", hint)
    # Permissions are not the whole answer: root may "write" in /proc or on a read-only mount,
    # and only making a folder there says no. A probe folder is made and removed at once.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".clirbench-probe-", dir=existing))
    except OSError as e:
        raise ClirbenchError(f"{what} {path}: cannot make a folder in {existing} ({e.strerror or e})", hint) from None
    return path
