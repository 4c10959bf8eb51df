"""The plugin contract: two kinds of system.

A *retriever* indexes a document collection and ranks documents for queries by itself
(BM25, translate-then-BM25). clirbench asks it to build one index per document collection,
caches that index on disk, and reuses it for every query language.

A dense *encoder* only turns texts into vectors; clirbench batches the texts, caches the
vectors on disk (resumably), and searches them with faiss (`clirbench.dense`).
"""

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

# One ranked list per query: (doc_id, score), best first.
Ranking = list[tuple[str, float]]


class ModelMeta(BaseModel):
    """What the leaderboard shows about a system, and what makes its results reproducible."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+:-]*$")
    kind: Literal["retriever", "encoder", "fusion"]
    description: str = ""
    languages: list[str] | None = None  # None: any language
    parameters: dict[str, Any] = {}  # settings that change the results (k1, b, pooling, ...)
    num_parameters: int | None = None
    embedding_dim: int | None = None
    training_data: list[str] = []  # datasets seen in training: a task on one of them is not zero-shot
    license: str | None = None
    source: str | None = None
    notes: str = ""


class SearchIndex(ABC):
    @abstractmethod
    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        """Top-k documents for each (query_id, text); the query text is in `query_lang`."""

    def close(self) -> None:
        pass


class _Plugin(ABC):
    meta: ModelMeta
    # Bump when a change to the plugin's code changes what its indexes (or vectors) hold.
    index_format: int = 1

    def fingerprint(self) -> str:
        """Identifies an index built by this system with these settings."""
        key = json.dumps([self.meta.name, self.meta.parameters, self.index_format], sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]


class Encoder(_Plugin):
    """A dense encoder: clirbench calls it with at most `batch_size` texts at a time, sorted
    by length, and expects one float32 row per text, queries and documents of one size."""

    batch_size: int = 32

    @abstractmethod
    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        """Vectors of queries written in `lang`: float32, shape (len(texts), dim)."""

    @abstractmethod
    def encode_documents(self, texts: list[str], lang: str) -> np.ndarray:
        """Vectors of documents written in `lang`: float32, shape (len(texts), dim)."""


class Retriever(_Plugin):
    def index_key(self) -> str:
        """Where its indexes are cached (`<name>/<fingerprint>`): a retriever that only
        searches an index differently (dict+bm25 over bm25's, HNSW over the same vectors)
        returns its peer's key and shares the index."""
        return f"{self.meta.name}/{self.fingerprint()}"

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        """Why this system cannot run a pair (reported, never filled in), or None."""
        return None

    @abstractmethod
    def build_index(self, docs: Iterable[tuple[str, str]], doc_lang: str, index_dir: Path) -> None:
        """Index (doc_id, text) pairs into the empty folder `index_dir`."""

    @abstractmethod
    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        """Open an index that `build_index` wrote."""
