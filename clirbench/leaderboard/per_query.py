"""What a researcher looks at after a low score: per query of a pair, the query's text, its gold
document and the system's top hit, from the pair's TREC run file (beside the results file) and
the task's data through ir_datasets (clirbench.eval.pair_data: the same queries and qrels the
run was scored on). Nothing here imports a plugin."""

from pathlib import Path

import pandas as pd

from clirbench.core.errors import ClirbenchError
from clirbench.eval.pair_data import data_error, judged_queries, load_dataset
from clirbench.eval.results import ResultsFile
from clirbench.eval.trec import read_run
from clirbench.tasks import TaskSpec

COLUMNS = ["query id", "value", "query", "gold document", "gold text", "top hit", "top hit text", "top hit relevant"]
TEXT_LIMIT = 300  # characters of a text shown


def _short(text: str | None) -> str:
    if text is None:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"


def _documents(dataset_id: str, pair, ids: set[str]) -> dict[str, str]:
    """The texts of `ids`, reading the collection once and stopping when all are found. Not
    through ir_datasets' docs store: for a collection of local files it builds one beside them
    (inside the package's data, for the toy task); a viewer writes nothing."""
    found: dict[str, str] = {}
    try:
        for doc in load_dataset(dataset_id, pair).docs_iter():
            if doc.doc_id in ids:
                found[doc.doc_id] = doc.default_text()
                if len(found) == len(ids):
                    break
    except ClirbenchError:
        raise
    except Exception as e:
        raise data_error(pair, e) from e
    return found


def query_view(results: ResultsFile, results_path: Path, spec: TaskSpec, pair_key: str, metric: str,
               limit: int | None = None) -> pd.DataFrame:
    """One row per scored query of `pair_key`, worst `metric` first (the first `limit`): its value,
    text, a gold document (the most relevant, then by id) and its text, the top hit and its text,
    and whether the top hit is judged relevant. Raises ClirbenchError (which file to put where)
    when the run file or the task's data is not here."""
    pair = results.pairs[pair_key]
    specs = {p.key: p for p in spec.pairs()}
    if pair_key not in specs:
        raise ClirbenchError(f"pair {pair_key} is no pair of the task {spec.name} as defined here",
                             "the results file was written with another task file")
    pair_spec = specs[pair_key]
    run_path = Path(results_path).parent / pair.run_file
    if not run_path.exists():
        raise ClirbenchError(f"no run file {run_path}", "rerun the system on that pair to write it")
    values = pair.per_query.get(metric, {})
    order = sorted(values, key=lambda q: (values[q], q))[:limit]
    run = read_run(run_path)
    queries, qrels = judged_queries(pair_spec, spec.query_field)
    texts = dict(queries)
    gold = {q: max(sorted(qrels.get(q, {})), key=lambda d: qrels[q][d]) if qrels.get(q) else None for q in order}
    top = {q: run[q][0][0] if run.get(q) else None for q in order}
    wanted = {d for d in [*gold.values(), *top.values()] if d}
    docs = _documents(pair_spec.docs, pair_spec, wanted) if wanted else {}
    rows = [{"query id": q, "value": values[q], "query": _short(texts.get(q)), "gold document": gold[q],
             "gold text": _short(docs.get(gold[q])), "top hit": top[q], "top hit text": _short(docs.get(top[q])),
             "top hit relevant": bool(top[q] and qrels.get(q, {}).get(top[q], 0) > 0)} for q in order]
    return pd.DataFrame(rows, columns=COLUMNS)
