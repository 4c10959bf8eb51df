"""Security and data integrity (issue 13): names that would build paths outside --out or the
cache, results-file strings rendered as markup (the app, Markdown and LaTeX exports), stale
vectors after a submission's code changes, file modes, and results files with values no
measure can take."""

import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import parse_results
from clirbench.eval.runner import run_task
from clirbench.leaderboard.collect import collect
from clirbench.leaderboard.escape import escape_latex, escape_markdown
from clirbench.leaderboard.export import frame_text, render
from clirbench.leaderboard.tables import ScoreTable, score_table
from clirbench.systems.bm25s_retriever import Bm25sRetriever
from clirbench.tasks import load_task, select_pairs, task_files

REPO = Path(__file__).resolve().parent.parent
TOY = load_task("toy")
NASTY = "a|b\\c$d_e<img src=x>"


@pytest.fixture(scope="module")
def toy_results(tmp_path_factory) -> Path:
    """A results folder with bm25s on two toy pairs, written by the runner."""
    root = tmp_path_factory.mktemp("security")
    os.environ.setdefault("IR_DATASETS_HOME", str(root / "irds"))
    run_task(TOY, Bm25sRetriever(), select_pairs(TOY, ["en-sw", "sw-en"]), out_dir=root / "results",
             cache_dir=root / "cache")
    return root / "results"


def _raw(toy_results: Path) -> dict:
    return json.loads((toy_results / "toy/bm25s/results.json").read_text())


# 1. Writes outside --out ------------------------------------------------------------------

@pytest.mark.parametrize("settings", ["system: bm25s\nname: ../../../escaped\n",
                                      "model: /no/such/model\nname: ../../../escaped\n",
                                      "system: bm25s\nname: /tmp/escaped\n"])
