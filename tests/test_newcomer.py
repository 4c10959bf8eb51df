"""A newcomer's path (issue 13): an encoder and a retriever written from the docs alone, kept
outside the repository, checked, run, and put on the leaderboard; each step that stopped them."""

import csv
import io
import json
from pathlib import Path

from conftest import REPO, read_results

GOOD_ENCODER = """
import numpy as np
from clirbench.core.contract import Encoder


class Letters(Encoder):
    batch_size = 4

    def _vectors(self, texts):
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)

    def encode_queries(self, texts, lang):
        return self._vectors(texts)

    def encode_documents(self, texts, lang):
        return self._vectors(texts)
"""

# float64 (what numpy gives by default) and a NaN row: `clirbench models` cannot see either.
BROKEN_ENCODER = GOOD_ENCODER.replace("dtype=np.float32", "").replace(
    "        return out / np.maximum", "        out[0, 0] = float('nan')\n        return out / np.maximum")

GOOD_RETRIEVER = """
import json
from clirbench.core.contract import Retriever, SearchIndex


class Overlap(SearchIndex):
    def __init__(self, docs, scale):
        self.docs, self.scale = docs, scale

    def search(self, queries, query_lang, k):
        out = {}
        for qid, text in queries:
            words = set(text.lower().split())
            hits = [(doc_id, self.scale * len(words & set(doc.lower().split()))) for doc_id, doc in self.docs.items()]
            out[qid] = sorted(hits, key=lambda h: -h[1])[:k]
        return out


class WordOverlap(Retriever):
    def __init__(self, scale=1.0):
        self.scale = scale

    def build_index(self, docs, doc_lang, index_dir):
        (index_dir / "docs.json").write_text(json.dumps(dict(docs)))

    def open_index(self, index_dir, doc_lang):
        return Overlap(json.loads((index_dir / "docs.json").read_text()), self.scale)
"""

# Scores as strings, and a document it never indexed.
BROKEN_RETRIEVER = GOOD_RETRIEVER.replace(
    "out[qid] = sorted(hits, key=lambda h: -h[1])[:k]",
    "out[qid] = [(d, str(s)) for d, s in hits[:k - 1]] + [('no-such-doc', 1.0)]")


def _submission(root: Path, name: str, code: str, cls: str, extra: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text(f"name: {name}\nplugin: plugin.py:{cls}\ndescription: {name} by a newcomer\n"
                                            f"num_parameters: 0\ntraining_data: []\n{extra}")
    (folder / "plugin.py").write_text(code)
    return folder


def _flat(text: str) -> str:
    return " ".join(text.split())


def _models_table(listing: str) -> dict[str, tuple[str, str]]:
    """`clirbench models`' table: name -> (kind, from), cells folded over lines joined."""
    rows: dict[str, list[str]] = {}
    name = None
    for line in listing.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) != 4:
            continue
        name = cells[0] or name
        kind, origin = rows.setdefault(name, ["", ""])
        rows[name] = [kind + cells[1], origin + cells[2]]
    return {n: (k, o) for n, (k, o) in rows.items()}


def test_a_submission_outside_the_repo_runs_by_path_and_by_name(cli, tmp_path):
    elsewhere = tmp_path / "my-work"
    folder = _submission(elsewhere, "letters", GOOD_ENCODER, "Letters")
    # By path: no variable, no copy into the repository.
    proc = cli("run", "--system", str(folder), "--task", "toy", "--pairs", "en-sw,sw-en")
    results = read_results(tmp_path / "results/toy/letters/results.json")
    assert results["model"]["name"] == "letters"
    assert results["model"]["num_parameters"] == 0  # 0 is a value, not "unknown" (was saved as null)
    # Timing: the encoding is reported apart from the index and search seconds it is part of.
    first = results["pairs"]["en-sw"]["seconds"]
    assert {"index", "search", "encoding documents", "encoding queries"} <= set(first)
    assert first["encoding documents"] <= first["index"] and first["encoding queries"] <= first["search"]
    log = _flat(proc.stderr)
    assert "en-sw: RR@10" in log and "of these encoding documents" in log and "encoding queries" in log

    # By name: the variable ADDS folders; the repository's submissions stay.
    other = tmp_path / "more"
    _submission(other, "overlap", GOOD_RETRIEVER, "WordOverlap")
    extra = {"CLIRBENCH_SUBMISSIONS_DIR": f"{elsewhere}:{other}"}
    listing = cli("models", extra_env=extra).stdout
    rows = _models_table(listing)
    assert rows["hashed-ngrams"][1] == "submissions/"
    assert rows["letters"] == ("encoder", str(elsewhere)) and rows["overlap"] == ("retriever", str(other))
    cli("run", "--system", "overlap", "--task", "toy", "--pairs", "en-en", "--out", str(other / "overlap/results"),
        extra_env=extra)


