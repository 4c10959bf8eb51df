"""The plugin contract: two kinds of system.

A *retriever* indexes a document collection and ranks documents for queries by itself
(BM25, translate-then-BM25). clirbench asks it to build one index per document collection,
caches that index on disk, and reuses it for every query language.

A dense *encoder* only turns texts into vectors; clirbench batches the texts, caches the
vectors on disk (resumably), and searches them with faiss (`clirbench.systems.dense`).

Every system is described once, by a `SystemSpec` read without constructing it (name, kind,
languages, training data, loader, install hook, the fields of its cache key); a constructed
system carries `meta`, the `SystemMeta` its results record, made from its spec by `spec.meta(...)`.
"""

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import MAX_LENGTH, SAFE_NAME
from clirbench.core.progress import Progress

# One ranked list per query: (doc_id, score), best first.
Ranking = list[tuple[str, float]]


def ordered(ranking: Ranking, k: int | None = None) -> Ranking:
    """The one order of a ranking everywhere: score descending, exact ties by doc id; the
    first `k` when given."""
    out = sorted(ranking, key=lambda hit: (-hit[1], hit[0]))
    return out if k is None else out[:k]


class SystemMeta(BaseModel):
    """What the leaderboard shows about a system, and what makes its results reproducible: a
    constructed system's `meta`, recorded in its results files (as `model`, the key they keep)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=SAFE_NAME, max_length=MAX_LENGTH)  # names folders: see clirbench.core.names
    kind: Literal["retriever", "encoder", "fusion"]
    description: str = ""
    languages: list[str] | None = None  # None: any language
    parameters: dict[str, Any] = {}  # settings that change the results (k1, b, pooling, ...)
    num_parameters: int | None = None
    embedding_dim: int | None = None
    # Datasets seen in training: a task built on one of them is not zero-shot. None: unknown
    # (not declared); []: trained on nothing (BM25) or on nothing beyond `adapted_from`'s data.
    training_data: list[str] | None = None
    adapted_from: str | None = None  # the model this system was built from (fine-tuned, distilled)
    license: str | None = None
    source: str | None = None
    notes: str = ""


def _always_available() -> str | None:
    return None


@dataclass(frozen=True)
class SystemSpec:
    """The one descriptor of a system, read without constructing it: no JVM started, no model
    loaded, no plugin code run beyond an import. Every way of naming a system resolves to one
    (`clirbench.systems.registry.system_spec`): an entry point, a submissions/ folder, a trained
    model folder, `hf:<id or folder>`, a settings file, `module:attr`, `fuse:a+b`.

    A plugin class declares its own as the class attribute `spec` (a factory function with
    `@declared(...)`); the registry completes it with what it knows (the name a system is found
    by, where it comes from, its loader). A constructed system records `spec.meta(...)`: the same
    name, kind, description, languages and training data, with what only construction tells
    (parameters, sizes, licence)."""

    kind: str  # "retriever", "encoder" or "fusion"; "?" where it cannot be told without running code
    description: str = ""
    notes: str = ""
    name: str = ""  # the name in results where its files tell it, else the name it is found by
    languages: list[str] | None = None  # None: any language (or not told before construction)
    training_data: list[str] | None = None  # as SystemMeta's: None unknown, [] trained on nothing
    origin: str = ""  # "entry point", "submissions/", a folder of submissions, "trained folder", "hf:", ...
    # Why the system cannot run here (a package or its weights missing), or None; must be cheap.
    unavailable: Callable[[], str | None] = _always_available
    # Constructs the system; None where there is nothing to construct (a fusion reads results).
    loader: Callable[[], Any] | None = None
    # Installs the weights it runs on: install(source="auto", force=False, log=print) -> manifest;
    # None: nothing to install (`clirbench systems install NAME`).
    install: Callable[..., dict] | None = None

    # The fields of its cache key, in order: the fingerprint that keys its cached indexes and
    # vectors, and that a results file records, hashes these and nothing else. The parameters
    # are known once constructed (a model's revision, the precision the host runs).
    cache_key: ClassVar[tuple[str, ...]] = ("name", "parameters", "index_format")

    def load(self):
        """The system, constructed (a Retriever or an Encoder)."""
        if self.loader is None:
            raise ClirbenchError(f"{self.name!r} is a {self.kind}: there is nothing to construct",
                                 f"run it on a task by name: `clirbench run --system {self.name} --task TASK`")
        return self.loader()

    def meta(self, **fields) -> SystemMeta:
        """What a constructed system records in results: this spec's name, kind, description,
        languages, training data and notes, with `fields` (parameters, sizes, licence, ...)
        added or put in their place."""
        return SystemMeta(**{"name": self.name, "kind": self.kind, "description": self.description,
                            "languages": self.languages, "training_data": self.training_data,
                            "notes": self.notes, **fields})


def declared(spec: SystemSpec):
    """Attach `spec` to a plugin factory function (a class sets the class attribute `spec`)."""
    def attach(factory):
        factory.spec = spec
        return factory
    return attach


def declared_spec(obj) -> SystemSpec | None:
    """The spec a plugin class, factory or instance declares, or None (`listing`: its old name)."""
    spec = getattr(obj, "spec", None)
    if not isinstance(spec, SystemSpec):
        spec = getattr(obj, "listing", None)
    return spec if isinstance(spec, SystemSpec) else None


# The old names (one release): ModelMeta, and Listing(kind, description, notes, unavailable=...) with listed.
ModelMeta = SystemMeta
Listing = SystemSpec
listed = declared


def missing_packages(*modules: str) -> str | None:
    """'needs X, Y' for the modules that cannot be imported here (found without importing them)."""
    from importlib.util import find_spec

    missing = [m for m in modules if find_spec(m) is None]
    return f"needs {', '.join(missing)} (run `make setup`)" if missing else None


class SearchIndex(ABC):
    @abstractmethod
    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        """Top-k documents for each (query_id, text); the query text is in `query_lang`."""

    def close(self) -> None:
        pass


class _Plugin(ABC):
    meta: SystemMeta
    spec: ClassVar[SystemSpec | None] = None
    """What it is without constructing it (see `SystemSpec`): `clirbench systems` lists it."""
    index_format: int = 1
    """Bump it when a change to the plugin's code changes what its indexes (or vectors) hold:
    it is part of the fingerprint, so indexes built by the old code are rebuilt."""
    libraries: tuple[str, ...] = ()
    """Packages (PyPI names) whose versions the results file records, e.g. ("transformers", "torch")."""

    def fingerprint(self) -> str:
        """Identifies an index built by this system with these settings: a hash of the fields
        of `SystemSpec.cache_key`."""
        return self.fingerprint_of(self.meta.parameters)

    def fingerprint_of(self, parameters: dict) -> str:
        """The fingerprint this system would have with `parameters` in place of its own."""
        fields = {"name": self.meta.name, "parameters": parameters, "index_format": self.index_format}
        key = json.dumps([fields[field] for field in SystemSpec.cache_key], sort_keys=True)
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

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        """Why this encoder cannot run a pair (reported, never scored), or None. By default a
        pair is out of reach when `meta.languages` lists languages and misses either side."""
        if self.meta.languages is None:
            return None
        missing = [lang for lang in dict.fromkeys((query_lang, doc_lang)) if lang not in self.meta.languages]
        return f"{', '.join(missing)} not among its languages ({', '.join(self.meta.languages)})" if missing else None

    def document_vectors_key(self) -> str:
        """Where its document vectors are cached (`<name>/<fingerprint>`). An encoder whose
        documents go through another encoder (a distilled student keeps its teacher's) returns
        that encoder's key, and reuses its cached vectors."""
        return f"{self.meta.name}/{self.fingerprint()}"


class Retriever(_Plugin):
    pool_search: Literal["combine", "mixed"] | None = None
    """How the system searches a multilingual pool (every language's documents at once):
    "combine": one search over each language's own index, merged by score (scores must be
    comparable across indexes, as one dense encoder's are; the indexes are reused);
    "mixed": one index of all languages, built by `build_mixed_index` (BM25: its statistics
    are per index, so the pool needs its own); None: it cannot, pool pairs are not applicable."""
    resumable_build: bool = False
    """True when `build_index` can resume a half-built folder: the runner then keeps that folder
    after a crash (under a lock) instead of deleting it. False: every build starts empty."""

    def use_cache(self, cache_dir: Path, progress: Progress) -> None:
        """Called once before a run: where to cache model outputs (translations) and whom to
        tell about long work. The default keeps nothing."""

    def model_calls(self) -> dict[str, int]:
        """Texts that went through a model in this run, by what was done to them, e.g.
        {"documents encoded": 32, "queries encoded": 24}; empty for systems without a model."""
        return {}

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

    def combine_indexes(self, indexes: dict[str, SearchIndex]) -> SearchIndex:
        """With `pool_search = "combine"`: one search over several languages' open indexes."""
        raise NotImplementedError(f"{self.meta.name} does not combine indexes")

    def build_mixed_index(self, docs: Iterable[tuple[str, str, str]], index_dir: Path) -> None:
        """With `pool_search = "mixed"`: index (doc_id, text, lang) of several languages into
        one index, each document analysed as its own language."""
        raise NotImplementedError(f"{self.meta.name} builds no mixed-language index")

    def open_mixed_index(self, index_dir: Path) -> SearchIndex:
        """Open what `build_mixed_index` wrote; queries are analysed as their own language."""
        raise NotImplementedError(f"{self.meta.name} builds no mixed-language index")
