"""Bad input ends in one clear error (exit status 2, `error: <what, naming the file or field>`
and `fix: <what to do>`), never a Python traceback (issue 13). One test per defect, each run
through the real command."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import one_line_error, read_results

TOY = Path(__file__).resolve().parent.parent / "clirbench" / "tasks" / "toy.yaml"
NOT_UTF8 = "save it as UTF-8 (e.g. `iconv -f <its encoding> -t utf-8`)"




def _toy_variant(folder: Path, old: str, new: str) -> str:
    """A copy of the toy task with `old` replaced by `new`, at <folder>/toy.yaml; returns that path."""
    text = TOY.read_text(encoding="utf-8")
    assert old in text
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "toy.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return f"{folder.name}/toy.yaml"


@pytest.fixture(scope="module")
def toy_results(tmp_path_factory, env_module):
    """Results of bm25s and of bm25s with k1=1.2 (named bm25s-k12) on toy en-en and en-sw, made once."""
    root = tmp_path_factory.mktemp("toy-results")
    (root / "k12.yaml").write_text("system: bm25s\nname: bm25s-k12\nsettings: {k1: 1.2}\n")
    for model in ["bm25s", "k12.yaml"]:
        subprocess.run([sys.executable, "-m", "clirbench.cli", "run", "--system", model, "--task", "toy",
                        "--pairs", "en-en,en-sw", "--out", "out"], cwd=root, env=env_module, check=True,
                       capture_output=True, timeout=600)
    return root / "out"


@pytest.fixture(scope="module")
def env_module(tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("home")
    return {**os.environ, "IR_DATASETS_HOME": str(home / "ir_datasets"), "CLIRBENCH_CACHE": str(home / "cache")}


@pytest.fixture
def out(toy_results, tmp_path):
    """A private copy of the toy results, at ./out of the test's folder."""
    shutil.copytree(toy_results, tmp_path / "out")
    return tmp_path / "out"


# Files that are not UTF-8.

def test_task_file_not_utf8(cli, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "toy.yaml").write_bytes(b"name: toy\ndescription: caf\xe9\n")
    error, fix = one_line_error(cli("tasks", "bad/toy.yaml", check=False))
    assert error == "error: bad/toy.yaml: task definition is not UTF-8 text (byte 0xe9 at line 2)"
    assert fix == f"fix: {NOT_UTF8}"


def test_encoder_settings_file_not_utf8(cli, tmp_path):
    (tmp_path / "enc.yaml").write_bytes(b"model: caf\xe9\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "enc.yaml", check=False))
    assert error == "error: enc.yaml: settings file is not UTF-8 text (byte 0xe9 at line 1)"
    assert fix == f"fix: {NOT_UTF8}"


def test_submission_file_not_utf8_is_listed_as_broken(cli, tmp_path):
    folder = tmp_path / "subs" / "latin"
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_bytes(b"name: latin\ndescription: caf\xe9\n")
    env = {"CLIRBENCH_SUBMISSIONS_DIR": "subs"}
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "latin", check=False, extra_env=env))
    assert error == "error: subs/latin/submission.yaml: submission file is not UTF-8 text (byte 0xe9 at line 2)"
    assert fix == f"fix: {NOT_UTF8}"
    # The listing goes on: the broken submission is shown as not ready, with the reason.
    listing = cli("models", extra_env=env)
    row = next(line for line in listing.stdout.splitlines() if "│ latin " in line)
    assert "not ready" in row and "subs/latin/submission.yaml: submission file is not UTF-8 text" in row
    assert "│ bm25s " in listing.stdout


def test_results_file_not_utf8(cli, out):
    (out / "toy" / "bm25s" / "results.json").write_bytes(b'{"task": "caf\xe9"}')
    error, fix = one_line_error(cli("show", "--task", "toy", "--system", "bm25s", "--out", "out", check=False))
    assert error == "error: out/toy/bm25s/results.json: results file is not UTF-8 text (byte 0xe9 at line 1)"
    assert fix == "fix: delete the file or rerun with --force"
    # The leaderboard skips it, with a warning, and shows the others.
    board = cli("leaderboard", "--task", "toy", "--results", "out")
    assert ("warning: out/toy/bm25s/results.json: skipped, not readable JSON: results file is not UTF-8 text "
            "(byte 0xe9 at line 1)") in board.stderr
    assert "bm25s-k12" in board.stdout


