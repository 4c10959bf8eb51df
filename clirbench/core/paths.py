"""Where clirbench keeps things outside the repository."""

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """Indexes, vectors and installed models: $CLIRBENCH_CACHE, else ~/.cache/clirbench."""
    return Path(os.environ.get("CLIRBENCH_CACHE", Path.home() / ".cache" / "clirbench"))


def models_dir() -> Path:
    """Models that `clirbench models install` builds: $CLIRBENCH_MODELS, else <cache>/models."""
    return Path(os.environ.get("CLIRBENCH_MODELS", default_cache_dir() / "models"))


def submissions_dir() -> Path:
    """Submitted systems: $CLIRBENCH_SUBMISSIONS_DIR, else the repository's submissions/ (for a
    checkout), else ./submissions (for an installed clirbench)."""
    if "CLIRBENCH_SUBMISSIONS_DIR" in os.environ:
        return Path(os.environ["CLIRBENCH_SUBMISSIONS_DIR"])
    checkout = Path(__file__).resolve().parents[2] / "submissions"
    return checkout if checkout.is_dir() else Path.cwd() / "submissions"
