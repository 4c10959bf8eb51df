"""Who encodes a collection's chunks: this process (`local`, the default) or the workers of a
Ray cluster (`ray`, `clirbench.systems.dense.ray_engine`). Both write the same chunk files
through a `ChunkPlan`, so either can resume what the other left, and the vectors are the same."""

from collections.abc import Callable

from clirbench.core.errors import ClirbenchError
from clirbench.systems.dense.batching import DocumentEncoding
from clirbench.systems.dense.vector_store import ChunkPlan

ENGINES = ("local", "ray")
OnBatch = Callable[[int, float], None]  # (texts just encoded, seconds they took)


class LocalEngine:
    name = "local"

    def encode(self, plan: ChunkPlan, encoding: DocumentEncoding, on_batch: OnBatch | None = None) -> None:
        for chunk in plan:
            plan.save(chunk.index, chunk.ids, encoding(chunk.texts, on_batch))


def make_engine(name: str = "local", address: str | None = None, workers: int | None = None):
    """The engine named on the command line (`--engine`, `--address`, `--workers`)."""
    if name == "local":
        if address is not None or workers is not None:
            raise ClirbenchError("--address and --workers are for the Ray engine", "add --engine ray, or drop them")
        return LocalEngine()
    if name == "ray":
        from clirbench.systems.dense.ray_engine import RayEngine

        return RayEngine(address=address, workers=workers)
    raise ClirbenchError(f"unknown engine {name!r}", f"use one of: {', '.join(ENGINES)}")