def test_run_file_not_utf8(cli, out):
    (out / "toy" / "bm25s" / "runs" / "en-en.trec").write_bytes(b"t1 Q0 caf\xe9 1 1.0 bm25s\n")
    error, fix = one_line_error(cli("fuse", "--task", "toy", "--systems", "bm25s", "bm25s-k12", "--out", "out", check=False))
    assert error == "error: out/toy/bm25s/runs/en-en.trec: TREC run is not UTF-8 text (byte 0xe9 at line 1)"
    assert fix == "fix: rerun the system on that pair with --force"


# Task files.

def test_task_with_no_metrics(cli, tmp_path):
    task = _toy_variant(tmp_path / "t", "metrics: [RR@10, nDCG@10, R@100, AP]", "metrics: []")
    proc = cli("run", "--task", task, "--system", "bm25s", check=False)
    error, fix = one_line_error(proc)
    assert error == "error: t/toy.yaml: invalid task definition"
    assert ("  field `metrics`: Value error, no measures; name one or more, the primary first "
            "(e.g. [RR@10, nDCG@10, R@100, AP]), or leave the field out for those four") in proc.stderr.splitlines()
    assert fix.startswith("fix: see clirbench/tasks/toy.yaml for a valid example")


@pytest.mark.parametrize("template, message", [
    ("{x}", "unknown placeholder {x} in 'clirbench/toy/{x}'"),
    ("{q-{d}", "'clirbench/toy/{q-{d}' is not a valid ID template (unexpected '{' in field name)"),
])
def test_unknown_placeholder_in_a_dataset_id(cli, tmp_path, template, message):
    task = _toy_variant(tmp_path / "t", "docs: clirbench/toy/{d}", f"docs: clirbench/toy/{template}")
    proc = cli("tasks", task, check=False)
    error, _ = one_line_error(proc)
    assert error == "error: t/toy.yaml: invalid task definition"
    assert (f"  field `pair_groups.0.docs`: Value error, {message}; it takes {{q}}: the query language; "
            "{d}: the document language") in proc.stderr.splitlines()


def test_a_results_file_without_the_primary_measure_is_skipped(cli, tmp_path, out):
    # bm25s-k12 scored again under a toy task that measures only P@5: its file has no RR@10.
    task = _toy_variant(tmp_path / "p5", "metrics: [RR@10, nDCG@10, R@100, AP]", 'metrics: ["P@5"]')
    (tmp_path / "k12.yaml").write_text("system: bm25s\nname: bm25s-k12\nsettings: {k1: 1.2}\n")
    cli("run", "--task", task, "--system", "k12.yaml", "--pairs", "en-en", "--out", "out", "--force")
    assert read_results(out / "toy" / "bm25s-k12" / "results.json")["metrics"] == ["P@5"]
    board = cli("leaderboard", "--task", "toy", "--results", "out")
    assert ("warning: out/toy/bm25s-k12/results.json: skipped, it has no RR@10 (its measures: P@5); "
            "rerun it with --force to score the task's measures") in board.stderr
    assert "toy · RR@10" in board.stdout and "│ bm25s " in board.stdout and "bm25s-k12" not in board.stdout
    assert "Traceback" not in board.stderr


# Systems named `module:attr`, and settings.

@pytest.mark.parametrize("name", [":X", ".x:y"])
def test_malformed_module_attr(cli, name):
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", name, check=False))
    assert error == (f"error: {name!r} is not `module:attr`: it needs a module name (absolute, dotted: a.b), "
                     "a colon and an attribute name (letters, digits, _)")
    assert fix == "fix: give `module:attr` of an importable module and an attribute in it, e.g. `my_plugins:MyRetriever`"


def test_module_attr_that_needs_arguments(cli):
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "json:loads", check=False))
    assert error == ("error: plugin 'json:loads': loads cannot be called without arguments "
                     "(missing a required argument: 's'), so it is no plugin class or factory")
    assert fix == "fix: name a plugin class, a factory that takes no arguments, or an instance (see submissions/README.md)"


