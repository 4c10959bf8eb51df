"""`clirbench check`: a system run on a few texts of the toy task, and what it returns held
against the plugin contract, so that a plugin's author learns what is wrong before a long run.

An encoder encodes a few queries and documents (in batches of at most its `batch_size`, longest
first, as the runner calls it); its vectors must be finite float32 arrays of one row per text,
queries and documents of one size. A retriever indexes the documents into an empty folder and
searches them; every ranking must hold (document id, score) pairs of documents it indexed, with
finite numeric scores. The metadata must be a `SystemMeta` of the plugin's kind."""

import math
import numbers
import tempfile
import traceback
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from clirbench.core.contract import Encoder, Retriever, SearchIndex, SystemMeta
from clirbench.core.errors import ClirbenchError
from clirbench.core.progress import Progress
from clirbench.data import register_all
from clirbench.eval.pair_data import judged_queries, load_dataset
from clirbench.systems.dense.checks import vector_problems
from clirbench.tasks import PairSpec, TaskSpec, load_task

TASK = "toy"
NUM_QUERIES = 5
K = 10


@dataclass
class CheckReport:
    plugin: Encoder | Retriever
    pair: str = ""
    checked: list[str] = field(default_factory=list)  # what was checked and held
    problems: list[str] = field(default_factory=list)  # what breaks the contract: a run would fail or mislead
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong

    @property
    def ok(self) -> bool:
        return not self.problems


