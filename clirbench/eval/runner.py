"""Score one system on one task: index each document collection once (cached on disk),
search every pair, write TREC runs and a results file after each pair (so a run that is
interrupted resumes with the next unfinished pair)."""

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from clirbench.core.version import __version__
from clirbench.data import register_all
from clirbench.core.errors import ClirbenchError
from clirbench.core.names import key_path
from clirbench.core.locking import holding, pid_alive
from clirbench.core.contract import Encoder, Ranking, Retriever, SearchIndex, ordered
from clirbench.core.paths import default_cache_dir
from clirbench.core.progress import Progress
from clirbench.eval.metrics import evaluate
from clirbench.eval.language_bias import PoolBias
from clirbench.eval.rankings import CheckedIndex
from clirbench.eval.pair_data import (data_error, judged_queries, load_dataset, pool_documents, sample_label,
                                      sample_queries, without_data)
from clirbench.systems.dense.retriever import as_retriever
from clirbench.eval.results import (PairResult, PairSaver, ResultsFile, now, remove_debris, results_path, start_results,
                                    write_pair_run)
from clirbench.tasks import PairSpec, TaskSpec


@dataclass
class RunReport:
    results: ResultsFile
    path: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    model_calls: dict[str, int] = field(default_factory=dict)  # texts through a model in this run, by role
    not_applicable: dict[str, str] = field(default_factory=dict)  # pair -> why the system cannot run it
    no_data: dict[str, str] = field(default_factory=dict)  # pair -> what data is not here (skip_missing)


NOT_INSTALLED = "not installed"


def _versions(plugin: Retriever, progress: Progress) -> dict[str, str]:
    """Versions of clirbench, the evaluation libraries and the plugin's `libraries`. A name
    that is no installed distribution is recorded as such, and reported: it is a wrong name
    in the plugin (a PyPI name is needed, e.g. faiss-cpu, not faiss)."""
    out = {"clirbench": __version__}
    for pkg in ["ir_datasets", "ir-measures", plugin.meta.parameters.get("backend", ""), *plugin.libraries]:
        if not pkg:
            continue
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = NOT_INSTALLED
            progress.note(f"{plugin.meta.name}: library {pkg!r} is not an installed distribution, so its version "
                          "is not recorded (plugins name PyPI distributions in `libraries`)")
    return out


def _slug(dataset_id: str) -> str:
    # One folder name, never `.` or `..`: a leading dot becomes `_`.
    return re.sub(r"^\.", "_", re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset_id))


def index_root(plugin: Retriever, cache_dir: Path) -> Path:
    """The folder of a system's indexes, `<cache>/indexes/<index key>`: every part of the key
    is checked, so that no plugin's name or key builds (or deletes) a folder outside the cache."""
    return cache_dir / "indexes" / key_path(plugin.index_key(), f"index key of system {plugin.meta.name!r}")


def _build_lock(index_dir: Path, blocking: bool = True):
    """Held while an index is built; yields False (holding nothing) when `blocking` is False
    and another process holds it."""
    return holding(index_dir.with_name(index_dir.name + ".lock"), blocking)


_BUILDING = re.compile(r"\.building-(\d+)$")


def _remove_debris(plugin: Retriever, path: Path, cache_dir: Path, started: float) -> None:
    """Remove what interrupted runs left: temporary files of the results file and its runs
    (see results.remove_debris), and this system's index folders `NAME.building-PID` whose
    process is gone and whose index nobody is building (a live run's folder is never touched;
    a resumable build's `.partial` folder is kept, to resume)."""
    remove_debris(path, started)
    for building in index_root(plugin, cache_dir).glob("*.building-*"):
        found = _BUILDING.search(building.name)
        if found is None or not building.is_dir() or pid_alive(int(found.group(1))):
            continue
        with _build_lock(building.with_name(building.name[: found.start()]), blocking=False) as free:
            if free:
                shutil.rmtree(building, ignore_errors=True)


def _docs_total(dataset, pair: PairSpec, progress: Progress) -> int | None:
    """The collection's size for the progress bar; None (and a note saying why) when unknown."""
    try:
        return dataset.docs_count()
    except ClirbenchError:  # the data is not here: the build will say so
        raise
    except Exception as e:  # only the bar needs it: report it and go on
        progress.note(f"{pair.docs}: the number of documents is unknown ({type(e).__name__}: {e}); "
                      "progress shows documents done only")
        return None


