"""A report's bundle, runs.json.gz: the per-query results and manifest of each of an
experiment's runs, committed beside its report so that the report regenerates from the
repository alone, and so that a later session adds seeds without the earlier seeds' trained
folders (which are not committed)."""

import gzip
import json
from pathlib import Path

from clirbench.core.atomic import write_bytes_atomic
from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import ResultsFile, load_results, parse_results
from clirbench.systems.student_manifest import manifest_data
from clirbench.train.experiment_record import ExperimentRecord

RUNS_BUNDLE = "runs.json.gz"
# 1 (no `format` field): {run key: {results, manifest}}; 2: per-query values as lists in one id
# order per pair; 3: the pool's per-query language-bias values too (they were most of a bundle).
BUNDLE_FORMAT = 3


def _as_lists(values: dict[str, dict], order: list[str]) -> dict:
    """{measure: {id: v}} as {measure: [v in `order`]} where every measure has exactly those ids."""
    same = all(len(v) == len(order) and all(q in v for q in order) for v in values.values())
    return {m: [v[q] for q in order] for m, v in values.items()} if same else values


def _packed(runs: dict, tested: tuple[str, ...]) -> dict:
    """The runs as the bundle keeps them: per-query values of the `tested` measures only (the
    others' averages stay in `metrics`), each pair's question ids written once for every run
    and measure, the values as lists in that order (MLQA-R's 40-character ids were most of a
    bundle). A pair whose runs hold other ids keeps its values by id."""
    query_ids: dict[str, list[str]] = {}
    out = {}
    for key, (results, manifest) in runs.items():
        data = results.model_dump(mode="json") if results else None
        for pair, result in (data["pairs"].items() if data else ()):
            values = {m: v for m, v in result["per_query"].items() if m in tested}
            order = query_ids.setdefault(pair, sorted(next(iter(values.values()), {})))
            result["per_query"] = _as_lists(values, order)
            if result.get("bias_per_query"):
                result["bias_per_query"] = _as_lists(result["bias_per_query"], order)
        out[key] = {"results": data, "manifest": manifest}
    return {"format": BUNDLE_FORMAT, "query_ids": query_ids, "runs": out}


def read_bundle(bundle: Path) -> dict:
    """{run key: {"results", "manifest"}} as a report's bundle stores them."""
    return _unpacked(json.loads(gzip.decompress(Path(bundle).read_bytes())))


def _unpacked(stored: dict) -> dict:
    """The runs of a bundle of any format (1: the runs themselves)."""
    if "format" not in stored:
        return stored
    for run in stored["runs"].values():
        for pair, result in (run["results"]["pairs"].items() if run["results"] else ()):
            ids = stored["query_ids"].get(pair, [])
            for field in ("per_query", "bias_per_query"):
                result[field] = {m: dict(zip(ids, v)) if isinstance(v, list) else v
                                 for m, v in result.get(field, {}).items()}
    return stored["runs"]


def _here(path: str | None) -> bool:
    return not path or Path(path).exists()


def runs_of(record: ExperimentRecord, out_dir: Path, tested: tuple[str, ...]) -> dict[str, tuple[ResultsFile | None, dict | None]]:
    """Each run's results and manifest (as its file holds it): from the run's own files where
    they are here, else from the bundle beside the report. Where any run's files are here, the
    bundle is rewritten with every run: the runs of this session beside those of earlier ones."""
    bundle = out_dir / RUNS_BUNDLE
    stored = bundled_runs(out_dir)
    runs = {}
    for key, run in record.runs.items():
        if _here(run.results) and _here(run.manifest):
            runs[key] = (load_results(Path(run.results)) if run.results else None,
                         manifest_data(Path(run.manifest).parent) if run.manifest else None)
        elif key in stored:
            runs[key] = (parse_results(stored[key]["results"]) if stored[key]["results"] else None,
                         stored[key]["manifest"])
        else:
            missing = next(path for path in (run.results, run.manifest) if not _here(path))
            raise ClirbenchError(f"{out_dir}: the results of run {key} ({missing}) are not here, and "
                                 f"{'no' if bundle.exists() else 'there is no'} {RUNS_BUNDLE} holds them",
                                 "rerun the experiment (finished runs are skipped), or restore the report folder")
    if any(_here(run.results) and _here(run.manifest) for run in record.runs.values()):
        packed = json.dumps(_packed(runs, tested), sort_keys=True, separators=(",", ":"))
        # mtime 0: the same runs give the same bytes.
        write_bytes_atomic(bundle, gzip.compress(packed.encode(), compresslevel=9, mtime=0))
    return runs


def bundled_runs(out_dir: Path) -> dict:
    """The runs the bundle beside a report holds ({} where there is none)."""
    bundle = Path(out_dir) / RUNS_BUNDLE
    return read_bundle(bundle) if bundle.exists() else {}
