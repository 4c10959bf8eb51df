"""Score one system on one task: index each document collection once (cached on disk),
search every pair, write TREC runs and a results file after each pair (so a run that is
interrupted resumes with the next unfinished pair)."""

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import ir_datasets

from clirbench import __version__
from clirbench.atomic import write_text_atomic
from clirbench.data import register_all
from clirbench.data.availability import describe_missing, missing_files
from clirbench.errors import ClirbenchError
from clirbench.paths import default_cache_dir
from clirbench.metrics import evaluate, task_measures
from clirbench.dense.retriever import DenseRetriever
from clirbench.plugins.base import Encoder, Ranking, Retriever
from clirbench.results import PairResult, ResultsFile, load_results, now, results_path, save_results
from clirbench.tasks import PairSpec, TaskSpec


class Progress:
    """What the runner reports while it works; the CLI draws it, the library stays quiet."""

    def pair_started(self, pair: PairSpec) -> None: ...
    def indexing(self, docs_id: str, count: int, total: int | None) -> None: ...
    def pair_finished(self, pair: PairSpec, result: PairResult) -> None: ...
    def pair_skipped(self, pair: PairSpec) -> None: ...
    def encoded(self, role: str, lang: str, count: int, seconds: float) -> None:
        """`count` texts of `lang` just went through a model (role: "encoding documents",
        "translating queries", ...) in `seconds`."""


@dataclass
class RunReport:
    results: ResultsFile
    path: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    encoded: dict[str, int] = field(default_factory=dict)  # texts a dense encoder encoded in this run
    not_applicable: dict[str, str] = field(default_factory=dict)  # pair -> why the system cannot run it


def _versions(plugin: Retriever) -> dict[str, str]:
    out = {"clirbench": __version__}
    for pkg in ["ir_datasets", "ir-measures", plugin.meta.parameters.get("backend", ""), *getattr(plugin, "libraries", ())]:
        if not pkg:
            continue
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def _load_dataset(dataset_id: str, pair: PairSpec):
    try:
        return ir_datasets.load(dataset_id)
    except KeyError:
        raise ClirbenchError(f"pair {pair.key}: ir_datasets has no dataset {dataset_id!r}",
                             "check the IDs in the task file (`ir_datasets list` shows them)") from None


def _data_error(pair: PairSpec, error: Exception) -> ClirbenchError:
    if isinstance(error, ClirbenchError):
        return error
    missing = missing_files([pair.queries, pair.docs, pair.qrels])
    if missing:
        return ClirbenchError(f"pair {pair.key}: data is not available here ({type(error).__name__}: {error})",
                              "put these files where ir_datasets looks for them:\n" + describe_missing(missing))
    return ClirbenchError(f"pair {pair.key}: could not load data: {type(error).__name__}: {error}",
                          "check network access, or that the data files are complete")


def _slug(dataset_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset_id)