def ensure_index(plugin: Retriever, pair: PairSpec, cache_dir: Path, progress: Progress) -> tuple[Path, int, float]:
    """The index of `pair.docs` for this plugin: reused when complete, else built atomically.
    Returns (index folder, number of documents, seconds spent building)."""
    # A pool's index holds the languages the task names: they are part of its key.
    slug = _slug(pair.docs) + (f"-{'-'.join(sorted(pair.pool_docs))}" if pair.pool else "")
    index_dir = index_root(plugin, cache_dir) / slug
    marker = index_dir / "clirbench-index.json"
    if marker.exists():
        return index_dir, json.loads(marker.read_text())["num_docs"], 0.0
    dataset = load_dataset(pair.docs, pair)
    total = _docs_total(dataset, pair, progress)
    counted = 0

    def docs() -> Iterator[tuple]:
        nonlocal counted
        # A pool's documents carry their language: a mixed index analyses each as its own.
        stream = pool_documents(pair) if pair.pool else ((d.doc_id, d.default_text()) for d in dataset.docs_iter())
        for doc in stream:
            counted += 1
            if counted % 1000 == 0:
                progress.indexing(pair.docs, counted, total)
            yield doc
        progress.indexing(pair.docs, counted, total)

    resumable = plugin.resumable_build
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
            if pair.pool:
                plugin.build_mixed_index(docs(), building)
            else:
                plugin.build_index(docs(), pair.doc_lang, building)
        except BaseException as e:
            if not resumable:
                shutil.rmtree(building, ignore_errors=True)
            if counted == 0 and isinstance(e, Exception) and not isinstance(e, ClirbenchError):
                raise data_error(pair, e) from e
            raise
        seconds = time.perf_counter() - start
        (building / marker.name).write_text(json.dumps({"docs": pair.docs, "num_docs": counted, "seconds": seconds}))
        shutil.rmtree(index_dir, ignore_errors=True)  # a folder without its marker is debris
        os.replace(building, index_dir)
    return index_dir, counted, seconds


def open_pair_index(plugin: Retriever, pair: PairSpec, cache_dir: Path, progress: Progress) -> tuple[SearchIndex, int, float]:
    """The open index a pair searches, its number of documents, and the seconds spent
    building it. A pool is each language's index combined, or one mixed-language index,
    as the system's `pool_search` says."""
    if not pair.pool:
        index_dir, num_docs, seconds = ensure_index(plugin, pair, cache_dir, progress)
        return plugin.open_index(index_dir, pair.doc_lang), num_docs, seconds
    if plugin.pool_search == "combine":
        opened, num_docs, seconds = {}, 0, 0.0
        for lang, docs_id in pair.pool_docs.items():
            part = pair.model_copy(update={"doc_lang": lang, "docs": docs_id, "pool_docs": {}})
            index_dir, count, built = ensure_index(plugin, part, cache_dir, progress)
            opened[lang] = plugin.open_index(index_dir, lang)
            num_docs, seconds = num_docs + count, seconds + built
        return plugin.combine_indexes(opened), num_docs, seconds
    index_dir, num_docs, seconds = ensure_index(plugin, pair, cache_dir, progress)
    return plugin.open_mixed_index(index_dir), num_docs, seconds


_POOL_CHUNK = 64  # queries per complete ranking of the pool: 64 x 20k hits at a time


def search_pool(index: SearchIndex, pair: PairSpec, queries: list[tuple[str, str]], qrels: dict[str, dict[str, int]],
                num_docs: int, spec: TaskSpec, doc_lang: dict[str, str]) -> tuple[dict[str, Ranking], PoolBias]:
    """Complete rankings of the pool, a chunk of queries at a time: language-bias values from
    each complete ranking, and its top k for the run file and the measures. `doc_lang` gives
    each pool document's language."""
    outside = {d for judged in qrels.values() for d in judged if d not in doc_lang}
    if outside:  # the task's pool_langs and the pool's qrels disagree
        raise ClirbenchError(f"pair {pair.key}: {len(outside)} judged documents (e.g. {sorted(outside)[0]}) are not in "
                             f"the pool's languages ({', '.join(pair.pool_docs)})",
                             "list every language of the registered pool in the task's `pool_langs`")
    own = sum(lang == pair.query_lang for lang in doc_lang.values())
    bias = PoolBias(pair.query_lang, pool_share=own / len(doc_lang) if doc_lang else 0.0)
    run: dict[str, Ranking] = {}
    for start in range(0, len(queries), _POOL_CHUNK):
        chunk = queries[start : start + _POOL_CHUNK]
        for qid, ranking in index.search(chunk, pair.query_lang, num_docs).items():
            ranking = ordered(ranking)
            relevant = {d for d, grade in qrels.get(qid, {}).items() if grade >= spec.relevance_threshold}
            bias.add(qid, ranking, relevant, doc_lang, num_docs)
            run[qid] = ranking[: spec.top_k]
    return run, bias


