"""Vectors on disk, in chunks, so that encoding resumes where it stopped and never holds more
than one chunk of texts and vectors in memory.

A document store is a folder:
    store.json          chunk size, fixed when the folder is created
    ids-00000.json      the document ids of chunk 0
    chunk-00000.npy     their vectors (float32); written last, so its presence marks the chunk done
    ...
Query vectors are keyed by the text itself (`QueryVectorCache`), so the questions that several
pairs share are encoded once per language.
"""

import hashlib
import json
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from clirbench.core.atomic import write_json_atomic, write_npy_atomic

DEFAULT_CHUNK = 4096


def _chunk(folder: Path, i: int) -> Path:
    return folder / f"chunk-{i:05d}.npy"


def _ids(folder: Path, i: int) -> Path:
    return folder / f"ids-{i:05d}.json"


def _chunk_done(folder: Path, i: int) -> bool:
    return _chunk(folder, i).exists() and _ids(folder, i).exists()


def finished_chunks(folder: Path) -> int:
    """How many chunks from the first are written (a parallel engine may leave gaps after a
    crash: what follows the first gap is not counted, and is not read)."""
    i = 0
    while _chunk_done(folder, i):
        i += 1
    return i


@dataclass
class Chunk:
    """A unit of encoding work: chunk `index` of the store, its document ids and texts."""

    index: int
    ids: list[str]
    texts: list[str]


class ChunkPlan:
    """The chunks of a document stream that `folder` still lacks, read one at a time.

    The chunk is the unit of work and of resumption, whichever engine encodes: a chunk is
    written whole (ids, then vectors, each atomically) and a rerun skips every chunk already
    there. Iterating holds one chunk of texts at a time; `count` is the number of documents
    streamed so far, skipped ones included."""

    def __init__(self, docs: Iterable[tuple[str, str]], folder: Path, chunk_size: int = DEFAULT_CHUNK):
        folder.mkdir(parents=True, exist_ok=True)
        settings = folder / "store.json"
        if settings.exists():
            chunk_size = json.loads(settings.read_text())["chunk_size"]
        else:
            write_json_atomic(settings, {"chunk_size": chunk_size})
        self.folder, self.chunk_size = folder, chunk_size
        self._docs = docs
        self.count = 0
        self.num_chunks = 0

    def __iter__(self) -> Iterator[Chunk]:
        it = iter(self._docs)
        i = 0
        while batch := list(islice(it, self.chunk_size)):
            self.count += len(batch)
            if not _chunk_done(self.folder, i):
                yield Chunk(i, [doc_id for doc_id, _ in batch], [text for _, text in batch])
            del batch
            i += 1
        self.num_chunks = i

    def save(self, index: int, ids: list[str], vectors: np.ndarray) -> None:
        if len(ids) != len(vectors):
            raise ValueError(f"chunk {index}: {len(ids)} ids but {len(vectors)} vectors")
        write_json_atomic(_ids(self.folder, index), ids)
        write_npy_atomic(_chunk(self.folder, index), vectors)  # last: its presence marks the chunk done

    def finish(self) -> tuple[int, int]:
        """After the stream is read and every chunk saved: (number of documents, vector size)."""
        done = finished_chunks(self.folder)
        if done < self.num_chunks:
            raise RuntimeError(f"{self.folder}: chunk {done} of {self.num_chunks} was never written")
        dim = int(np.load(_chunk(self.folder, 0), mmap_mode="r").shape[1]) if self.num_chunks else 0
        return self.count, dim


def write_doc_vectors(
    docs: Iterable[tuple[str, str]],
    folder: Path,
    encode_chunk: Callable[[list[str]], np.ndarray],
    chunk_size: int = DEFAULT_CHUNK,
) -> tuple[int, int]:
    """Encode (doc_id, text) pairs into `folder` in this process, skipping the chunks already
    there. Returns (number of documents, vector size)."""
    plan = ChunkPlan(docs, folder, chunk_size)
    for chunk in plan:
        plan.save(chunk.index, chunk.ids, encode_chunk(chunk.texts))
    return plan.finish()


def vector_chunks(folder: Path) -> list[np.ndarray]:
    """The memory-mapped vectors of each chunk, in order, without reading their ids."""
    return [np.load(_chunk(folder, i), mmap_mode="r") for i in range(finished_chunks(folder))]


def read_doc_vectors(folder: Path) -> Iterator[tuple[list[str], np.ndarray]]:
    """(ids, memory-mapped vectors) of each chunk, in order."""
    for i in range(finished_chunks(folder)):
        yield json.loads(_ids(folder, i).read_text()), np.load(_chunk(folder, i), mmap_mode="r")


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class QueryVectorCache:
    """Vectors of query texts of one language for one encoder, appended in chunks."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._rows: dict[str, tuple[int, int]] = {}  # text key -> (chunk, row)
        self._chunks: list[np.ndarray] = []
        for i in range(finished_chunks(folder)):
            keys = json.loads(_ids(folder, i).read_text())
            self._chunks.append(np.load(_chunk(folder, i), mmap_mode="r"))
            self._rows.update({k: (i, r) for r, k in enumerate(keys)})

    def vectors(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, int]:
        """Vectors of `texts`, encoding (and caching) only those not seen before.
        Returns (vectors, number of texts encoded now)."""
        keys = [_text_key(t) for t in texts]
        new: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in self._rows:
                new.setdefault(key, text)
        if new:
            vectors = encode(list(new.values()))
            i = len(self._chunks)
            write_json_atomic(_ids(self.folder, i), list(new))
            write_npy_atomic(_chunk(self.folder, i), vectors)
            self._chunks.append(np.load(_chunk(self.folder, i), mmap_mode="r"))
            self._rows.update({k: (i, r) for r, k in enumerate(new)})
        if not texts:
            return np.empty((0, 0), dtype=np.float32), 0
        return np.stack([self._chunks[c][r] for c, r in (self._rows[k] for k in keys)]), len(new)
