"""Tiny CLIRMatrix and MIRACL files in the formats of the real downloads, placed under an
IR_DATASETS_HOME where ir_datasets looks for them, so that `ir_datasets.load(ID)` reads them
for real (no network, no mocks). They stand in for the official files (other MD5s): runs on
them need CLIRBENCH_VERIFY_DATA=0.

MIRACL (ir_datasets' `miracl/{lang}/...`): the paths are the `cache_path`s of ir_datasets'
own `etc/downloads.json` under `$IR_DATASETS_HOME/miracl/`:
    v1.0/{lang}/docs/docs-{i}.jsonl.gz  gzipped JSON lines {"docid", "title", "text"}
                                        (Telugu's corpus is two files; Yoruba's one file is
                                        cached as docs-1.jsonl.gz, as downloads.json says)
    v1.0/{lang}/dev/topics.tsv          query id <TAB> question
    v1.0/{lang}/dev/qrels.tsv           TREC qrels: query id, Q0, docid, 0/1

CLIRMatrix (ir_datasets' `clirmatrix/...`): ir_datasets first downloads CLIRMatrix's own index
of files, http://www.cs.jhu.edu/~shuosun/clirmatrix/data/downloads.json.gz, to
`$IR_DATASETS_HOME/clirmatrix/clirmatrix_downloads.json.gz`, and reads every other file's address
and cache path from it: `clirmatrix_docs` → `docs/{lang}` (a gzipped TSV, doc id <TAB> text) and
`clirmatrix_bi139_base` → `queries/{query lang}_{doc lang}/{split}` (gzipped JSON lines
{"src_id", "src_query", "tgt_results": [[doc id, grade 0-6], ...]}: one file holds a pair's
queries and qrels). The real index cannot be read here (its host is unreachable), so the index
written below is a stand-in in its structure, naming the real addresses (the layout of the JHU
site: DOCS/{lang}.tsv.gz, BI-139/base/{q}/{q}.{d}.{split}.base.jl.gz) and cache paths of our
choosing, which mirror those addresses under `clirmatrix/`. Whatever the real index says,
ir_datasets (and clirbench.data.availability, which reads the same index) takes the paths from it.
"""

import gzip
import hashlib
import json
from pathlib import Path

# ---- MIRACL ----------------------------------------------------------------------------------

MIRACL_DOCS = {
    # Swahili passages, ids as MIRACL writes them: Wikipedia article id # passage number.
    "sw": [[
        {"docid": "100#0", "title": "Nairobi", "text": "Nairobi ni mji mkuu wa Kenya."},
        {"docid": "100#1", "title": "Nairobi", "text": "Mji una wakazi wengi."},
        {"docid": "200#0", "title": "Kilimanjaro", "text": "Mlima Kilimanjaro ni mlima mrefu kuliko yote barani Afrika."},
        {"docid": "300#0", "title": "Ziwa Viktoria", "text": "Ziwa Viktoria ni ziwa kubwa la Afrika."},
    ]],
    # Telugu: two corpus files, as the real corpus has; the relevant passage is in the second.
    "te": [
        [{"docid": "10#0", "title": "హైదరాబాదు", "text": "హైదరాబాదు తెలంగాణ రాజధాని."}],
        [{"docid": "20#0", "title": "గోదావరి", "text": "గోదావరి పెద్ద నది."}],
    ],
}
MIRACL_TOPICS = {
    "sw": [("1", "Mlima Kilimanjaro uko wapi?"),
           ("2", "Mji mkuu wa Kenya ni upi?"),
           # "Nairobi" (twice), "ni" and "wa" put 100#0 first; the relevant passage, 100#1, second.
           ("3", "Wakazi wa Nairobi ni wangapi?"),
           ("4", "Swali lisilo na jibu")],  # not judged: not evaluated
    "te": [("5", "గోదావరి")],
}
MIRACL_QRELS = {
    "sw": [("1", "200#0", 1), ("1", "300#0", 0), ("2", "100#0", 1), ("3", "100#1", 1), ("3", "100#0", 0)],
    "te": [("5", "20#0", 1), ("5", "10#0", 0)],
}


def miracl_paths(lang: str) -> dict[str, str]:
    """Where ir_datasets reads `miracl/{lang}/dev`, relative to IR_DATASETS_HOME."""
    corpus = len(MIRACL_DOCS[lang])
    return {
        **{f"docs-{i}": f"miracl/v1.0/{lang}/docs/docs-{i}.jsonl.gz" for i in range(corpus)},
        "topics": f"miracl/v1.0/{lang}/dev/topics.tsv",
        "qrels": f"miracl/v1.0/{lang}/dev/qrels.tsv",
    }


def place_miracl(home: Path, langs=("sw", "te")) -> list[Path]:
    written = []
    for lang in langs:
        paths = miracl_paths(lang)
        for i, passages in enumerate(MIRACL_DOCS[lang]):
            lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages)
            written.append(_write(home / paths[f"docs-{i}"], gzip.compress(lines.encode("utf-8"))))
        topics = "".join(f"{qid}\t{text}\n" for qid, text in MIRACL_TOPICS[lang])
        written.append(_write(home / paths["topics"], topics.encode("utf-8")))
        qrels = "".join(f"{qid}\tQ0\t{docid}\t{rel}\n" for qid, docid, rel in MIRACL_QRELS[lang])
        written.append(_write(home / paths["qrels"], qrels.encode("utf-8")))
    return written