def _raised(call: str, error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{call} raised {type(error).__name__}: {error} (at {frame.filename}:{frame.lineno})"


def _pick_pair(spec: TaskSpec, plugin, wanted: str | None) -> tuple[PairSpec, str | None]:
    """The pair to check on: `wanted`, else the first cross-lingual pair in the plugin's
    languages that it runs (en-sw first); a note when none fits."""
    pairs = [p for p in spec.pairs() if not p.pool]
    if wanted:
        chosen = [p for p in pairs if p.key == wanted]
        if not chosen:
            raise ClirbenchError(f"no pair {wanted!r} in the {spec.name} task",
                                 f"use one of: {', '.join(p.key for p in pairs)}")
        return chosen[0], None
    langs = plugin.meta.languages if isinstance(getattr(plugin, "meta", None), SystemMeta) else None
    pairs.sort(key=lambda p: (p.key != "en-sw", p.query_lang == p.doc_lang))
    for p in pairs:
        if langs is not None and not {p.query_lang, p.doc_lang} <= set(langs):
            continue
        if isinstance(plugin, Retriever):
            try:
                if plugin.not_applicable(p.query_lang, p.doc_lang):
                    continue
            except Exception:  # the check of the search will report it
                pass
        return p, None
    return pairs[0], (f"no {spec.name} pair is in the declared languages ({', '.join(langs or [])}) and applicable: "
                      f"checked on {pairs[0].key} anyway")


def _check_meta(plugin, report: CheckReport) -> None:
    meta = getattr(plugin, "meta", None)
    kind = "encoder" if isinstance(plugin, Encoder) else "retriever"
    if not isinstance(meta, SystemMeta):
        report.problems.append(f"`meta` is {'missing' if meta is None else type(meta).__name__}: set "
                               f"`self.meta = SystemMeta(name=..., kind={kind!r})` (clirbench.core.contract)")
        return
    if meta.kind != kind:
        report.problems.append(f"meta.kind is {meta.kind!r} but the plugin is a {kind} (subclass of "
                               f"clirbench.core.contract.{kind.capitalize()})")
    else:
        report.checked.append(f"metadata: a SystemMeta of kind {kind}")
    if meta.training_data is None:
        report.notes.append("training_data is not declared: the leaderboard shows its zero-shot status as unknown "
                            "([] declares that nothing was learned)")
    for pkg in plugin.libraries:
        try:
            version(pkg)
        except PackageNotFoundError:
            report.notes.append(f"libraries: {pkg!r} is no installed distribution, so its version is not recorded "
                                "(name PyPI distributions, e.g. faiss-cpu)")


def _encode(plugin: Encoder, role: str, texts: list[str], lang: str, report: CheckReport) -> np.ndarray | None:
    """The vectors of `texts`, called as the runner calls: longest first, batch_size at a time."""
    method = "encode_queries" if role == "queries" else "encode_documents"
    encode = getattr(plugin, method)
    batch_size = plugin.batch_size
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        report.problems.append(f"batch_size is {batch_size!r}: it must be a whole number of at least 1")
        batch_size = len(texts)
    ordered_texts = sorted(texts, key=len, reverse=True)
    parts = []
    for start in range(0, len(ordered_texts), batch_size):
        batch = ordered_texts[start : start + batch_size]
        try:
            vectors = encode(batch, lang)
        except Exception as e:
            report.problems.append(_raised(f"{method}({len(batch)} texts, {lang!r})", e))
            return None
        problems = vector_problems(vectors, len(batch), plugin.meta.name, method)
        if problems:
            # A fix that says more than "fix the plugin" goes with its problem.
            report.problems.extend(problem if fix.startswith("fix the plugin") else f"{problem} (fix: {fix})"
                                   for problem, fix in problems)
            return None
        parts.append(vectors)
    if len({v.shape[1] for v in parts}) > 1:
        report.problems.append(f"{method} returned vectors of sizes {sorted({v.shape[1] for v in parts})} "
                               "across batches: one size for every text")
        return None
    out = np.concatenate(parts)
    report.checked.append(f"{method}: {len(texts)} {lang} texts -> float32 {out.shape}, finite")
    return out


def _check_encoder(plugin: Encoder, queries: list[str], docs: list[str], pair: PairSpec, report: CheckReport) -> None:
    q = _encode(plugin, "queries", queries, pair.query_lang, report)
    d = _encode(plugin, "documents", docs, pair.doc_lang, report)
    if q is None or d is None:
        return
    if q.shape[1] != d.shape[1]:
        report.problems.append(f"query vectors have size {q.shape[1]} but document vectors {d.shape[1]}: "
                               "encode_queries and encode_documents must return vectors of one size")
        return
    report.checked.append(f"queries and documents: vectors of one size ({q.shape[1]})")
    declared = plugin.meta.embedding_dim
    if declared is not None and declared != q.shape[1]:
        report.problems.append(f"embedding_dim is declared as {declared} but the vectors have size {q.shape[1]}")
    norms = np.linalg.norm(np.concatenate([q, d]), axis=1)
    if not np.allclose(norms, 1.0, atol=1e-3):
        report.notes.append("vectors are not L2-normalised: documents are ranked by inner product (normalise "
                            "them if the model was trained with cosine similarity)")
    if np.allclose(d, d[0]) and len(d) > 1:
        report.notes.append("every document got the same vector: the ranking will be by document id alone")


def _is_score(score) -> bool:
    return isinstance(score, numbers.Real) and not isinstance(score, bool)


def _check_search(index: SearchIndex, queries: list[tuple[str, str]], pair: PairSpec, doc_ids: set[str],
                  report: CheckReport) -> None:
    try:
        run = index.search(queries, pair.query_lang, K)
    except Exception as e:
        report.problems.append(_raised(f"search({len(queries)} queries, {pair.query_lang!r}, k={K})", e))
        return
    if not isinstance(run, dict):
        report.problems.append(f"search returned a {type(run).__name__}: expected {{query_id: [(doc_id, score), ...]}}")
        return
    asked = {qid for qid, _ in queries}
    if unknown := sorted(map(str, set(run) - asked)):
        report.problems.append(f"search returned rankings for query ids it was not given: {', '.join(unknown[:3])}")
    if missing := sorted(asked - set(run)):
        report.notes.append(f"search returned no ranking for {len(missing)} of {len(asked)} queries "
                            f"(e.g. {missing[0]}): they count as finding nothing")
    found: dict[str, list] = {}  # kind of problem -> [first message, number of rankings with it]

    def problem(kind: str, message: str) -> None:
        found.setdefault(kind, [message, 0])[1] += 1

    for qid, ranking in run.items():
        if not isinstance(ranking, (list, tuple)):
            problem("ranking", f"search: the ranking of {qid} is a {type(ranking).__name__}, not a list of (doc_id, score)")
            continue
        if len(ranking) > K:
            problem("k", f"search: {len(ranking)} hits for {qid} with k={K}: return at most k")
        kinds: dict[str, str] = {}  # kind -> its first message in this ranking
        seen, scores = set(), []
        for hit in ranking:
            if not (isinstance(hit, (tuple, list)) and len(hit) == 2):
                kinds.setdefault("hit", f"search: a hit of {qid} is {hit!r}: expected a (doc_id, score) pair")
                continue
            doc_id, score = hit
            if not isinstance(doc_id, str):
                kinds.setdefault("id", f"search: doc id {doc_id!r} of {qid} is a {type(doc_id).__name__}, not a str")
            elif doc_id not in doc_ids:
                kinds.setdefault("unknown", f"search: {qid} ranks {doc_id!r}, which is not a document it indexed")
            elif doc_id in seen:
                kinds.setdefault("twice", f"search: {qid} ranks {doc_id!r} twice")
            seen.add(doc_id)
            if not _is_score(score):
                kinds.setdefault("score", f"search: the score of {doc_id!r} for {qid} is a {type(score).__name__} "
                                          f"({score!r}), not a number (return float(score))")
            elif not math.isfinite(score):
                kinds.setdefault("finite", f"search: the score of {doc_id!r} for {qid} is {score}")
            else:
                scores.append(float(score))
        for kind, message in kinds.items():
            problem(kind, message)
        if not kinds and scores != sorted(scores, reverse=True):
            problem("order", f"search: the ranking of {qid} is not best first")
    for kind, (message, count) in found.items():
        message += f" ({count} of {len(run)} rankings)" if count > 1 else ""
        if kind == "order":  # the runner sorts every ranking by score: worth knowing, not wrong
            report.notes.append(message + "; clirbench sorts rankings by score")
        else:
            report.problems.append(message)
    if not set(found) - {"order"}:
        hits = sum(len(r) for r in run.values())
        report.checked.append(f"search: {len(run)} rankings, {hits} hits of indexed documents with finite numeric scores")


def _check_retriever(plugin: Retriever, queries: list[tuple[str, str]], docs: list[tuple[str, str]],
                     pair: PairSpec, report: CheckReport) -> None:
    with tempfile.TemporaryDirectory(prefix="clirbench-check-") as tmp:
        try:
            plugin.use_cache(Path(tmp) / "cache", Progress())
        except Exception as e:
            report.problems.append(_raised("use_cache", e))
            return
        index_dir = Path(tmp) / "index"
        index_dir.mkdir()
        try:
            plugin.build_index(iter(docs), pair.doc_lang, index_dir)
        except Exception as e:
            report.problems.append(_raised(f"build_index({len(docs)} documents, {pair.doc_lang!r})", e))
            return
        report.checked.append(f"build_index: {len(docs)} {pair.doc_lang} documents")
        try:
            index = plugin.open_index(index_dir, pair.doc_lang)
        except Exception as e:
            report.problems.append(_raised("open_index", e))
            return
        if not isinstance(index, SearchIndex) and not callable(getattr(index, "search", None)):
            report.problems.append(f"open_index returned a {type(index).__name__}, not a SearchIndex")
            return
        try:
            _check_search(index, queries, pair, {doc_id for doc_id, _ in docs}, report)
        finally:
            try:
                index.close()
            except Exception as e:
                report.problems.append(_raised("close", e))


def check_system(plugin: Encoder | Retriever, pair_key: str | None = None, task: str = TASK) -> CheckReport:
    """Run `plugin` on a few texts of `task` (the toy task) and hold its output to the contract."""
    register_all()
    spec = load_task(task)
    report = CheckReport(plugin)
    _check_meta(plugin, report)
    if not isinstance(getattr(plugin, "meta", None), SystemMeta):
        return report  # the other checks name the plugin by its metadata
    pair, note = _pick_pair(spec, plugin, pair_key)
    report.pair = pair.key
    if note:
        report.notes.append(note)
    queries = judged_queries(pair, spec.query_field)[0][:NUM_QUERIES]
    docs = [(d.doc_id, d.default_text()) for d in load_dataset(pair.docs, pair).docs_iter()]
    if isinstance(plugin, Encoder):
        _check_encoder(plugin, [text for _, text in queries], [text for _, text in docs], pair, report)
    else:
        _check_retriever(plugin, queries, docs, pair, report)
    return report