@pytest.mark.parametrize("system, setting, shown, why, default", [
    ("bm25s", "k1: abc", "'abc'", "Input should be a valid number, unable to parse string as a number", "0.9"),
    ("bm25s", "k1: .nan", "nan", "Input should be a finite number", "0.9"),
    ("bm25", "b: .inf", "inf", "Input should be a finite number", "0.4"),
])
def test_settings_of_the_wrong_type(cli, tmp_path, system, setting, shown, why, default):
    (tmp_path / "s.yaml").write_text(f"system: {system}\nsettings: {{{setting}}}\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "s.yaml", "--out", "out", check=False))
    key = setting.split(":")[0]
    assert error == f"error: s.yaml: field `settings.{key}`: {shown} is not a valid float ({why})"
    assert fix == f"fix: give `{key}` a value of type float (default: {default})"
    assert not (tmp_path / "out").exists()


def test_batch_size_of_the_wrong_type(cli, tmp_path):
    # Settings of a system are checked against its signature (NMT: `batch_size: int`) ...
    (tmp_path / "nmt.yaml").write_text("system: nmt+bm25\nsettings: {batch_size: 'abc'}\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "nmt.yaml", check=False))
    assert error == ("error: nmt.yaml: field `settings.batch_size`: 'abc' is not a valid int "
                     "(Input should be a valid integer, unable to parse string as an integer)")
    assert fix == "fix: give `batch_size` a value of type int (default: 16)"
    # ... and an encoder's own batch_size before any text is encoded.
    (tmp_path / "enc.py").write_text(
        "import numpy as np\nfrom clirbench.core.contract import Encoder, ModelMeta\n\n"
        "class Enc(Encoder):\n    batch_size = 'abc'\n\n    def __init__(self):\n"
        "        self.meta = ModelMeta(name='enc', kind='encoder')\n\n"
        "    def encode_queries(self, texts, lang):\n        return np.ones((len(texts), 4), np.float32)\n\n"
        "    encode_documents = encode_queries\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "enc:Enc", check=False, extra_env={"PYTHONPATH": "."}))
    assert error == ("error: enc (Enc): batch_size is 'abc'; it must be a whole number of at least 1 "
                     "(texts per call to encode)")
    assert fix == "fix: set batch_size in the plugin or its settings, e.g. 32"


# What a retriever's search returns.

BAD_SEARCH = '''
import os
from clirbench.systems.bm25s_retriever import Bm25sRetriever


class BadSearch(Bm25sRetriever):
    def open_index(self, index_dir, doc_lang):
        index = super().open_index(index_dir, doc_lang)
        search = index.search

        def bad(queries, query_lang, k):
            run = search(queries, query_lang, k)
            kind = os.environ["BAD_SEARCH"]
            if kind == "none":
                return None
            if kind == "list":
                return [run[qid] for qid in sorted(run)]
            return {qid: [(doc, str(score)) for doc, score in ranking] for qid, ranking in run.items()}

        index.search = bad
        return index
'''


@pytest.mark.parametrize("kind, what", [
    ("none", "search returned a NoneType (None), not a dict of rankings by query id"),
    ("list", "search returned a list ([[('en-1', "),
    ("strings", "search: the score of 'en-1' for query 't1' is a str ('2.4594550132751465'), not a number"),
])
def test_search_output_is_checked(cli, tmp_path, kind, what):
    (tmp_path / "bad_search.py").write_text(BAD_SEARCH)
    proc = cli("run", "--task", "toy", "--system", "bad_search:BadSearch", "--pairs", "en-en", "--out", "out",
               check=False, extra_env={"PYTHONPATH": ".", "BAD_SEARCH": kind})
    error, fix = one_line_error(proc)
    assert error.startswith(f"error: bm25s (bad_search.BadSearch): {what}")
    assert fix.startswith("fix: return {query_id: [(doc_id, score), ...]} from search: str ids, float scores")
    assert not (tmp_path / "out" / "toy" / "bm25s" / "runs" / "en-en.trec").exists()


# Parser limits.

@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "results file is nested too deeply to parse"),
    ('{"schema_version": ' + "1" * 5000 + "}",
     "results file holds a number too long to read (Exceeds the limit (4300 digits) for integer string conversion)"),
])
def test_results_file_beyond_the_json_parser(cli, out, text, message):
    (out / "toy" / "bm25s" / "results.json").write_text(text)
    error, fix = one_line_error(cli("show", "--task", "toy", "--system", "bm25s", "--out", "out", check=False))
    assert error == f"error: out/toy/bm25s/results.json: {message}"
    assert fix == "fix: delete the file or rerun with --force"


def test_settings_file_beyond_the_yaml_parser(cli, tmp_path):
    (tmp_path / "deep.yaml").write_text("model: " + "[" * 100_000 + "]" * 100_000 + "\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "deep.yaml", check=False))
    assert error == "error: deep.yaml: settings file is nested too deeply to parse"
    assert fix == "fix: see README.md (Systems)"


# Output folders, checked before any work.

@pytest.mark.parametrize("option, value, message", [
    ("--out", "a-file", "--out a-file is not a folder"),
    ("--out", "/dev/null", "--out /dev/null is not a folder"),
    ("--out", "a-file/results", "--out a-file/results is inside a-file, which is not a folder"),
    ("--cache-dir", "a-file", "--cache-dir a-file is not a folder"),
    ("--cache-dir", "/dev/null", "--cache-dir /dev/null is not a folder"),
])
def test_unusable_output_folder_is_found_first(cli, tmp_path, env, option, value, message):
    (tmp_path / "a-file").write_text("not a folder\n")
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "bm25s", option, value, check=False))
    assert error == f"error: {message}"
    assert fix == f"fix: give {option} a folder (it is created if missing)"
    # Nothing was indexed (the default cache is untouched) and nothing was written.
    assert not Path(env["CLIRBENCH_CACHE"]).exists() and not (tmp_path / "results").exists()


