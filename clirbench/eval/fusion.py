"""Rank fusion of systems already run on a task:
`clirbench fuse --task mlqa-r --systems bm25 me5-small`, or `clirbench run --system fuse:bm25+me5-small`.

The TREC runs of each system (from its results folder) are fused per pair
(`rank_fusion`): reciprocal rank fusion (`rrf`, k=60) or the sum of min-max-normalised
scores (`sum`, CombSUM). The fused run is scored and written like any other system's.
"""

import time
from pathlib import Path

from clirbench.data import register_all
from clirbench.core.errors import ClirbenchError
from clirbench.core.names import path_name
from clirbench.eval.metrics import evaluate
from clirbench.eval.pair_data import judged_queries
from clirbench.eval.rank_fusion import fuse
from clirbench.eval.trec import read_run
from clirbench.core.contract import SystemMeta, ordered
from clirbench.core.progress import Progress
from clirbench.systems.registry import FUSION_PREFIX
from clirbench.eval.results import (PairResult, PairSaver, ResultsFile, load_results, now, remove_debris, results_path,
                                    start_results, stored_results, write_pair_run)
from clirbench.tasks import PairSpec, TaskSpec

METHODS = {"rrf": "reciprocal rank fusion (k=60)", "sum": "sum of min-max-normalised scores (CombSUM)"}
PREFIX = FUSION_PREFIX  # `fuse:a+b` names a fusion: the registry resolves it (clirbench.systems.registry)


def check_systems(systems: list[str]) -> list[str]:
    if len(systems) < 2 or len(set(systems)) != len(systems):
        raise ClirbenchError(f"fusion of {', '.join(systems) or 'nothing'}: fusion needs two or more different systems",
                             "name them, e.g. `clirbench fuse --task mlqa-r --systems bm25 me5-small`")
    for system in systems:  # each names a folder of results to read: never one outside --out
        path_name(system, "system name", "fusion", "name systems with results on the task (their folders under --out)")
    return systems


def _splits(text: str, known: set[str]) -> list[list[str]]:
    """Every way to cut `text` at '+' into names in `known` (names may hold '+': dict+bm25)."""
    if text in known:
        found = [[text]]
    else:
        found = []
    for i, ch in enumerate(text):
        if ch == "+" and text[:i] in known:
            found += [[text[:i], *rest] for rest in _splits(text[i + 1:], known)]
    return found


def parse_fusion(model: str, known: set[str]) -> list[str] | None:
    """The systems of `fuse:a+b[+...]`, or None when `model` is not a fusion. `known` holds the
    systems with results on the task: a name that contains '+' is matched whole."""
    if not model.startswith(PREFIX):
        return None
    text = model[len(PREFIX):]
    if not known:  # nothing to match against: plain names, and the run reports what is missing
        return check_systems([s for s in text.split("+") if s])
    ways = _splits(text, known)
    if len(ways) == 1:
        return check_systems(ways[0])
    hint = "name the systems one by one: `clirbench fuse --task TASK --systems A B ...`"
    if not ways:
        raise ClirbenchError(f"{model!r}: cannot split into systems with results on this task "
                             f"({', '.join(sorted(known))})", hint)
    raise ClirbenchError(f"{model!r} is ambiguous: " + " or ".join("+".join(w) for w in ways), hint)


def systems_with_results(out_dir: Path, task: str) -> set[str]:
    return {p.parent.name for p in (Path(out_dir) / task).glob("*/results.json*") if p.name in ("results.json", "results.json.gz")}


def _component(out_dir: Path, task: str, system: str) -> ResultsFile:
    path = results_path(out_dir, task, system)
    if not stored_results(path).exists():
        raise ClirbenchError(f"fusion: no results of {system!r} on {task} at {path}",
                             f"run it first: `clirbench run --system {system} --task {task} --out {out_dir}`")
    return load_results(path)


