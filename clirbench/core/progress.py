"""What long work reports while it runs; the CLI draws it, the library stays quiet."""

from typing import Any


class Progress:
    """Every method does nothing: override those you draw. `pair` is a task's PairSpec and
    `result` its PairResult (typed loosely here: the contract sits below tasks and results)."""

    def pair_started(self, pair: Any) -> None: ...
    def indexing(self, docs_id: str, count: int, total: int | None) -> None: ...
    def pair_finished(self, pair: Any, result: Any) -> None: ...
    def pair_skipped(self, pair: Any) -> None: ...
    def note(self, message: str) -> None:
        """Something the user should know that does not stop the work (a size that could not
        be read, a library version that could not be found)."""

    def encoded(self, role: str, lang: str, count: int, seconds: float) -> None:
        """`count` texts of `lang` just went through a model (role: "encoding documents",
        "translating queries", ...) in `seconds`."""