# ---- CLIRMatrix ------------------------------------------------------------------------------

CLIRMATRIX_SITE = "https://www.cs.jhu.edu/~shuosun/clirmatrix/data/"
CLIRMATRIX_INDEX = "clirmatrix/clirmatrix_downloads.json.gz"  # relative to IR_DATASETS_HOME
CLIRMATRIX_INDEX_URL = "http://www.cs.jhu.edu/~shuosun/clirmatrix/data/downloads.json.gz"

CLIRMATRIX_DOCS = {
    "sw": [("5001", "Nairobi Nairobi ni mji mkuu wa Kenya na mji mkubwa wa nchi."),
           ("5002", "Kenya Kenya ni nchi ya Afrika ya Mashariki. Mji mkuu wake ni Nairobi, na lugha zake ni Kiswahili na Kiingereza."),
           ("5003", "Kilimanjaro Mlima Kilimanjaro uko Tanzania."),
           ("5004", "Lagos Lagos ni mji wa Nigeria.")],
    "en": [("9001", "Mount Kilimanjaro Mount Kilimanjaro is a dormant volcano in Tanzania."),
           ("9002", "Nairobi Nairobi is the capital and largest city of Kenya."),
           ("9003", "Indian Ocean The Indian Ocean is the third-largest ocean.")],
}
# (query lang, doc lang) -> [(query id, query, [[doc id, grade], ...])]; ids are Wikipedia page
# ids of the query's language, and every query has judged articles of grade 0 too.
CLIRMATRIX_PAIRS = {
    ("en", "sw"): [
        # "Nairobi" is in 5001 and 5002; 5001 is shorter, so BM25 ranks it first. The better
        # graded article, 5002, comes second.
        ("21", "Nairobi", [["5002", 6], ["5001", 2], ["5004", 0]]),
        ("22", "Kilimanjaro", [["5003", 5], ["5001", 0]]),
    ],
    ("sw", "en"): [
        ("31", "Mlima Kilimanjaro", [["9001", 6], ["9003", 0]]),
        ("32", "Bahari Hindi", [["9003", 4], ["9002", 0]]),  # shares no word with the English articles
    ],
}


def clirmatrix_docs_key(lang: str) -> str:
    return f"docs/{lang}"


def clirmatrix_pair_key(q: str, d: str, split: str = "test1") -> str:
    return f"queries/{q}_{d}/{split}"


def clirmatrix_docs_path(lang: str) -> str:
    return f"clirmatrix/DOCS/{lang}.tsv.gz"


def clirmatrix_pair_path(q: str, d: str, split: str = "test1") -> str:
    return f"clirmatrix/BI-139/base/{q}/{q}.{d}.{split}.base.jl.gz"


def _entry(home: Path, path: str, url: str) -> dict:
    target = home / path
    entry = {"url": url, "cache_path": str(Path(path).relative_to("clirmatrix"))}
    if target.exists():
        entry["expected_md5"] = hashlib.md5(target.read_bytes()).hexdigest()
    return entry


# Every pair of clirbench/tasks/clirmatrix.yaml: the stand-in index names them all, as the real
# one does, so that a pair whose files are not here is reported missing, not unknown.
CLIRMATRIX_TASK_PAIRS = [("en", d) for d in ("sw", "yo", "am", "te")] + [(q, "en") for q in ("sw", "yo", "am", "te")]


def place_clirmatrix_index(home: Path, pairs=CLIRMATRIX_TASK_PAIRS, split: str = "test1") -> Path:
    """The stand-in index: it names the files of `pairs` and of their collections (with the MD5
    of each file that is already here)."""
    index = {
        "clirmatrix_docs": {clirmatrix_docs_key(d): _entry(home, clirmatrix_docs_path(d), f"{CLIRMATRIX_SITE}DOCS/{d}.tsv.gz")
                            for d in sorted({d for _, d in pairs})},
        "clirmatrix_bi139_base": {
            clirmatrix_pair_key(q, d, split): _entry(home, clirmatrix_pair_path(q, d, split),
                                                     f"{CLIRMATRIX_SITE}BI-139/base/{q}/{q}.{d}.{split}.base.jl.gz")
            for q, d in pairs},
    }
    return _write(home / CLIRMATRIX_INDEX, gzip.compress(json.dumps(index).encode("utf-8")))


def place_clirmatrix(home: Path, pairs=(("en", "sw"), ("sw", "en")), split: str = "test1") -> list[Path]:
    """The data files of `pairs` (of CLIRMATRIX_PAIRS), then the index of every pair of the task."""
    written = []
    for d in sorted({d for _, d in pairs}):
        tsv = "".join(f"{doc_id}\t{text}\n" for doc_id, text in CLIRMATRIX_DOCS[d])
        written.append(_write(home / clirmatrix_docs_path(d), gzip.compress(tsv.encode("utf-8"))))
    for q, d in pairs:
        lines = "".join(json.dumps({"src_id": qid, "src_query": text, "tgt_results": results}, ensure_ascii=False) + "\n"
                        for qid, text, results in CLIRMATRIX_PAIRS[(q, d)])
        written.append(_write(home / clirmatrix_pair_path(q, d, split), gzip.compress(lines.encode("utf-8"))))
    written.append(place_clirmatrix_index(home, split=split))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
