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


def finished_chunks(folder: Path) -> int:
    i = 0
    while _chunk(folder, i).exists() and _ids(folder, i).exists():
        i += 1
    return i


def write_doc_vectors(
    docs: Iterable[tuple[str, str]],
    folder: Path,
    encode_chunk: Callable[[list[str]], np.ndarray],
    chunk_size: int = DEFAULT_CHUNK,
) -> tuple[int, int]:
    """Encode (doc_id, text) pairs into `folder`, skipping the chunks already there.
    Returns (number of documents, vector size)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = folder / "store.json"
    if settings.exists():
        chunk_size = json.loads(settings.read_text())["chunk_size"]
    else:
        write_json_atomic(settings, {"chunk_size": chunk_size})
    done = finished_chunks(folder)
    it = iter(docs)
    count = sum(1 for _ in islice(it, done * chunk_size))  # stream past what is cached: no texts kept
    i = done
    while batch := list(islice(it, chunk_size)):
        ids = [doc_id for doc_id, _ in batch]
        vectors = encode_chunk([text for _, text in batch])
        del batch
        write_json_atomic(_ids(folder, i), ids)
        write_npy_atomic(_chunk(folder, i), vectors)
        count += len(ids)
        i += 1
    dim = int(np.load(_chunk(folder, 0), mmap_mode="r").shape[1]) if i else 0
    return count, dim


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