def test_the_variable_does_not_move_the_leaderboards_results_folder(tmp_path, monkeypatch):
    from clirbench.leaderboard.collect import default_roots
    from clirbench.systems.registry import available_models

    subs = tmp_path / "subs"
    _submission(subs, "letters", GOOD_ENCODER, "Letters")
    (subs / "letters/results").mkdir()
    monkeypatch.delenv("CLIRBENCH_RESULTS", raising=False)
    monkeypatch.setenv("CLIRBENCH_SUBMISSIONS_DIR", str(subs))
    roots = default_roots()
    # Where `clirbench run` writes unless told (issue 29: one rule for run, show and the board);
    # the variable once moved it to tmp_path/results.
    assert roots[0] == Path("results")
    assert subs.resolve() / "letters/results" in roots
    assert {"hashed-ngrams", "letters"} <= set(available_models())


def test_num_parameters_zero_is_kept(tmp_path, monkeypatch):
    from clirbench.systems.submissions import load_submission

    folder = _submission(tmp_path, "zero", GOOD_ENCODER, "Letters", extra="embedding_dim: 26\n")
    meta = load_submission(str(folder)).meta
    assert meta.num_parameters == 0 and meta.embedding_dim == 26


def test_module_attr_without_meta_is_a_clear_error(cli, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "nometa.py").write_text(GOOD_ENCODER)
    proc = cli("run", "--system", "nometa:Letters", "--task", "toy", "--pairs", "en-sw",
               extra_env={"PYTHONPATH": str(mods)}, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    err = _flat(proc.stderr)
    assert "has no `meta`" in err and 'SystemMeta(name="my-system", kind="encoder")' in err


def test_check_passes_good_plugins_and_lists_what_breaks_the_contract(cli, tmp_path):
    subs = tmp_path / "subs"
    good = _submission(subs, "letters", GOOD_ENCODER, "Letters")
    proc = cli("check", str(good))
    assert "no problems" in proc.stdout and "encode_queries" in proc.stdout and "float32" in proc.stdout
    assert "letters by a newcomer" in proc.stdout  # its metadata is printed

    broken = _submission(subs, "broken", BROKEN_ENCODER, "Letters")
    listing = cli("models", extra_env={"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}).stdout
    assert "broken" in listing  # listed from its files, as an encoder: only running it tells
    proc = cli("check", "broken", extra_env={"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}, check=False)
    assert proc.returncode == 2, proc.stdout
    out = _flat(proc.stdout)
    assert "broken.encode_queries returned float64 vectors" in out and "broken.encode_documents returned float64" in out
    assert "NaN or infinite values" in out
    assert "(fix: return `vectors.astype(np.float32)` from encode_queries)" in out
    assert "broken: 4 problem(s), listed above" in proc.stderr

    retriever = _submission(subs, "overlap", GOOD_RETRIEVER, "WordOverlap")
    proc = cli("check", str(retriever))
    assert "build_index: 8 sw documents" in _flat(proc.stdout) and "no problems" in proc.stdout
    bad = _submission(subs, "badrank", BROKEN_RETRIEVER, "WordOverlap")
    proc = cli("check", str(bad), check=False)
    out = _flat(proc.stdout)
    assert proc.returncode == 2
    assert "is a str ('" in out and "not a number (return float(score))" in out and "(5 of 5 rankings)" in out
    assert "'no-such-doc', which is not a document it indexed" in out

    assert "no problems" in cli("check", "hashed-ngrams").stdout


def test_leaderboard_baseline_and_common_pairs(cli, tmp_path):
    folder = _submission(tmp_path / "subs", "letters", GOOD_ENCODER, "Letters")
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-en,en-sw,sw-en,de-en")
    cli("run", "--system", str(folder), "--task", "toy", "--pairs", "en-en,en-sw,sw-en")
    cli("run", "--system", "hashed-ngrams", "--task", "toy", "--pairs", "en-en,en-sw,sw-en,sw-sw")

    proc = cli("leaderboard", "--task", "toy", "--results", "results", "--baseline", "bm25s")
    out = _flat(proc.stdout)
    assert "difference from bm25s" in out and "Benjamini-Hochberg" in out
    assert "letters" in out.split("difference from bm25s")[1]

    table = cli("leaderboard", "--task", "toy", "--results", "results", "--format", "csv").stdout
    counts = {row["system"]: row["pairs"] for row in csv.DictReader(io.StringIO(table))}
    assert counts == {"bm25s": "4", "letters": "3", "hashed-ngrams": "4"}
    common = cli("leaderboard", "--task", "toy", "--results", "results", "--format", "csv", "--common-pairs")
    rows = list(csv.DictReader(io.StringIO(common.stdout)))
    assert {row["pairs"] for row in rows} == {"3"}
    assert {c for c in rows[0] if "-" in c and c != "avg cross-lingual"} == {"en-en", "en-sw", "sw-en"}
    assert "3 pair(s) that all 3 systems ran" in common.stderr

    detail = cli("leaderboard", "--task", "toy", "--results", "results", "--format", "csv", "--baseline", "bm25s",
                 "--common-pairs").stdout
    rows = list(csv.DictReader(io.StringIO(detail)))
    assert {row["system"] for row in rows} == {"letters", "hashed-ngrams"}
    assert {"diff", "p", "p_adjusted", "significant", "95% CI low"} <= set(rows[0])
    assert "de-en" not in {row["column"] for row in rows}

    proc = cli("leaderboard", "--task", "toy", "--results", "results", "--baseline", "nope", check=False)
    assert proc.returncode == 2 and "baseline 'nope' has no results" in proc.stderr and "bm25s" in proc.stderr


def test_settings_paths_and_hints(cli, tmp_path):
    from tiny_models import build_tiny_xlmr

    home = tmp_path / "home"
    build_tiny_xlmr(home / "models/tiny")
    settings = tmp_path / "tiny.yaml"
    settings.write_text("model: ~/models/tiny\nname: tiny\nprecision: float32\n")
    proc = cli("check", str(settings), extra_env={"HOME": str(home)})
    assert "no problems" in proc.stdout and str(home / "models/tiny") in proc.stdout

    missing = tmp_path / "missing.yaml"
    missing.write_text("model: /no/such/model-folder\n")
    proc = cli("run", "--system", str(missing), "--task", "toy", check=False)
    assert proc.returncode == 2 and "hf:/" not in proc.stderr and "there is no folder /no/such/model-folder" in proc.stderr
    prefixed = tmp_path / "prefixed.yaml"
    prefixed.write_text(f"model: hf:{home / 'models/tiny'}\n")
    proc = cli("run", "--system", str(prefixed), "--task", "toy", check=False)
    err = _flat(proc.stderr)
    assert proc.returncode == 2 and "the hf: prefix is for --system on the command line only" in err
    assert f"model: {home / 'models/tiny'}" in err

    from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings

    encoder = HFEncoder.__new__(HFEncoder)
    encoder.settings = HFEncoderSettings(model="some/hub-model")
    encoder.settings._settings_file = "mine.yaml"
    hint = encoder._load_error("some/hub-model", OSError("offline")).hint
    assert "set `model:` in mine.yaml to a local folder (a plain path)" in hint and "hf:" not in hint

    proc = cli("show", "--system", "letters", "--task", "toy", check=False)
    assert proc.returncode == 2 and "--out" in proc.stderr


def test_cache_variable_moves_the_models_folder(monkeypatch, tmp_path):
    from clirbench.core.paths import models_dir

    monkeypatch.delenv("CLIRBENCH_MODELS", raising=False)
    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))
    assert models_dir() == tmp_path / "cache/models"
    assert "moving the cache moves the models too" in (REPO / "docs/commands.md").read_text()
    assert "CLIRBENCH_SUBMISSIONS_DIR" in (REPO / "README.md").read_text()