class _ModelClock:
    """A Progress that passes every report on to `inner`, and adds up the seconds texts spent
    in a model, by role ("encoding documents", "translating queries", ...): those seconds are
    part of the index and search times, and a pair's line tells them apart."""

    def __init__(self, inner: Progress):
        self.inner = inner
        self.seconds: dict[str, float] = {}

    def __getattr__(self, name):  # every other report goes to `inner` as it is
        return getattr(self.inner, name)

    def encoded(self, role: str, lang: str, count: int, seconds: float) -> None:
        self.seconds[role] = self.seconds.get(role, 0.0) + seconds
        self.inner.encoded(role, lang, count, seconds)

    def since(self, before: dict[str, float]) -> dict[str, float]:
        """Seconds per role spent since `before` (an earlier copy of `seconds`)."""
        return {role: s - before.get(role, 0.0) for role, s in self.seconds.items() if s > before.get(role, 0.0)}


def _start_results(spec: TaskSpec, plugin: Retriever, path: Path, force: bool, progress: Progress) -> ResultsFile:
    fresh = ResultsFile(
        task=spec.name, task_description=spec.description,
        metrics=[m.name for m in spec.measures()], measures={m.name: m.definition for m in spec.measures()},
        model=plugin.meta, model_fingerprint=plugin.fingerprint(), versions=_versions(plugin, progress),
        created=now(), updated=now(),
    )
    try:
        return start_results(path, fresh, force, progress.note)
    except ClirbenchError as e:
        raise _other_version(path, fresh) or e from None


def _other_version(path: Path, fresh: ResultsFile) -> ClirbenchError | None:
    """Where the stored results at `path` are of another version of the system (or of other
    measures): an error that says what changed (code, settings, measures) and how to keep both
    versions on the board. None where the file is not that case (unreadable: its own error)."""
    from clirbench.eval.results import load_results

    try:
        old = load_results(path)
    except ClirbenchError:
        return None
    if (old.model_fingerprint, old.metrics, old.measures) == (fresh.model_fingerprint, fresh.metrics, fresh.measures):
        return None
    name, before, after = old.model.name, old.model.parameters, fresh.model.parameters
    changed = ["its code (or a file it ships)"] if before.get("code_sha256") != after.get("code_sha256") else []
    settings = sorted(k for k in {*before, *after} - {"code_sha256"} if before.get(k, "unset") != after.get(k, "unset"))
    if settings:
        changed.append("its settings (" + ", ".join(f"{k}: {before.get(k, 'unset')} -> {after.get(k, 'unset')}"
                                                    for k in settings[:3]) + (", ..." if len(settings) > 3 else "") + ")")
    if old.model_fingerprint != fresh.model_fingerprint and not changed:
        changed.append("its fingerprint (its weights or index format)")
    if (old.metrics, old.measures) != (fresh.metrics, fresh.measures):
        changed.append(f"the task's measures ({', '.join(old.metrics)} -> {', '.join(fresh.metrics)})")
    return ClirbenchError(
        f"{path} holds results of {name} from another version: {' and '.join(changed)} changed",
        f"to keep both versions on the board, give this one another `name:` (e.g. {name}-v2; a submission's folder "
        "is renamed to match); or rerun with --force to replace the old results, or use another --out folder")


