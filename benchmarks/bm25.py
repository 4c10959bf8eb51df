"""BM25 throughput on the MLQA-R English pool, and what `clirbench run` adds over the library.

Measured in one process, one run:
  - index and search throughput of `bm25` (pyserini/Lucene) and `bm25s`, called directly
    (and the run scored with ir-measures, as a user of the bare library must);
  - the same work through clirbench's runner (`run_task` on the en-en pair, a fresh index
    cache, results and TREC run written): its time over the direct calls is the overhead.
    Target (benchmarks/expected/bm25.yaml, checked at the end): at most 1.20.

Needs the MLQA-R English file (CLIRBENCH_LOCAL_DATA or a download). Run: `make bench`, or
`python -m benchmarks.bm25 [--json FILE]`.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import check_expected, print_table, ratio, write_json
from clirbench.data import register_all
from clirbench.systems.bm25_lucene import LuceneBM25
from clirbench.systems.bm25s_retriever import Bm25sRetriever
from clirbench.eval.runner import run_task
from clirbench.tasks import load_task, select_pairs

import ir_datasets


def evaluate_direct(qrels, hits: dict[str, dict[str, float]]) -> None:
    """What a researcher calling the library must also do: score the run with ir-measures."""
    import ir_measures

    ir_measures.calc_aggregate([ir_measures.RR @ 10, ir_measures.nDCG @ 10, ir_measures.R @ 100, ir_measures.AP],
                               qrels, hits)


def direct_lucene(docs, queries, qrels, index_dir: Path) -> tuple[float, float]:
    """pyserini as its own docs show: LuceneIndexer, then LuceneSearcher.batch_search,
    then ir-measures on the run."""
    import json

    from clirbench.systems.lucene_jvm import ensure_jvm

    ensure_jvm()
    from pyserini.index.lucene import LuceneIndexer
    from pyserini.search.lucene import LuceneSearcher

    start = time.perf_counter()
    indexer = LuceneIndexer(args=["-index", str(index_dir), "-language", "en"], threads=2)
    indexer.add_batch_raw([json.dumps({"id": i, "contents": t}) for i, t in docs])
    indexer.close()
    indexed = time.perf_counter()
    searcher = LuceneSearcher(str(index_dir))
    searcher.set_bm25(0.9, 0.4)
    searcher.set_language("en")
    hits = searcher.batch_search([t for _, t in queries], [q for q, _ in queries], k=100, threads=2)
    evaluate_direct(qrels, {q: {h.docid: h.score for h in hs} for q, hs in hits.items()})
    return indexed - start, time.perf_counter() - indexed


def direct_bm25s(docs, queries, qrels) -> tuple[float, float]:
    """bm25s as its README shows: its own tokenizer with an English stemmer; then ir-measures."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    start = time.perf_counter()
    retriever = bm25s.BM25(k1=0.9, b=0.4, method="lucene")
    retriever.index(bm25s.tokenize([t for _, t in docs], stemmer=stemmer, show_progress=False), show_progress=False)
    indexed = time.perf_counter()
    found, scores = retriever.retrieve(bm25s.tokenize([t for _, t in queries], stemmer=stemmer, show_progress=False),
                                       k=100, show_progress=False)
    evaluate_direct(qrels, {q: {docs[d][0]: float(s) for d, s in zip(row, srow)}
                            for (q, _), row, srow in zip(queries, found, scores)})
    return indexed - start, time.perf_counter() - indexed


def through_clirbench(plugin, out: Path) -> float:
    spec = load_task("mlqa-r")
    start = time.perf_counter()
    run_task(spec, plugin, select_pairs(spec, ["en-en"]), out_dir=out / "results", cache_dir=out / "cache")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    register_all()
    ds = ir_datasets.load("clirbench/mlqa-r/en-en")
    docs = [(d.doc_id, d.text) for d in ds.docs_iter()]
    queries = [(q.query_id, q.text) for q in ds.queries_iter()]
    qrels = {}
    for r in ds.qrels_iter():
        qrels.setdefault(r.query_id, {})[r.doc_id] = r.relevance
    print(f"MLQA-R English pool: {len(docs)} sentences, {len(queries)} questions, top 100")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # bm25s first: once the JVM runs, its background threads share the two cores.
        # Best of five, the two sides alternating: warm-up and caches favour whoever runs later.
        plain, cb_plain, lucene, cb_lucene = [], [], [], []
        for i in range(5):
            plain.append(direct_bm25s(docs, queries, qrels))
            cb_plain.append(through_clirbench(Bm25sRetriever(), tmp / f"cb-bm25s{i}"))
        # Warm-up: start the JVM and load the jar once, so neither side pays for it.
        direct_lucene(docs[:100], queries[:10], qrels, tmp / "warm")
        for i in range(5):
            lucene.append(direct_lucene(docs, queries, qrels, tmp / f"lucene{i}"))
            cb_lucene.append(through_clirbench(LuceneBM25(), tmp / f"cb-lucene{i}"))
    rows = {}
    for name, direct, through in [("bm25 (pyserini)", lucene, cb_lucene), ("bm25s", plain, cb_plain)]:
        index_s, search_s = min(direct, key=sum)  # the peer: the library called directly, in this run
        rows[name] = {"index_docs_per_s": len(docs) / index_s, "search_queries_per_s": len(queries) / search_s,
                      "direct_seconds": index_s + search_s, "clirbench_seconds": min(through)}
        rows[name]["overhead"] = rows[name]["clirbench_seconds"] / rows[name]["direct_seconds"]
    print_table(rows, [("index docs/s", 13, lambda r: f"{r['index_docs_per_s']:,.0f}"),
                       ("search q/s", 11, lambda r: f"{r['search_queries_per_s']:,.0f}"),
                       ("direct s", 9, lambda r: f"{r['direct_seconds']:.2f}"),
                       ("clirbench s", 12, lambda r: f"{r['clirbench_seconds']:.2f}"),
                       ("overhead", 9, lambda r: ratio(r["overhead"]))], first="system", width=16)
    out = {"docs": len(docs), "queries": len(queries), "systems": rows,
           "worst_overhead": max(r["overhead"] for r in rows.values())}
    print(f"clirbench run / direct library calls: worst {ratio(out['worst_overhead'])}")
    check_expected("bm25", out)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
