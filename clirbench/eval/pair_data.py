"""A pair's data through ir_datasets: its collection, its judged queries and their qrels, with
errors that say which file to put where when the data is not here."""

import ir_datasets

from clirbench.core.errors import ClirbenchError
from clirbench.data.availability import describe_missing, missing_files, verify_dataset
from clirbench.tasks import PairSpec


def load_dataset(dataset_id: str, pair: PairSpec):
    """The dataset, its files that are here checked by MD5 on first use (clirbench.data.verify)."""
    try:
        dataset = ir_datasets.load(dataset_id)
    except KeyError:
        raise ClirbenchError(f"pair {pair.key}: ir_datasets has no dataset {dataset_id!r}",
                             "check the IDs in the task file (`ir_datasets list` shows them)") from None
    except Exception as e:  # building it needed a download (CLIRMatrix reads its index of files first)
        raise data_error(pair, e) from e
    try:
        verify_dataset(dataset_id)
    except ClirbenchError as e:
        raise ClirbenchError(f"pair {pair.key}: {e.message}", e.hint) from None
    return dataset


def data_error(pair: PairSpec, error: Exception) -> ClirbenchError:
    """`error`, raised while reading the pair's data, as an error that names the missing files."""
    if isinstance(error, ClirbenchError):
        return error
    missing = missing_files(pair.inputs())
    if missing:
        return ClirbenchError(f"pair {pair.key}: data is not available here ({type(error).__name__}: {error})",
                              "put these files where ir_datasets looks for them:\n" + describe_missing(missing))
    return ClirbenchError(f"pair {pair.key}: could not load data: {type(error).__name__}: {error}",
                          "check network access, or that the data files are complete")


def without_data(pairs: list[PairSpec]) -> dict[str, str]:
    """The pairs (of several) whose data files are not here, each with what is missing: a run
    over a whole task skips them when others can run, rather than stop at the first (AfriQA's
    bem, fon and twi files are not redistributed everywhere). None are skipped when none can
    run: those are then downloaded, or their error says which files to put where."""
    absent = {}
    for p in pairs:
        if missing := missing_files(p.inputs()):
            absent[p.key] = f"{len(missing)} data file(s) not here, e.g. {missing[0].path}"
    return {} if len(absent) == len(pairs) else absent


def pool_documents(pair: PairSpec):
    """(doc_id, text, language) of every document of a pool pair, language by language."""
    for lang, docs_id in pair.pool_docs.items():
        try:
            for doc in load_dataset(docs_id, pair).docs_iter():
                yield doc.doc_id, doc.default_text(), lang
        except ClirbenchError:
            raise
        except Exception as e:
            raise data_error(pair, e) from e


def judged_queries(pair: PairSpec, query_field: str | None) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    """(query id, text) of every query that has judgements, and the qrels of those queries."""
    try:
        qrels: dict[str, dict[str, int]] = {}
        for q in load_dataset(pair.qrels, pair).qrels_iter():
            qrels.setdefault(q.query_id, {})[q.doc_id] = q.relevance
        queries = [
            (q.query_id, getattr(q, query_field) if query_field else q.default_text())
            for q in load_dataset(pair.queries, pair).queries_iter()
            if q.query_id in qrels
        ]
    except ClirbenchError:
        raise
    except Exception as e:
        raise data_error(pair, e) from e
    judged = {qid for qid, _ in queries}
    return queries, {qid: rels for qid, rels in qrels.items() if qid in judged}


def sample_queries(queries: list[tuple[str, str]], qrels: dict[str, dict[str, int]], size: int | None):
    """The first `size` queries by a fixed hash of their ids (all where `size` is None): where
    ids are shared across pairs (FLORES-200's sentences), every pair keeps the same ones."""
    import hashlib

    if size is None or len(queries) <= size:
        return queries, qrels
    kept = sorted(queries, key=lambda q: (hashlib.sha256(q[0].encode()).hexdigest(), q[0]))[:size]
    ids = {qid for qid, _ in kept}
    return [q for q in queries if q[0] in ids], {qid: rels for qid, rels in qrels.items() if qid in ids}


def sample_label(size: int | None) -> str | None:
    """How a results file records a sample of queries (None: every judged query)."""
    return None if size is None else f"{size} queries, first by sha256 of the id"
