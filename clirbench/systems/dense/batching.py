"""Calling an encoder on many texts: sorted by length into batches (little padding), every
batch's output checked, rows put back in the order of the texts."""

import time
import traceback
from collections.abc import Callable

import numpy as np

from clirbench.systems.dense.checks import check_vectors
from clirbench.core.errors import ClirbenchError


def _plugin_error(plugin: str, method: str, error: Exception) -> ClirbenchError:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return ClirbenchError(
        f"{plugin}.{method} raised {type(error).__name__}: {error} (at {frame.filename}:{frame.lineno})",
        "fix the plugin; vectors already cached are kept, so a rerun resumes",
    )


def encode_sorted(
    encode: Callable[[list[str], str], np.ndarray],
    texts: list[str],
    lang: str,
    batch_size: int,
    plugin: str,
    on_batch: Callable[[int, float], None] | None = None,
) -> np.ndarray:
    """Vectors of `texts` (float32, one row each). `on_batch(n, seconds)` follows every batch."""
    method = encode.__name__
    # Longest first: the memory peak comes at once, not after an hour.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out: np.ndarray | None = None
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        began = time.perf_counter()
        try:
            vectors = encode([texts[i] for i in rows], lang)
        except ClirbenchError:
            raise
        except Exception as e:
            raise _plugin_error(plugin, method, e) from e
        vectors = check_vectors(vectors, len(rows), plugin, method)
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        elif vectors.shape[1] != out.shape[1]:
            raise ClirbenchError(f"{plugin}.{method} returned vectors of size {vectors.shape[1]} after "
                                 f"{out.shape[1]} earlier", "return vectors of one size for every text")
        out[rows] = vectors
        if on_batch:
            on_batch(len(rows), time.perf_counter() - began)
    return out if out is not None else np.empty((0, 0), dtype=np.float32)


class DocumentEncoding:
    """Texts of one language -> document vectors with one encoder, as `encode_sorted` batches
    them. It is what a parallel engine ships to its workers: picklable, and it loads nothing
    until called (an encoder loads its model on its first text)."""

    def __init__(self, encoder, lang: str):
        self.encoder, self.lang = encoder, lang

    def __call__(self, texts: list[str], on_batch: Callable[[int, float], None] | None = None) -> np.ndarray:
        return encode_sorted(self.encoder.encode_documents, texts, self.lang, max(1, int(self.encoder.batch_size)),
                             self.encoder.meta.name, on_batch)
