"""A first hour without friction (issue 29, items 1 and 2): one rule for where results are
(`run`, `show`, `leaderboard` and the app read and write ./results or $CLIRBENCH_RESULTS; other
folders, the experiments' included, only when named; smoke runs never by default), and the
errors a newcomer met, each one `error:` line and one `fix:` line. Run through the real command."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, one_line_error
from test_newcomer import GOOD_ENCODER, _submission




def _copy_as(results: Path, root: Path, name: str) -> None:
    """The results file `results` as system `name` under `root` (<root>/toy/<name>/results.json)."""
    raw = json.loads(results.read_text())
    raw["model"]["name"] = name
    (root / "toy" / name).mkdir(parents=True)
    (root / "toy" / name / "results.json").write_text(json.dumps(raw))


# One rule for where results are.

def test_run_and_leaderboard_share_a_folder_and_smoke_runs_stay_off_the_board(cli, tmp_path):
    empty = one_line_error(cli("leaderboard", "--task", "toy", check=False))
    # The folders searched, each with whether it exists.
    assert empty[0].startswith("error: no results for task 'toy' in results (does not exist)")
    assert "clirbench run --system bm25 --task toy" in empty[1] and "--results DIR" in empty[1]

    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw")  # writes ./results
    made = tmp_path / "results/toy/bm25s/results.json"
    experiments = tmp_path / "trained/experiments"
    _copy_as(made, experiments / "grid/results", "grid-student")
    _copy_as(made, experiments / "grid-smoke/results", "smoke-student")
    board = cli("leaderboard", "--task", "toy", "--format", "csv").stdout
    assert "bm25s" in board and "grid-student" not in board and "smoke-student" not in board
    both = cli("leaderboard", "--task", "toy", "--format", "csv", "--with-experiments").stdout
    assert "bm25s" in both and "grid-student" in both and "smoke-student" not in both
    # A smoke run is shown only where its folder is named.
    smoke = cli("leaderboard", "--task", "toy", "--format", "csv",
                "--results", str(experiments / "grid-smoke/results")).stdout
    assert "smoke-student" in smoke and "bm25s" not in smoke
    cli("show", "--task", "toy", "--system", "bm25s")  # the same default folder
    help_text = " ".join(cli("leaderboard", "--help").stdout.split())
    assert "--with-experiments" in help_text and "smoke runs" in help_text and "CLIRBENCH_RESULTS" in help_text


def test_the_results_variable_is_where_run_writes_and_the_board_reads(cli, tmp_path):
    shared = tmp_path / "shared-results"
    env = {"CLIRBENCH_RESULTS": str(shared)}
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw", extra_env=env)
    assert (shared / "toy/bm25s/results.json").exists() and not (tmp_path / "results").exists()
    assert "bm25s" in cli("leaderboard", "--task", "toy", "--format", "csv", extra_env=env).stdout
    cli("show", "--task", "toy", "--system", "bm25s", extra_env=env)


def test_a_named_results_folder_that_does_not_exist(cli, tmp_path):
    error, fix = one_line_error(cli("leaderboard", "--task", "toy", "--results", "/nonexistent", check=False))
    assert error == "error: results folder /nonexistent does not exist"
    assert "clirbench run --out" in fix


def test_the_app_reads_the_working_folder_and_names_what_it_searched(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("CLIRBENCH_RESULTS", raising=False)
    monkeypatch.chdir(tmp_path)
    app = AppTest.from_file(str(REPO / "leaderboard/app.py"), default_timeout=60).run()
    assert not app.exception and "No results yet" in app.info[0].value
    assert r"The app reads results \(does not exist\)" in app.info[0].value  # Markdown-escaped


# Iterating and naming.

def test_changed_plugin_code_says_what_changed_and_how_to_keep_both(cli, tmp_path):
    folder = _submission(tmp_path / "work", "letters", GOOD_ENCODER, "Letters")
    cli("run", "--system", str(folder), "--task", "toy", "--pairs", "en-sw")
    (folder / "plugin.py").write_text(GOOD_ENCODER + "\n# a faster loop\n")
    error, fix = one_line_error(cli("run", "--system", str(folder), "--task", "toy", "--pairs", "en-sw", check=False))
    assert error == ("error: results/toy/letters/results.json holds results of letters from another version: "
                     "its code (or a file it ships) changed")
    assert "another `name:` (e.g. letters-v2" in fix and "--force" in fix


def test_unknown_model_and_task_names(cli):
    error, fix = one_line_error(cli("run", "--system", "bm26", "--task", "toy", check=False))
    assert error == "error: unknown system 'bm26' (did you mean bm25 or bm25s?)"
    assert "$CLIRBENCH_SUBMISSIONS_DIR" in fix
    error, fix = one_line_error(cli("run", "--system", "bm25s", "--task", "mlqa-s", check=False))
    assert error == "error: unknown task 'mlqa-s' (did you mean mlqa-r?)" and "mlqa-r" in fix


def test_a_plugin_field_naming_no_class_lists_the_classes(cli, tmp_path):
    folder = _submission(tmp_path / "work", "letters", GOOD_ENCODER, "Leters")
    error, fix = one_line_error(cli("run", "--system", str(folder), "--task", "toy", check=False))
    assert error == (f"error: {folder / 'submission.yaml'}: field `plugin`: plugin.py has no 'Leters' "
                     "(did you mean Letters?); it defines the class Letters")
    assert fix == "fix: set `plugin: plugin.py:Letters`"


def test_a_pair_of_a_language_the_task_lacks(cli):
    error, fix = one_line_error(cli("run", "--system", "bm25s", "--task", "mlqa-r", "--pairs", "en-sw", check=False))
    assert error == "error: task mlqa-r has no pair(s) en-sw: sw is not a language of mlqa-r (ar de en es hi vi zh)"
    assert fix.startswith("fix: tasks with Swahili (sw): ") and "toy (sw)" in fix and "flores-r (swh_Latn)" in fix
    assert "en-hi" not in fix  # not the 56 pairs
    # Both languages in the task, the pair not: the near miss and the pairs.
    error, fix = one_line_error(cli("run", "--system", "bm25s", "--task", "afriqa-r", "--pairs", "en:hau-en", check=False))
    assert "(did you mean hau-en or hau:en-en?)" in error and "hau:en-en" in fix


def test_an_hf_folder_that_does_not_exist(cli):
    error, fix = one_line_error(cli("run", "--system", "hf:/no/such/folder", "--task", "toy", check=False))
    assert error == "error: cannot load transformers model '/no/such/folder': there is no folder /no/such/folder"
    assert fix.startswith("fix: check the path")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc here")
def test_an_output_folder_that_cannot_be_made_is_found_first(cli, tmp_path, env):
    # /proc takes no new folder, whoever asks (root's write permission there says nothing).
    error, fix = one_line_error(cli("run", "--system", "bm25s", "--task", "toy", "--out", "/proc/nope", check=False))
    assert error.startswith("error: --out /proc/nope: cannot ") and fix == "fix: give --out a folder (it is created if missing)"
    error, fix = one_line_error(cli("run", "--system", "bm25s", "--task", "toy", check=False,
                            extra_env={"CLIRBENCH_CACHE": "/proc/nope/cache"}))
    assert error.startswith("error: $CLIRBENCH_CACHE /proc/nope/cache: cannot ")
    assert not (tmp_path / "results").exists() and not Path(env["CLIRBENCH_CACHE"]).exists()


def test_a_read_only_folder_is_found_first(cli, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        proc = cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "en-sw", "--out", str(ro / "out"), check=False)
        if proc.returncode == 0:  # root writes in a folder of mode 555: nothing to refuse
            assert (ro / "out/toy/bm25s/results.json").exists()
            return
        error, _ = one_line_error(proc)
        assert error.startswith(f"error: --out {ro / 'out'}: cannot ")
    finally:
        ro.chmod(0o755)
        shutil.rmtree(ro)
