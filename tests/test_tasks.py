import pytest

from clirbench.core.errors import ClirbenchError
from clirbench.tasks import BUILTIN_TASKS_DIR as TASKS
from clirbench.tasks import load_task, load_task_file, select_pairs, task_files

# mlqa-r and xquad-r: every language pair, and one multilingual-pool pair per query language;
# afriqa-r: 9 languages as written and in translation (dev: 7); flores-r: 204 languages to and
# from English and 8 x 7 African pairs; tatoeba: 112 languages, both directions.
EXPECTED_PAIRS = {"toy": 16, "mlqa-r": 49 + 7, "xquad-r": 121 + 11, "wikiclir": 25, "mmarco-clir": 26,
                  "afriqa-r": 2 * 9, "afriqa-r-dev": 2 * 7, "flores-r": 2 * 204 + 8 * 7, "flores-r-dev": 2 * 204 + 8 * 7,
                  "tatoeba": 2 * 112, "clirmatrix": 8, "miracl-lr": 4}
# The primary measure: the first the task lists. Graded (CLIRMatrix) and MIRACL's published
# measure is nDCG@10; LASER's Tatoeba measure is accuracy (Success@1).
PRIMARY = {"clirmatrix": "nDCG@10", "miracl-lr": "nDCG@10", "tatoeba": "Success@1"}


def test_every_shipped_task_validates_with_the_expected_pairs():
    assert set(task_files()) == set(EXPECTED_PAIRS)
    for name, count in EXPECTED_PAIRS.items():
        spec = load_task(name)
        assert len(spec.pairs()) == count, name
        assert spec.primary_metric == PRIMARY.get(name, "RR@10")


def test_pair_ids_and_resource_levels():
    wikiclir = {p.key: p for p in load_task("wikiclir").pairs()}
    assert wikiclir["en-en"].docs == "wikiclir/en-simple"
    assert wikiclir["en-no"].docs == "wikiclir/no"
    assert wikiclir["en-sw"].resource_level == "low"
    assert wikiclir["en-de"].resource_level == "high"
    mmarco = {p.key: p for p in load_task("mmarco-clir").pairs()}
    assert mmarco["en-nl"].docs == "mmarco/v2/dt"
    assert mmarco["hi-en"].queries == "mmarco/v2/hi/dev/small"
    assert mmarco["hi-en"].docs == "msmarco-passage"
    mlqa = {p.key: p for p in load_task("mlqa-r").pairs()}
    assert mlqa["hi-vi"].resource_level == "low" and mlqa["ar-zh"].resource_level == "high"


def write(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


GOOD = """name: {name}
description: d
citation: c
pair_groups:
  - query_langs: [en]
    doc_langs: [sw]
    queries: clirbench/toy/{{q}}-{{d}}
    docs: clirbench/toy/{{d}}
    qrels: clirbench/toy/{{q}}-{{d}}
"""


def test_malformed_task_names_the_file_and_field(tmp_path):
    path = write(tmp_path, "bad", GOOD.format(name="bad").replace("doc_langs: [sw]", "doc_langs: [xx]"))
    with pytest.raises(ClirbenchError) as e:
        load_task_file(path)
    assert str(path) in e.value.message
    assert "pair_groups.0.doc_langs" in e.value.message and "xx" in e.value.message


def test_unknown_field_and_bad_metric_are_reported(tmp_path):
    text = GOOD.format(name="bad").replace("citation: c", "citation: c\nmetrics: [Foo@10]\ntop_kk: 5")
    with pytest.raises(ClirbenchError) as e:
        load_task_file(write(tmp_path, "bad", text))
    assert "`metrics`" in e.value.message and "`top_kk`" in e.value.message


def test_name_must_match_file_name(tmp_path):
    with pytest.raises(ClirbenchError, match="field `name`"):
        load_task_file(write(tmp_path, "other", GOOD.format(name="mine")))


def test_unknown_task_and_pair_list_the_valid_ones():
    with pytest.raises(ClirbenchError) as e:
        load_task("nope")
    assert "mlqa-r" in e.value.hint
    with pytest.raises(ClirbenchError) as e:
        select_pairs(load_task("toy"), ["en-sw", "en-xx"])
    # A side that is no language of the task: said so, not every pair listed (issue 29).
    assert "en-xx: xx is not a language of toy (de en sw yo)" in e.value.message and "no task has xx" in e.value.hint
    with pytest.raises(ClirbenchError) as e:
        select_pairs(load_task("afriqa-r"), ["hau-fr"])  # both its languages, not a pair of it
    assert "did you mean hau-en" in e.value.message and "fon-fr" in e.value.hint


def test_zero_shot_is_yes_no_or_unknown():
    mlqa = load_task("mlqa-r")  # built from MLQA
    assert mlqa.source_datasets
    assert mlqa.zero_shot(["MS MARCO"]) is True
    assert mlqa.zero_shot(["mlqa", "MS MARCO"]) is False  # names compare case-insensitively
    assert mlqa.zero_shot([]) is True  # trained on nothing
    assert mlqa.zero_shot(None) is None  # training data not declared: unknown, not "yes"


def test_a_task_without_sources_cannot_say_zero_shot():
    toy = load_task("toy")
    assert toy.source_datasets == [] and toy.zero_shot(["anything"]) is None and toy.zero_shot([]) is None


def test_extra_task_folders_add_tasks(tmp_path, monkeypatch):
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "mine.yaml").write_text((TASKS / "toy.yaml").read_text().replace("name: toy", "name: mine"))
    monkeypatch.setenv("CLIRBENCH_TASKS_DIR", str(extra))
    assert set(task_files()) == set(EXPECTED_PAIRS) | {"mine"}
    assert len(load_task("mine").pairs()) == 16


def test_an_installed_clirbench_finds_its_tasks(tmp_path):
    """A wheel (not an editable install) carries the task files as package data."""
    import ast
    import subprocess
    import sys
    import zipfile

    repo = TASKS.parents[1]
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "wheel"), str(repo)], check=True, capture_output=True, text=True, timeout=300)
    # Set-up stays quiet: no deprecation pages about the licence field (an SPDX string now).
    assert "project.license" not in build.stdout + build.stderr
    wheel = next((tmp_path / "wheel").glob("clirbench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"clirbench/tasks/{n}.yaml" for n in EXPECTED_PAIRS} <= set(names)
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    # From a folder outside the checkout, with the unpacked wheel first on the path.
    code = "import clirbench.tasks as t; print(t.__file__); print(sorted(t.task_files()))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    where, found = proc.stdout.splitlines()
    assert where.startswith(str(tmp_path / "site")) and ast.literal_eval(found) == sorted(EXPECTED_PAIRS)