def test_a_settings_file_name_cannot_leave_out(cli, tmp_path, settings):
    work = tmp_path / "a/b/c"
    work.mkdir(parents=True)
    (work / "s.yaml").write_text(settings)
    proc = cli("run", "--system", str(work / "s.yaml"), "--task", "toy", "--pairs", "en-sw",
               "--out", str(work / "out"), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "s.yaml" in proc.stderr and "field `name`" in proc.stderr  # names the file and the field
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped").exists()
    assert not (work / "out").exists() and not (tmp_path / "cache/indexes").exists()  # refused before any write


def test_a_plugin_cannot_name_its_way_out(tmp_path):
    """A plugin that sets its name or index key after construction (no validation then): the
    results path and the index folder are checked where they are built."""
    renamed = Bm25sRetriever()
    renamed.meta.name = "../../escaped"  # pydantic does not validate assignment
    with pytest.raises(ClirbenchError, match="system name '../../escaped' cannot name a folder"):
        run_task(TOY, renamed, select_pairs(TOY, ["en-sw"]), out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")

    class OddKey(Bm25sRetriever):
        def index_key(self) -> str:
            return "../../../escaped"

    with pytest.raises(ClirbenchError, match="index key"):
        run_task(TOY, OddKey(), select_pairs(TOY, ["en-sw"]), out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    assert not list(tmp_path.rglob("escaped*"))


def test_results_files_name_only_safe_folders(toy_results):
    raw = _raw(toy_results)
    for bad in [{**raw, "task": "../toy"},
                {**raw, "pairs": {"../../x": raw["pairs"]["en-sw"]}},
                {**raw, "pairs": {"en-sw": {**raw["pairs"]["en-sw"], "run_file": "../../../etc/passwd"}}},
                {**raw, "pairs": {"en-sw": {**raw["pairs"]["en-sw"], "run_file": "/etc/passwd"}}},
                {**raw, "model": {**raw["model"], "name": "../x"}}]:
        with pytest.raises(ValueError):
            parse_results(bad)


# 2. Reads outside --out -------------------------------------------------------------------

def test_show_and_fusion_refuse_names_outside_out(cli, tmp_path, toy_results):
    secret = tmp_path / "secret/toy/x"
    secret.mkdir(parents=True)
    shutil.copy(toy_results / "toy/bm25s/results.json", secret / "results.json")
    shutil.copytree(toy_results / "toy/bm25s/runs", secret / "runs")
    out = tmp_path / "work/out"
    shutil.copytree(toy_results, out)
    escape = "../../../secret/toy/x"  # from out/toy/: up to tmp_path
    assert (out / "toy" / escape / "results.json").exists()  # the path would reach the file
    for args in [("show", "--system", escape, "--task", "toy"),
                 ("show", "--system", "bm25s", "--task", "../work/out/toy"),
                 ("fuse", "--task", "toy", "--systems", escape, "bm25s", "--pairs", "en-sw"),
                 ("run", "--system", f"fuse:{escape}+bm25s", "--task", "toy", "--pairs", "en-sw")]:
        proc = cli(*args, "--out", str(out), check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (args, proc.stderr)
        assert "RR@10" not in proc.stdout, args  # nothing was read and shown
    proc = cli("fuse", "--task", "toy", "--systems", escape, "bm25s", "--out", str(out), check=False)
    assert "system name" in proc.stderr and "cannot name a folder" in proc.stderr
    # With no results at all, fuse:a+b is split at '+' and each name is checked.
    empty = tmp_path / "empty"
    proc = cli("run", "--system", f"fuse:{escape}+bm25s", "--task", "toy", "--out", str(empty), check=False)
    assert proc.returncode == 2 and "cannot name a folder" in proc.stderr and "Traceback" not in proc.stderr


# 3. Markdown in the app ----------------------------------------------------------------------

def test_escape_markdown():
    image = "![x](http://attacker.example/pixel.png)"
    assert escape_markdown(image) == r"\!\[x\]\(http\://attacker.example/pixel.png\)"
    assert escape_markdown(NASTY) == r"a\|b\\c\$d\_e\<img src=x\>"
    assert escape_markdown("**bold** `code` :red[x] #1") == r"\*\*bold\*\* \`code\` \:red\[x\] \#1"
    # One line: a line break cannot open a block (heading, list, indented code).
    assert escape_markdown("ok\n\n# heading\n    code") == r"ok \# heading code"
    assert escape_markdown("- item") == r"\- item" and escape_markdown("1. item") == r"1\. item"
    assert escape_markdown("en-sw, v1.2 (MIT)") == r"en-sw, v1.2 \(MIT\)"  # plain text stays readable


def test_escape_latex():
    assert escape_latex(NASTY) == r"a\textbar{}b\textbackslash{}c\$d\_e\textless{}img src=x\textgreater{}"
    assert escape_latex(r"\input{/etc/passwd} 50% #1 ~^&") == \
        r"\textbackslash{}input\{/etc/passwd\} 50\% \#1 \textasciitilde{}\textasciicircum{}\&"
    assert escape_latex("[3pt]") == "{[}3pt{]}"


def test_app_shows_results_file_strings_as_text(toy_results, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    image = "![x](http://attacker.example/pixel.png)"
    root = tmp_path / "results"
    shutil.copytree(toy_results, root)
    raw = _raw(root)
    raw["model"].update(description=f"desc {image}", notes=f"notes {image}", source=f"src {image}",
                        training_data=[f"data {image}"], adapted_from=f"base {image}", license=f"lic {image}")
    raw["versions"]["<img src=x onerror=alert(1)>"] = image
    (root / "toy/bm25s/results.json").write_text(json.dumps(raw))
    monkeypatch.setenv("CLIRBENCH_RESULTS", str(root))
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception
    shown = [m.value for m in [*app.markdown, *app.caption, *app.subheader, *app.warning]]
    text = "\n".join(shown)
    for field in ["desc", "notes", "src", "data", "base", "lic"]:
        assert f"{field} {escape_markdown(image)}" in text, field
    # No image, link or HTML left unescaped anywhere on the page.
    assert not re.search(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<img", text)


# 4. Markdown and LaTeX exports -----------------------------------------------------------------

def test_exports_escape_names():
    scores = pd.DataFrame({"avg all": [0.5, 0.25], "avg high": [0.5, 0.25], "avg low": [float("nan")] * 2,
                           "avg cross-lingual": [0.5, 0.25], "pairs": [1, 1], "x_y|z": [0.5, 0.25]},
                          index=pd.Index([NASTY, "plain"], name="system"))
    table = ScoreTable(task="toy", metric="RR@10", by="pair", scores=scores, levels={"x_y|z": "high"})
    md = render(table, "md").splitlines()
    assert all(line.count("|") - line.count("\\|") == md[0].count("|") - md[0].count("\\|") for line in md)
    assert escape_markdown(NASTY) in md[2] and not re.search(r"(?<!\\)<img", "\n".join(md)) and r"x\_y\|z" in md[0]
    latex = render(table, "latex")
    assert escape_latex(NASTY) in latex and r"x\_y\textbar{}z" in latex
    assert "<img" not in latex and "$" not in latex.replace(r"\$", "")

    summary = pd.DataFrame({"mAP mono": [0.5], "published": [f"cite {NASTY}"]}, index=pd.Index([NASTY], name="system"))
    assert escape_latex(NASTY) in frame_text(summary, "latex") and f"cite {escape_latex(NASTY)}" in frame_text(summary, "latex")
    md = frame_text(summary, "md")
    assert escape_markdown(NASTY) in md and not re.search(r"(?<!\\)<img", md)


def test_cli_summary_export_escapes_published_rows(cli, tmp_path, toy_results):
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    toy = (REPO / "clirbench/tasks/toy.yaml").read_text()
    (tasks / "toy.yaml").write_text(toy + "references:\n  - system: 'sys_$x'\n    training: '<img src=x>'\n"
                                          "    citation: 'a|b'\n    ap_pool: 0.5\n")
    env = {"CLIRBENCH_TASKS_DIR": str(tasks)}
    md = cli("leaderboard", "--task", "toy", "--view", "summary", "--format", "md", "--results", str(toy_results),
             extra_env=env).stdout
    assert r"sys\_\$x \(\<img src=x\>\)" in md and r"a\|b" in md
    latex = cli("leaderboard", "--task", "toy", "--view", "summary", "--format", "latex", "--results",
                str(toy_results), extra_env=env).stdout
    assert r"sys\_\$x (\textless{}img src=x\textgreater{})" in latex and r"a\textbar{}b" in latex


# 5. Stale vectors -------------------------------------------------------------------------------

PLUGIN = '''import zlib
import numpy as np
from clirbench.core.contract import Encoder

HASHED = {hashed}


class Words(Encoder):
    def _vectors(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode()) % 64 if HASHED else (i * 7) % 64] += 1
        return out

    def encode_queries(self, texts, lang):
        return self._vectors(texts)

    def encode_documents(self, texts, lang):
        return self._vectors(texts)
'''


def test_changed_submission_code_is_encoded_afresh(cli, tmp_path):
    subs = tmp_path / "subs"
    (subs / "words").mkdir(parents=True)
    (subs / "words/submission.yaml").write_text("name: words\nplugin: plugin.py:Words\ndescription: words\n")
    (subs / "words/plugin.py").write_text(PLUGIN.format(hashed=False))
    env = {"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}
    args = ("run", "--system", "words", "--task", "toy", "--pairs", "en-en")

    def rr(out: str) -> float:
        return json.loads((tmp_path / out / "toy/words/results.json").read_text())["pairs"]["en-en"]["metrics"]["RR@10"]

    first = cli(*args, "--out", "out", extra_env=env)
    assert "8 documents encoded" in first.stderr
    old_code = rr("out")
    # The description is metadata and results/ is output: neither is code, neither changes the fingerprint.
    (subs / "words/submission.yaml").write_text("name: words\nplugin: plugin.py:Words\ndescription: other words\n")
    cli(*args, "--out", str(subs / "words/results"), extra_env=env)
    again = cli(*args, "--out", str(subs / "words/results"), extra_env=env)
    assert "already in" in again.stderr  # same fingerprint: nothing rerun, no settings clash

    (subs / "words/plugin.py").write_text(PLUGIN.format(hashed=True))
    refused = cli(*args, "--out", "out", extra_env=env, check=False)
    assert refused.returncode == 2 and "its code (or a file it ships) changed" in refused.stderr and "--force" in refused.stderr
    forced = cli(*args, "--out", "out", "--force", extra_env=env)
    assert "8 documents encoded, 6 queries encoded" in forced.stderr  # not the old code's cached vectors
    fresh = cli(*args, "--out", "fresh", "--cache-dir", str(tmp_path / "fresh-cache"), extra_env=env)
    assert "8 documents encoded" in fresh.stderr
    assert rr("out") == rr("fresh") != old_code  # the new code's vectors, as with an empty cache
    code = json.loads((tmp_path / "out/toy/words/results.json").read_text())["model"]["parameters"]["code_sha256"]
    assert len(code) == 16


# 6. File modes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_results_and_runs_follow_the_umask(env, tmp_path, umask, mode):
    proc = subprocess.run([sys.executable, "-m", "clirbench.cli", "run", "--system", "bm25s", "--task", "toy",
                           "--pairs", "en-sw", "--out", str(tmp_path / "out")],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr
    for path in [tmp_path / "out/toy/bm25s/results.json", tmp_path / "out/toy/bm25s/runs/en-sw.trec"]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


# 7. Values no measure can take ------------------------------------------------------------------

@pytest.mark.parametrize("where, value", [
    ("mean", float("nan")), ("mean", float("inf")), ("mean", -float("inf")), ("mean", 1.5), ("mean", -0.1),
    ("mean", "0.5"), ("mean", True), ("mean", None), ("query", float("nan")), ("query", 2.0), ("query", "high"),
])
def test_leaderboard_skips_files_with_impossible_values(toy_results, tmp_path, where, value):
    root = tmp_path / "results"
    shutil.copytree(toy_results, root)
    raw = _raw(root)
    twin = json.loads(json.dumps(raw))
    twin["model"]["name"] = "bm25s-twin"
    pair = twin["pairs"]["en-sw"]
    if where == "mean":
        pair["metrics"]["RR@10"] = value
    else:
        pair["per_query"]["RR@10"][next(iter(pair["per_query"]["RR@10"]))] = value
    (root / "toy/bm25s-twin").mkdir()
    # json writes NaN and Infinity as bare tokens, as Python's json module reads them.
    (root / "toy/bm25s-twin/results.json").write_text(json.dumps(twin))
    found = collect([root], known_tasks=set(task_files()))
    assert [r.model.name for r in found.for_task("toy")] == ["bm25s"]
    warning = next(w for w in found.warnings if "bm25s-twin" in w)
    assert "skipped" in warning and ("RR@10" in warning or "en-sw" in warning)


def test_a_nan_pair_no_longer_outranks_its_twin(toy_results, tmp_path):
    """Before: the twin's NaN pair dropped out of its average, which then beat the original's."""
    root = tmp_path / "results"
    shutil.copytree(toy_results, root)
    raw = _raw(root)
    raw["pairs"]["sw-en"]["metrics"]["RR@10"] = 0.1  # the original's weaker pair
    for p in raw["pairs"]["sw-en"]["per_query"]["RR@10"]:
        raw["pairs"]["sw-en"]["per_query"]["RR@10"][p] = 0.1
    (root / "toy/bm25s/results.json").write_text(json.dumps(raw))
    twin = json.loads(json.dumps(raw))
    twin["model"]["name"] = "bm25s-twin"
    twin["pairs"]["sw-en"]["metrics"]["RR@10"] = math.nan
    (root / "toy/bm25s-twin").mkdir()
    (root / "toy/bm25s-twin/results.json").write_text(json.dumps(twin))
    table = score_table(collect([root], known_tasks=set(task_files())).for_task("toy"), "RR@10")
    assert list(table.scores.index) == ["bm25s"]


def test_show_and_metric_names_are_checked(cli, tmp_path, toy_results):
    out = tmp_path / "out"
    shutil.copytree(toy_results, out)
    raw = _raw(out)
    raw["pairs"]["en-sw"]["metrics"]["RR@10"] = float("nan")
    (out / "toy/bm25s/results.json").write_text(json.dumps(raw))
    proc = cli("show", "--system", "bm25s", "--task", "toy", "--out", str(out), check=False)
    assert proc.returncode == 2 and "finite number" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="not an ir-measures measure"):
        parse_results({**_raw(toy_results), "metrics": ["RR@10'] > 0 || datum['x"]})