def test_show_with_an_unknown_metric(cli, out):
    proc = cli("show", "--task", "toy", "--system", "bm25s", "--out", "out", "--metric", "Foo", check=False)
    error, fix = one_line_error(proc)
    assert error == "error: no measure 'Foo' in out/toy/bm25s/results.json (--metric)"
    assert fix == "fix: use one of: RR@10, nDCG@10, R@100, AP"
    assert proc.stdout == ""  # the error comes before any table


# Fusion over run files.

def test_fuse_over_a_malformed_run_file(cli, out):
    run = out / "toy" / "bm25s" / "runs" / "en-en.trec"
    run.write_text("t1 Q0 en-1 1 2.5 bm25s\nt1 Q0 en-7 two 1.6 bm25s\n")
    error, fix = one_line_error(cli("fuse", "--task", "toy", "--systems", "bm25s", "bm25s-k12", "--out", "out", check=False))
    assert error == ("error: out/toy/bm25s/runs/en-en.trec:2: not a TREC run line (query Q0 doc rank score name): "
                     "'t1 Q0 en-7 two 1.6 bm25s'")
    assert fix == "fix: rerun the system on that pair with --force"
    run.write_text("t1 Q0 en-1 1 nan bm25s\n")
    error, _ = one_line_error(cli("fuse", "--task", "toy", "--systems", "bm25s", "bm25s-k12", "--out", "out", check=False))
    assert error == "error: out/toy/bm25s/runs/en-en.trec:1: the score of en-1 for query t1 is nan, not a finite number"


def test_fuse_with_a_run_that_found_nothing(cli, out):
    # An empty run is a system that found nothing: it adds nothing, the fusion is the other's ranking.
    (out / "toy" / "bm25s" / "runs" / "en-en.trec").write_text("")
    for method in ["rrf", "sum"]:
        cli("fuse", "--task", "toy", "--systems", "bm25s", "bm25s-k12", "--out", "out", "--method", method,
            "--pairs", "en-en")
        fused = read_results(out / "toy" / f"fuse-{method}:bm25s+bm25s-k12" / "results.json")
        alone = read_results(out / "toy" / "bm25s-k12" / "results.json")
        assert fused["pairs"]["en-en"]["metrics"] == alone["pairs"]["en-en"]["metrics"]


# --pairs.

@pytest.mark.parametrize("pairs", ["", ",", " , "])
def test_empty_pairs_is_anone_line_error(cli, tmp_path, pairs):
    error, fix = one_line_error(cli("run", "--task", "toy", "--system", "bm25s", "--pairs", pairs, check=False))
    assert error == "error: no pair named (--pairs is empty) for task toy"
    assert fix == "fix: name pairs separated by commas, e.g. --pairs de-de,de-en, or leave --pairs out for all of them"
    assert not (tmp_path / "results").exists()


def test_duplicate_pairs_are_searched_once(cli, tmp_path):
    proc = cli("run", "--task", "toy", "--system", "bm25s", "--pairs", "en-sw,en-sw, en-sw,sw-en")
    assert proc.stderr.count("en-sw: RR@10") == 1 and proc.stderr.count("sw-en: RR@10") == 1
    assert "2/2" in proc.stderr
    results = json.loads((tmp_path / "results" / "toy" / "bm25s" / "results.json").read_text())
    assert sorted(results["pairs"]) == ["en-sw", "sw-en"]


def test_force_replaces_an_unreadable_results_file_and_keeps_a_copy(cli, tmp_path):
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de", "--out", "out")
    path = tmp_path / "out" / "toy" / "bm25s" / "results.json"
    path.write_text('{"schema_version": 2, "task": ')
    refused = cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de", "--out", "out", check=False)
    assert refused.returncode == 2 and "rerun with --force" in refused.stderr
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-de", "--out", "out", "--force")
    assert "en-de" in json.loads(path.read_text())["pairs"]
    kept = list(path.parent.glob("results.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"schema_version": 2, "task": '
