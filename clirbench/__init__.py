"""clirbench: an evaluation harness and leaderboard for cross-lingual retrieval.

    import clirbench
    clirbench.evaluate("bm25", "toy")   # scores and writes results/toy/bm25/, as `clirbench run`

The front door is `clirbench.api` (get_task, get_system, evaluate, fuse, leaderboard, train,
experiment); its names are imported here on first use, so that `import clirbench` stays cheap.
Two are not here: `clirbench.leaderboard` and `clirbench.train` are the subpackages of those
names (Python sets a package's attribute to its subpackage once that is imported, so a function
there would turn into a module halfway through a session): `from clirbench.api import leaderboard, train`.
"""

from clirbench.core.version import __version__

_API = ("get_task", "get_system", "evaluate", "prepare", "fuse", "experiment", "Results")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from clirbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'clirbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