def run_task(
    spec: TaskSpec,
    plugin: Retriever | Encoder,
    pairs: list[PairSpec],
    out_dir: Path = Path("results"),
    force: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    search: str = "flat",
    engine=None,
    skip_missing: bool = False,
    max_queries: int | None = None,
) -> RunReport:
    """Score `plugin` on `pairs` of `spec`; `search` is the faiss index of a dense encoder, and
    `engine` (`clirbench.systems.dense.engines`) encodes its documents (default: this process).
    `skip_missing` skips the pairs whose data is not here while others' is (a whole task run).
    `max_queries`: score a fixed sample of each pair's queries (`sample_queries`); a pair
    recorded with another sample is scored again."""
    started = time.time()
    register_all()
    clock = _ModelClock(progress or Progress())
    progress = clock
    cache_dir = cache_dir or default_cache_dir()
    if engine is not None and not isinstance(plugin, Encoder):
        raise ClirbenchError(f"{plugin.meta.name} is a retriever: it indexes by itself, so --engine does not apply",
                             "drop --engine (it spreads the encoding of dense encoders over workers)")
    plugin = as_retriever(plugin, cache_dir, search, progress, engine)
    path = results_path(out_dir, spec.name, plugin.meta.name)
    _remove_debris(plugin, path, cache_dir, started)
    results = _start_results(spec, plugin, path, force, progress)
    report = RunReport(results, path)
    for p in pairs:
        reason = plugin.not_applicable(p.query_lang, p.doc_lang)
        if p.pool and plugin.pool_search is None:
            reason = "no multilingual-pool search (see Retriever.pool_search)"
        if reason:
            report.not_applicable[p.key] = results.not_applicable[p.key] = reason
    pairs = [p for p in pairs if p.key not in report.not_applicable]
    if skip_missing:
        report.no_data = without_data(pairs)
        pairs = [p for p in pairs if p.key not in report.no_data]
    sample = sample_label(max_queries)
    todo = [p for p in pairs if force or p.key not in results.pairs
            or results.pairs[p.key].data.get("query_sample") != sample]
    todo_keys = {p.key for p in todo}
    for p in pairs:
        if p.key not in todo_keys:
            report.skipped.append(p.key)
            progress.pair_skipped(p)

    # Pairs that share a document collection run together, so each index is opened once.
    by_docs: dict[str, list[PairSpec]] = {}
    for p in todo:
        by_docs.setdefault(p.docs, []).append(p)
    with PairSaver(path, results) as saver:
        for group in by_docs.values():
            _run_group(group, plugin, spec, results, saver, report, clock, cache_dir, max_queries)
    report.model_calls = plugin.model_calls()
    return report


def _run_group(group: list[PairSpec], plugin: Retriever, spec: TaskSpec, results: ResultsFile, saver: PairSaver,
               report: RunReport, clock: _ModelClock, cache_dir: Path, max_queries: int | None = None) -> None:
    """The pairs that search one document collection, through one opened index."""
    progress, path, measures = clock, saver.path, spec.measures()
    before = dict(clock.seconds)
    index, num_docs, index_seconds = open_pair_index(plugin, group[0], cache_dir, progress)
    # What search returns is checked before it is used; errors name the system and its class.
    index = CheckedIndex(index, f"{plugin.meta.name} ({type(plugin).__module__}.{type(plugin).__qualname__})")
    index_model = clock.since(before)  # model time inside the index build (documents encoded)
    # The pool's document languages, read once for every query language searching it.
    doc_lang = {d: lang for d, _, lang in pool_documents(group[0])} if group[0].pool else {}
    try:
        for pair in group:
            progress.pair_started(pair)
            queries, qrels = sample_queries(*judged_queries(pair, spec.query_field), max_queries)
            start, before = time.perf_counter(), dict(clock.seconds)
            bias = None
            if pair.pool:
                run, bias = search_pool(index, pair, queries, qrels, num_docs, spec, doc_lang)
            else:
                run = {qid: ordered(ranking, spec.top_k)
                       for qid, ranking in index.search(queries, pair.query_lang, spec.top_k).items()}
            search_seconds = time.perf_counter() - start
            # Parts of index and search spent in a model, by role (e.g. "encoding queries").
            in_model = dict(index_model)
            for role, s in clock.since(before).items():
                in_model[role] = in_model.get(role, 0.0) + s
            in_model = {role: round(s, 3) for role, s in in_model.items()}
            run_file = write_pair_run(path, pair.key, run, plugin.meta.name)
            means, per_query = evaluate(measures, qrels, run)
            result = PairResult(
                query_lang=pair.query_lang, doc_lang=pair.doc_lang, resource_level=pair.resource_level,
                query_set=pair.query_set, num_queries=len(queries), num_docs=num_docs,
                data={"queries": pair.queries, "docs": pair.docs, "qrels": pair.qrels,
                      **({"query_sample": sample_label(max_queries)} if max_queries else {})},
                run_file=str(run_file),
                seconds={"index": round(index_seconds, 3), "search": round(search_seconds, 3), **in_model},
                metrics=means, per_query=per_query,
                language_bias=bias.summary() if bias else {},
                bias_per_query={"rank_distance": bias.rank_distance, "AP_full": bias.ap_full,
                                "same_language_top10": bias.same_language_top10} if bias else {},
            )
            index_seconds, index_model = 0.0, {}  # charged to the first pair that needed the index
            results.pairs[pair.key] = result
            saver.finished(pair.key)
            report.ran.append(pair.key)
            progress.pair_finished(pair, result)
    finally:
        index.close()