def _read_run(path: Path, pair: str, system: str, qids: set[str]) -> dict[str, dict[str, float]]:
    """The run of `system` on `pair`, over the judged queries `qids` only."""
    if not path.exists():
        raise ClirbenchError(f"fusion: the run of {system} on {pair} is missing ({path})",
                             f"rerun it: `clirbench run --system {system} --pairs {pair} --force ...`")
    return {qid: dict(ranking) for qid, ranking in read_run(path).items() if qid in qids}


def run_fusion(spec: TaskSpec, systems: list[str], pairs: list[PairSpec], out_dir: Path, method: str = "rrf",
               force: bool = False, progress: Progress | None = None) -> tuple[ResultsFile, Path, list[str]]:
    """Fuse `systems` on every pair all of them have; returns (results, path, pairs skipped).
    A results file of this fusion recorded with other settings is refused unless `force`
    (clirbench.eval.results.start_results, the runner's rule)."""
    started = time.time()
    register_all()
    if method not in METHODS:
        raise ClirbenchError(f"unknown fusion method {method!r}", f"use one of: {', '.join(METHODS)}")
    check_systems(systems)
    components = [_component(out_dir, spec.name, s) for s in systems]
    name = f"fuse-{method}:{'+'.join(systems)}"
    meta = SystemMeta(
        name=name, kind="fusion", description=f"{METHODS[method]} of {', '.join(systems)}",
        parameters={"method": method, "systems": systems, "norm": "min-max" if method == "sum" else None,
                    "components": {c.model.name: c.model_fingerprint for c in components}},
        training_data=(None if any(c.model.training_data is None for c in components)
                       else sorted({d for c in components for d in c.model.training_data})),
        source="clirbench", notes="fused from the components' TREC runs",
    )
    path = results_path(out_dir, spec.name, name)
    remove_debris(path, started)
    fingerprint = "+".join(c.model_fingerprint for c in components) + f":{method}"
    fresh = ResultsFile(task=spec.name, task_description=spec.description,
                        metrics=[m.name for m in spec.measures()],
                        measures={m.name: m.definition for m in spec.measures()},
                        model=meta, model_fingerprint=fingerprint,
                        versions=components[0].versions,
                        created=now(), updated=now())
    # As the runner: a stored fusion of other components, method or measures is refused unless
    # --force, which replaces it; with --force the selected pairs are fused again, the others kept.
    results = start_results(path, fresh, force, (progress or Progress()).note)
    measures = spec.measures()
    skipped = []
    with PairSaver(path, results) as saver:  # merged with what another process wrote meanwhile
        for pair in pairs:
            if not all(pair.key in c.pairs for c in components):
                skipped.append(pair.key)
            elif force or pair.key not in results.pairs:
                runs = [results_path(out_dir, spec.name, s).parent / c.pairs[pair.key].run_file
                        for s, c in zip(systems, components)]
                results.pairs[pair.key] = _fuse_pair(pair, spec, measures, components[0].pairs[pair.key],
                                                     dict(zip(systems, runs)), method, path, name)
                saver.finished(pair.key)
    return results, path, skipped


def _fuse_pair(pair: PairSpec, spec: TaskSpec, measures, first: PairResult, runs: dict[str, Path], method: str,
               path: Path, name: str) -> PairResult:
    """Fuse one pair's component runs (system -> run file), write the fused run, score it."""
    start = time.perf_counter()
    qrels = judged_queries(pair, spec.query_field)[1]
    judged = set(qrels)
    components = [_read_run(run_path, pair.key, system, judged) for system, run_path in runs.items()]
    run = {qid: ordered(docs.items(), spec.top_k) for qid, docs in fuse(components, method, list(qrels)).items()}
    seconds = time.perf_counter() - start
    run_file = write_pair_run(path, pair.key, run, name)
    means, per_query = evaluate(measures, qrels, run)
    return PairResult(
        query_lang=pair.query_lang, doc_lang=pair.doc_lang, resource_level=pair.resource_level,
        query_set=pair.query_set, num_queries=first.num_queries, num_docs=first.num_docs, data=first.data,
        run_file=str(run_file), seconds={"index": 0.0, "search": round(seconds, 3)}, metrics=means, per_query=per_query,
    )
