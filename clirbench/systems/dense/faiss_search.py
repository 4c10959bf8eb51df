"""Inner-product search over cached document vectors with faiss.

`flat` is exact (IndexFlatIP): the default, and right for collections up to a few million
vectors if memory allows (4 bytes per dimension per document).

`ivfpq` is approximate and compressed, for large collections (`ivfpq.py`: an inverted file
over product-quantised codes, trained on a sample, its candidates re-scored exactly from the
vectors on disk). `hnsw` is approximate over full vectors held in memory. Both are built once
and saved beside the vectors.
"""

from pathlib import Path

import numpy as np

from clirbench.systems.dense.ivfpq import IVFPQ_VERSION, RescoredIVFPQ, build_ivfpq
from clirbench.systems.dense.vector_store import read_doc_vectors, vector_chunks
from clirbench.core.errors import ClirbenchError

SEARCH_KINDS = ("flat", "ivfpq", "hnsw")
_HNSW_NEIGHBOURS = 32


def _faiss():
    try:
        import faiss
    except ImportError:
        raise ClirbenchError("dense search needs faiss", "run `make setup`, or `pip install 'clirbench[dense]'`") from None
    return faiss


def _build(kind: str, dim: int):
    faiss = _faiss()
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, _HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 200
    return index


def _doc_ids(folder: Path) -> list[str]:
    return [doc_id for chunk_ids, _ in read_doc_vectors(folder) for doc_id in chunk_ids]


def open_vector_index(folder: Path, kind: str, dim: int):
    """The faiss index of the vectors in `folder` and the document id of each row."""
    if kind not in SEARCH_KINDS:
        raise ClirbenchError(f"unknown search {kind!r}", f"use one of: {', '.join(SEARCH_KINDS)}")
    faiss = _faiss()
    ids: list[str] = []
    if kind == "ivfpq":
        ids = _doc_ids(folder)
        chunks = vector_chunks(folder)
        saved = folder / f"faiss-ivfpq-{IVFPQ_VERSION}.index"
        if not saved.exists():
            partial = saved.with_suffix(".partial")
            faiss.write_index(build_ivfpq(chunks, dim), str(partial))
            partial.replace(saved)
        return RescoredIVFPQ(faiss.read_index(str(saved)), chunks), ids
    saved = folder / f"faiss-{kind}{_HNSW_NEIGHBOURS}.index"
    if kind != "flat" and saved.exists():
        return faiss.read_index(str(saved)), _doc_ids(folder)
    index = _build(kind, dim)
    for chunk_ids, vectors in read_doc_vectors(folder):
        ids.extend(chunk_ids)
        index.add(np.ascontiguousarray(vectors))
    if kind != "flat":
        partial = saved.with_suffix(".partial")
        faiss.write_index(index, str(partial))
        partial.replace(saved)
    return index, ids


def search(index, doc_ids: list[str], query_ids: list[str], vectors: np.ndarray, k: int) -> dict[str, list[tuple[str, float]]]:
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(128, k)
    k = min(k, index.ntotal)
    if not query_ids or k == 0:
        return {qid: [] for qid in query_ids}
    scores, rows = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
    out = {}
    for qid, row, row_scores in zip(query_ids, rows.tolist(), scores.tolist()):
        out[qid] = [(doc_ids[r], s) for r, s in zip(row, row_scores) if r >= 0]  # -1: fewer hits than k
    return out
