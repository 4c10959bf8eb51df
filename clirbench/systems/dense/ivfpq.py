"""Approximate search for large collections, in bounded memory: faiss IVF-PQ, re-scored exactly.

- **Index.** An inverted file of `nlist` lists (about 4·√N), each document stored as a
  product-quantised code of `dim/4` bytes: 96 bytes for a 384-dimensional vector instead of
  1,536. A million documents take about 100 MB of codes and ids.
- **Training.** The coarse centroids and the codebooks are trained on an evenly spaced sample
  of the vectors (at most 256k), read from the chunk files. The codes are then added one
  chunk at a time, so the full matrix is never in memory.
- **Search.** The `nprobe` nearest lists are scanned for `RESCORE`× the wanted hits. Those
  candidates are re-scored with their exact vectors, read from the memory-mapped chunks on
  disk, so scores are true inner products and the order within them is exact. The
  recall/speed trade-off is measured in `benchmarks/scale.py` (README, "Scale").
"""

import math
from pathlib import Path

import numpy as np

from clirbench.systems.dense.vector_store import vector_chunks

IVFPQ_VERSION = "v2"  # names the saved index: change it when the parameters below change
MAX_TRAINING_SAMPLE = 256_000
# Chosen on the 1M benchmark (README, Scale): 4 dimensions per code byte and 128 lists probed
# keep recall@100 near .95; 8 dimensions per byte or 32 lists lost a quarter of it.
RESCORE = 4  # candidates re-scored exactly per hit asked for
DEFAULT_NPROBE = 128
_RESCORE_QUERIES = 64  # queries re-scored at once: 64 x 400 candidate vectors, about 40 MB


def ivfpq_shape(num_vectors: int, dim: int) -> tuple[int, int, int]:
    """(lists, sub-quantisers, bits per code) for `num_vectors` vectors of size `dim`."""
    # faiss trains k-means with at least 39 points per centroid.
    nlist = max(1, min(int(4 * math.sqrt(num_vectors)), num_vectors // 39))
    m = next(m for m in range(max(1, dim // 4), 0, -1) if dim % m == 0)  # about 4 dimensions each
    nbits = 8 if num_vectors >= 256 * 39 else max(1, int(math.log2(max(2, num_vectors // 39))))
    return nlist, m, nbits


def training_sample(chunks: list[np.ndarray], size: int) -> np.ndarray:
    """`size` rows spread evenly over the chunks, read chunk by chunk."""
    num_vectors = sum(len(vectors) for vectors in chunks)
    rows = np.unique(np.linspace(0, num_vectors - 1, num=min(size, num_vectors)).astype(np.int64))
    parts, start = [], 0
    for vectors in chunks:
        mine = rows[(rows >= start) & (rows < start + len(vectors))] - start
        parts.append(np.asarray(vectors[mine], dtype=np.float32))
        start += len(vectors)
    return np.ascontiguousarray(np.concatenate(parts))


def build_ivfpq(chunks: list[np.ndarray], dim: int):
    """The index of the (memory-mapped) vector chunks of a store."""
    import faiss

    nlist, m, nbits = ivfpq_shape(sum(len(vectors) for vectors in chunks), dim)
    index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, m, nbits, faiss.METRIC_INNER_PRODUCT)
    index.train(training_sample(chunks, min(MAX_TRAINING_SAMPLE, max(64 * nlist, 256 * 64))))
    for vectors in chunks:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class RescoredIVFPQ:
    """An IVF-PQ index whose candidates are re-scored with the exact vectors on disk. It
    searches like a faiss index: `search(queries, k)` -> (scores, rows), rows -1 when fewer."""

    def __init__(self, index, chunks: list[np.ndarray], nprobe: int = DEFAULT_NPROBE):
        self.index, self.nprobe = index, nprobe
        self.ntotal = index.ntotal
        self._chunks = chunks  # memory-mapped
        self._starts = np.cumsum([0] + [len(vectors) for vectors in chunks])

    def _vectors(self, rows: np.ndarray) -> np.ndarray:
        chunk = np.searchsorted(self._starts, rows, side="right") - 1
        offset = rows - self._starts[chunk]
        out = np.empty((len(rows), self._chunks[0].shape[1]), dtype=np.float32)
        for c in np.unique(chunk):
            where = chunk == c
            out[where] = self._chunks[c][offset[where]]
        return out

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.nprobe = self.nprobe
        _, candidates = self.index.search(queries, min(self.ntotal, k * RESCORE))
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        for start in range(0, len(queries), _RESCORE_QUERIES):
            found = candidates[start:start + _RESCORE_QUERIES]
            vectors = self._vectors(np.maximum(found, 0).ravel()).reshape(*found.shape, -1)
            exact = np.einsum("qcd,qd->qc", vectors, queries[start:start + _RESCORE_QUERIES])
            exact[found < 0] = -np.inf  # fewer candidates than asked for
            best = np.argsort(-exact, axis=1, kind="stable")[:, :k]
            scores[start:start + len(found), : best.shape[1]] = np.take_along_axis(exact, best, axis=1)
            rows[start:start + len(found), : best.shape[1]] = np.take_along_axis(found, best, axis=1)
        rows[~np.isfinite(scores)] = -1
        return scores, rows