@contextmanager
def _build_lock(index_dir: Path):
    with open(index_dir.with_name(index_dir.name + ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_index(plugin: Retriever, pair: PairSpec, cache_dir: Path, progress: Progress) -> tuple[Path, int, float]:
    """The index of `pair.docs` for this plugin: reused when complete, else built atomically.
    Returns (index folder, number of documents, seconds spent building)."""
    index_dir = cache_dir / "indexes" / plugin.index_key() / _slug(pair.docs)
    marker = index_dir / "clirbench-index.json"
    if marker.exists():
        return index_dir, json.loads(marker.read_text())["num_docs"], 0.0
    dataset = _load_dataset(pair.docs, pair)
    try:
        total = dataset.docs_count()
    except Exception:
        total = None
    counted = 0

    def docs() -> Iterator[tuple[str, str]]:
        nonlocal counted
        for doc in dataset.docs_iter():
            counted += 1
            if counted % 1000 == 0:
                progress.indexing(pair.docs, counted, total)
            yield doc.doc_id, doc.default_text()
        progress.indexing(pair.docs, counted, total)

    resumable = getattr(plugin, "resumable_build", False)
    # A resumable build (dense vectors, hours of work) keeps its half-built folder across
    # crashes; a lock keeps two processes from writing into it at once.
    suffix = ".partial" if resumable else f".building-{os.getpid()}"
    building = index_dir.with_name(index_dir.name + suffix)
    building.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        if marker.exists():  # another process built it while we waited
            return index_dir, json.loads(marker.read_text())["num_docs"], 0.0
        if not resumable:
            shutil.rmtree(building, ignore_errors=True)
        building.mkdir(exist_ok=True)
        start = time.perf_counter()
        try:
            plugin.build_index(docs(), pair.doc_lang, building)
        except BaseException as e:
            if not resumable:
                shutil.rmtree(building, ignore_errors=True)
            if counted == 0 and isinstance(e, Exception) and not isinstance(e, ClirbenchError):
                raise _data_error(pair, e) from e
            raise
        seconds = time.perf_counter() - start
        (building / marker.name).write_text(json.dumps({"docs": pair.docs, "num_docs": counted, "seconds": seconds}))
        shutil.rmtree(index_dir, ignore_errors=True)  # a folder without its marker is debris
        os.replace(building, index_dir)
    return index_dir, counted, seconds


def _judged_queries(pair: PairSpec, query_field: str | None) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    try:
        qrels: dict[str, dict[str, int]] = {}
        for q in _load_dataset(pair.qrels, pair).qrels_iter():
            qrels.setdefault(q.query_id, {})[q.doc_id] = q.relevance
        queries = [
            (q.query_id, getattr(q, query_field) if query_field else q.default_text())
            for q in _load_dataset(pair.queries, pair).queries_iter()
            if q.query_id in qrels
        ]
    except ClirbenchError:
        raise
    except Exception as e:
        raise _data_error(pair, e) from e
    judged = {qid for qid, _ in queries}
    return queries, {qid: rels for qid, rels in qrels.items() if qid in judged}


def trec_run_text(run: dict[str, Ranking], run_name: str) -> str:
    lines = []
    for qid, ranking in run.items():
        for rank, (doc_id, score) in enumerate(ranking, start=1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score:.6f} {run_name}")
    return "\n".join(lines) + ("\n" if lines else "")


def _start_results(spec: TaskSpec, plugin: Retriever, path: Path, force: bool) -> ResultsFile:
    fresh = ResultsFile(
        task=spec.name, task_description=spec.description,
        metrics=[str(m) for m in task_measures(spec.metrics, spec.relevance_threshold)],
        model=plugin.meta, model_fingerprint=plugin.fingerprint(), versions=_versions(plugin),
        created=now(), updated=now(),
    )
    if not path.exists():
        return fresh
    old = load_results(path)
    if old.model_fingerprint != fresh.model_fingerprint or old.metrics != fresh.metrics:
        if force:  # other settings: the old pairs cannot stand beside the new ones
            return fresh
        raise ClirbenchError(f"{path} holds results of {old.model.name} with other settings or measures",
                             "rerun with --force to replace them, or use another --out folder")
    # --force reruns the selected pairs; the other pairs' results stay.
    old.model, old.versions = fresh.model, fresh.versions
    return old


def run_task(
    spec: TaskSpec,
    plugin: Retriever | Encoder,
    pairs: list[PairSpec],
    out_dir: Path = Path("results"),
    force: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    search: str = "flat",
) -> RunReport:
    """Score `plugin` on `pairs` of `spec`; `search` is the faiss index of a dense encoder."""
    register_all()
    progress = progress or Progress()
    cache_dir = cache_dir or default_cache_dir()
    if isinstance(plugin, Encoder):
        plugin = DenseRetriever(plugin, cache_dir, search, progress)
    elif hasattr(plugin, "use_cache"):  # retrievers that cache model outputs (translations) and report progress
        plugin.use_cache(cache_dir, progress)
    path = results_path(out_dir, spec.name, plugin.meta.name)
    results = _start_results(spec, plugin, path, force)
    report = RunReport(results, path)
    measures = task_measures(spec.metrics, spec.relevance_threshold)
    for p in pairs:
        if reason := plugin.not_applicable(p.query_lang, p.doc_lang):
            report.not_applicable[p.key] = results.not_applicable[p.key] = reason
    pairs = [p for p in pairs if p.key not in report.not_applicable]
    todo = [p for p in pairs if force or p.key not in results.pairs]
    todo_keys = {p.key for p in todo}
    for p in pairs:
        if p.key not in todo_keys:
            report.skipped.append(p.key)
            progress.pair_skipped(p)

    # Pairs that share a document collection run together, so each index is opened once.
    by_docs: dict[str, list[PairSpec]] = {}
    for p in todo:
        by_docs.setdefault(p.docs, []).append(p)
    for group in by_docs.values():
        index_dir, num_docs, index_seconds = ensure_index(plugin, group[0], cache_dir, progress)
        index = plugin.open_index(index_dir, group[0].doc_lang)
        try:
            for pair in group:
                progress.pair_started(pair)
                queries, qrels = _judged_queries(pair, spec.query_field)
                start = time.perf_counter()
                run = index.search(queries, pair.query_lang, spec.top_k)
                search_seconds = time.perf_counter() - start
                run_file = Path("runs") / f"{pair.key}.trec"
                write_text_atomic(path.parent / run_file, trec_run_text(run, plugin.meta.name))
                means, per_query = evaluate(measures, qrels, run)
                result = PairResult(
                    query_lang=pair.query_lang, doc_lang=pair.doc_lang, resource_level=pair.resource_level,
                    num_queries=len(queries), num_docs=num_docs,
                    data={"queries": pair.queries, "docs": pair.docs, "qrels": pair.qrels},
                    run_file=str(run_file), seconds={"index": round(index_seconds, 3), "search": round(search_seconds, 3)},
                    metrics=means, per_query=per_query,
                )
                index_seconds = 0.0  # charged to the first pair that needed the index
                results.pairs[pair.key] = result
                save_results(path, results)
                report.ran.append(pair.key)
                progress.pair_finished(pair, result)
        finally:
            index.close()
    if isinstance(plugin, DenseRetriever):
        report.encoded = {"documents": plugin.documents_encoded, "queries": plugin.queries_encoded}
    return report
