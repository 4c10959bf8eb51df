"""`clirbench.data.availability` names exactly the files ir_datasets reads, with the addresses
ir_datasets downloads them from: nothing of ir_datasets' layout is restated, so the two cannot drift.

For each official ID, in a fresh interpreter under a private IR_DATASETS_HOME (ir_datasets fixes its
paths when imported) and with the network closed: tiny files placed at exactly the paths that
`required_files` reports load through ir_datasets (enough), and with any one of them taken away
the load fails (each is needed)."""

import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clirbench.data.availability import RequiredFile, describe_missing, missing_files, required_files

OFFICIAL = ["wikiclir/sw", "mmarco/v2/hi/dev/small", "mmarco/v2/hi", "msmarco-passage/dev/small", "msmarco-passage"]

# The layout DESIGN documents (and tests/test_official_ids.py uses), relative to IR_DATASETS_HOME.
DOCUMENTED = {
    "wikiclir/sw": {"wikiclir/source/wiki-clir/english/wiki_en.queries",
                    "wikiclir/source/wiki-clir/swahili/wiki_sw.documents",
                    "wikiclir/source/wiki-clir/swahili/en2sw.rel"},
    "mmarco/v2/hi/dev/small": {"mmarco/v2/hindi_collection.tsv", "mmarco/v2/hindi.queries.dev.tsv",
                               "mmarco/qrels.dev.small.tsv"},
    "msmarco-passage/dev/small": {"msmarco-passage/collection.tsv", "msmarco-passage/irds_version.txt",
                                  "msmarco-passage/dev/small/queries.tsv", "msmarco-passage/dev/small/qrels"},
}

# Run in a fresh interpreter: writes tiny files at the required paths, then checks, each check in
# a forked child (ir_datasets keeps state, such as a Migrator's "already checked", per process).
_PROBE = textwrap.dedent(r'''
    import json, os, re, sys
    from pathlib import Path
    import ir_datasets
    from clirbench.data.availability import _handler, required_files

    dataset_id = sys.argv[1]
    dataset = ir_datasets.registry[dataset_id]
    kinds = [k for k in ("docs", "queries", "qrels") if _handler(dataset, k) is not None]
    files = required_files(dataset_id)
    by_kind = {k: {f.path for f in required_files(dataset_id, (k,))} for k in kinds}

    def fields(kind):
        handler = _handler(dataset, kind)
        handler = vars(handler).get("_wrapped", handler)  # not through a Migrator: that would migrate
        return len(getattr(handler, f"{kind}_cls")()._fields)

    def content(f):
        version = re.search(r"holding `([^`]+)`", f.source)
        if version:
            return version.group(1)
        if f.path in by_kind.get("qrels", ()):
            return "q1 d1 1\n" if getattr(_handler(dataset, "qrels"), "_format_3col", False) else "q1 0 d1 1\n"
        if f.path in by_kind.get("docs", ()):
            return "\t".join(["d1"] + ["word"] * (fields("docs") - 1)) + "\n"
        return "\t".join(["q1"] + ["word"] * (fields("queries") - 1)) + "\n"

    def load_in_child():
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for kind in kinds:
                    if sum(1 for _ in getattr(dataset, f"{kind}_iter")()) != 1:
                        code = 3
            except BaseException:
                code = 1
            os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    texts = {f.path: content(f) for f in files}
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report = {"kinds": kinds, "files": [str(f.path) for f in files], "all_present": load_in_child(), "without": {}}
    for path, text in texts.items():
        path.unlink()
        report["without"][str(path)] = load_in_child()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")  # a Migrator may have deleted others; put all back
        for p, t in texts.items():
            if not p.exists():
                p.write_text(t, encoding="utf-8")
    print(json.dumps(report))
''')


def _download_urls() -> set[str]:
    """Every address in ir_datasets' own download table."""
    urls = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                urls.add(node["url"])
            for value in node.values():
                walk(value)

    walk(json.loads(pkgutil.get_data("ir_datasets", "etc/downloads.json")))
    return urls


def _probe(dataset_id: str, home: Path) -> dict:
    env = {**os.environ, "IR_DATASETS_HOME": str(home), "IR_DATASETS_DL_TRIES": "1", "IR_DATASETS_DL_403_TRIES": "1",
           # A closed local port as proxy: downloads fail at once, as they do offline.
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    proc = subprocess.run([sys.executable, "-c", _PROBE, dataset_id], env=env, capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("dataset_id", OFFICIAL)
def test_urls_are_those_of_ir_datasets(dataset_id):
    urls = _download_urls()
    files = required_files(dataset_id)
    assert files
    for f in files:
        if f.path.name == "irds_version.txt":  # written by ir_datasets, not downloaded
            assert f.url is None and "`v2`" in f.source
            continue
        assert f.url in urls, f"{f.url} ({f.path}) is not in ir_datasets' downloads.json"
        assert f.source.startswith(f.url)


@pytest.mark.parametrize("dataset_id", OFFICIAL)
def test_paths_are_exactly_those_ir_datasets_reads(dataset_id, tmp_path):
    home = tmp_path / "ir_datasets"
    report = _probe(dataset_id, home)
    files = [Path(p) for p in report["files"]]
    assert files and all(p.is_relative_to(home) for p in files)
    if dataset_id in DOCUMENTED:
        assert {p.relative_to(home).as_posix() for p in files} == DOCUMENTED[dataset_id]
    # Enough: with these files alone, ir_datasets reads every kind of data of the dataset offline.
    assert report["all_present"] == 0, report
    # Each needed: without any one of them, it does not.
    assert report["without"] and all(code != 0 for code in report["without"].values()), report


def test_kinds_and_pairs_of_id_and_kind():
    # The English queries and qrels of MS MARCO dev/small are read without its collection.
    queries = {f.path.name for f in required_files("msmarco-passage/dev/small", ("queries",))}
    assert queries == {"queries.tsv"}
    assert "collection.tsv" in {f.path.name for f in required_files("msmarco-passage/dev/small")}
    # WikiCLIR's queries are those its qrels judge: their file is needed for the queries too.
    assert {f.path.name for f in required_files("wikiclir/sw", ("queries",))} == {"wiki_en.queries", "en2sw.rel"}
    names = {f.path.name for f in missing_files([("msmarco-passage/dev/small", "qrels"), ("mmarco/v2/hi", "docs")])}
    assert names <= {"qrels", "hindi_collection.tsv"}


def test_lareqa_and_unknown_ids():
    assert required_files("no-such/dataset") == []
    pool = required_files("clirbench/mlqa-r/en-multi")
    assert sorted(f.path.name for f in pool) == sorted(f"{lang}.json" for lang in ("ar", "de", "en", "es", "hi", "vi", "zh"))
    assert all(f.url and f.url.startswith("https://raw.githubusercontent.com/") for f in pool)


def test_describe_missing():
    text = describe_missing([RequiredFile(Path("/x/a.tsv"), "https://example.org/a.tsv")])
    assert "/x/a.tsv\n      from https://example.org/a.tsv" in text and "IR_DATASETS_HOME" in text
