"""Finding systems: one registry reads every name into a SystemSpec without constructing it,
`clirbench systems` lists them, and errors say whose they are."""

import json
import os
import subprocess
import sys
from pathlib import Path

LISTING = """
import sys
from clirbench.cli import main
main(["models"])
print("loaded:", sorted(m for m in ("jnius", "torch", "transformers", "pyserini.pyclass") if m in sys.modules))
"""


def _submission(root, name, code, settings="{}"):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text(f"name: {name}\ndescription: test {name}\nsettings: {settings}\n")
    (folder / "plugin.py").write_text(code)


RAISES_INSIDE = """
from clirbench.core.contract import ModelMeta
from clirbench.systems.bm25s_retriever import Bm25sRetriever


class Plugin(Bm25sRetriever):
    def __init__(self, k1=0.9):
        super().__init__(k1)
        open("/constructed-marker", "w")  # never reached in a listing
        raise TypeError("a bug inside the plugin")
"""


def test_models_lists_without_constructing(tmp_path, env):
    subs = tmp_path / "subs"
    _submission(subs, "explodes", RAISES_INSIDE)
    proc = subprocess.run([sys.executable, "-c", LISTING], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**env, "CLIRBENCH_SUBMISSIONS_DIR": str(subs)})
    assert proc.returncode == 0, proc.stderr
    assert "loaded: []" in proc.stdout  # no JVM, no torch, no model
    row = next(line for line in proc.stdout.splitlines() if "explodes" in line)
    assert "retriever" in row and "test explodes" in row  # kind read from the code, not by running it
    assert "bm25 " in proc.stdout and "me5-small" in proc.stdout


def test_a_bug_in_a_constructor_is_not_called_bad_settings(cli, tmp_path):
    subs = tmp_path / "subs"
    _submission(subs, "explodes", RAISES_INSIDE)
    _submission(subs, "badsetting", RAISES_INSIDE.replace("explodes", "badsetting"), settings="{k3: 1.0}")
    extra = {"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}
    proc = cli("run", "--system", "explodes", "--task", "toy", extra_env=extra, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "raised TypeError: a bug inside the plugin" in proc.stderr and "plugin.py:" in proc.stderr
    assert "the error is in the plugin's code" in proc.stderr and "field `settings`" not in proc.stderr
    proc = cli("run", "--system", "badsetting", "--task", "toy", extra_env=extra, check=False)
    assert proc.returncode == 2 and "field `settings`" in proc.stderr and "k3" in proc.stderr


def test_a_yaml_error_is_reported_as_one(cli, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("system: bm25s\nsettings: {k1: 0.9\n")
    proc = cli("run", "--system", str(bad), "--task", "toy", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}: not valid YAML" in proc.stderr and "encoder settings" not in proc.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("system: bm25s\nsettings: {k3: 1}\n")
    proc = cli("run", "--system", str(wrong), "--task", "toy", check=False)
    assert proc.returncode == 2 and f"{wrong}: field `settings`" in proc.stderr and "k3" in proc.stderr


EVERY_KIND = """
import json, sys
from clirbench.systems.registry import installable, system_spec
from clirbench.systems.student_manifest import StudentManifest

student = sys.argv[1] + "/student"
StudentManifest(name="my-student", kind="optical-student", teacher="me5-small", teacher_fingerprint="0" * 16,
                recipe_digest="0", student_languages=["sw"], weights_sha256="0", training_data=["bitext"]).write(
    __import__("pathlib").Path(student))
names = ["bm25s", "hashed-ngrams", student, "hf:some/encoder", sys.argv[1] + "/k12.yaml", sys.argv[1] + "/enc.yaml",
         "plugins_for_tests:CountingEncoder", "fuse:bm25s+hashed-ngrams"]
specs = {name: system_spec(name) for name in names}
print(json.dumps({name: [s.name, s.kind, s.origin, s.languages, s.training_data, s.loader is not None,
                         s.unavailable()] for name, s in specs.items()}))
print(json.dumps(installable()))
print(json.dumps(sorted(m for m in ("jnius", "torch", "transformers", "bm25s") if m in sys.modules)))
"""


def test_every_way_of_naming_a_system_resolves_to_one_spec_without_constructing(tmp_path, env):
    """Entry points, submissions, trained folders, hf:, settings files, module:attr and fusions
    all resolve to a SystemSpec (issue 26 item 2), read without constructing anything."""
    (tmp_path / "student").mkdir()
    (tmp_path / "k12.yaml").write_text("system: bm25s\nname: bm25s-k12\nsettings: {k1: 1.2}\n")
    (tmp_path / "enc.yaml").write_text("model: some/encoder\nname: my-enc\nlanguages: [en]\n")
    proc = subprocess.run([sys.executable, "-c", EVERY_KIND, str(tmp_path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**env, "PYTHONPATH": str(Path(__file__).parent)})
    assert proc.returncode == 0, proc.stderr
    specs, installs, loaded = (json.loads(line) for line in proc.stdout.splitlines())
    t = str(tmp_path)
    assert specs == {
        "bm25s": ["bm25s", "retriever", "entry point", None, [], True, None],
        "hashed-ngrams": ["hashed-ngrams", "encoder", "submissions/", None, [], True, None],
        f"{t}/student": ["my-student", "encoder", "trained folder", ["en", "sw"], ["bitext"], True, None],
        "hf:some/encoder": ["hf-some--encoder", "encoder", "hf:", None, None, True, None],
        f"{t}/k12.yaml": ["bm25s-k12", "retriever", f"{t}/k12.yaml", None, [], True, None],
        f"{t}/enc.yaml": ["my-enc", "encoder", f"{t}/enc.yaml", ["en"], None, True, None],
        "plugins_for_tests:CountingEncoder": ["plugins_for_tests:CountingEncoder", "encoder", "module:attr", None, None,
                                              True, None],
        "fuse:bm25s+hashed-ngrams": ["fuse:bm25s+hashed-ngrams", "fusion", "fuse:", None, None, False, None],
    }
    assert installs == ["me5-small", "minilm-en"]  # the systems whose spec has an install hook
    assert loaded == []  # no JVM, no torch, not even bm25s: nothing was constructed


def test_a_system_condition_of_any_kind_is_scored_in_a_smoke_run(tmp_path, monkeypatch):
    """An experiment's smoke run skips a {system: NAME} condition that is not ready; it read every
    such name as a submission folder, so a module:attr or settings-file system was found missing
    and skipped (fixed with one registry). A real smoke grid of both on the toy task scores them."""
    from clirbench.train.experiment import run_experiment

    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "ir_datasets"))
    monkeypatch.setenv("CLIRBENCH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "k12.yaml").write_text("system: bm25s\nname: bm25s-k12\nsettings: {k1: 1.2}\n")
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"""name: systems-smoke
recipe: {Path(__file__).parents[1] / "recipes/optical.yaml"}
task: toy
pairs: all
seeds: [0]
baseline: by-class
conditions:
  by-class: {{system: "clirbench.systems.bm25s_retriever:Bm25sRetriever"}}
  by-settings: {{system: "{tmp_path / 'k12.yaml'}"}}
""")
    logs: list[str] = []
    record = run_experiment(grid, tmp_path / "report", tmp_path / "runs", smoke=True, cache_dir=tmp_path / "cache",
                            log=logs.append)
    assert not [line for line in logs if "skipped" in line], logs
    runs = json.loads(record.read_text())["runs"]
    assert sorted(runs) == ["by-class", "by-settings"], logs
    assert {key: run["system"] for key, run in runs.items()} == {"by-class": "bm25s", "by-settings": "bm25s-k12"}
    for key, run in runs.items():
        assert f"{key}: scored on 2 pairs (0 already done)" in logs, logs
        assert Path(run["results"]).is_file()


BROKEN_PLUGIN = "import clirbench_test_dependency_not_installed  # noqa: F401\n\n\nclass Plugin:\n    pass\n"


def test_a_settings_file_of_a_plugin_that_fails_to_import_is_one_line(cli, tmp_path):
    """A settings file (`system: X`) whose entry point fails to import says so in one line with
    the fix, as `--system X` does, not with a traceback."""
    from conftest import one_line_error

    site = tmp_path / "site"
    (site / "broken_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "broken_plugin-0.1.dist-info/METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (site / "broken_plugin-0.1.dist-info/entry_points.txt").write_text(
        "[clirbench.systems]\nbroken = broken_plugin:Plugin\n")
    (site / "broken_plugin.py").write_text(BROKEN_PLUGIN)
    settings = tmp_path / "broken.yaml"
    settings.write_text("system: broken\nname: broken-k\nsettings: {k1: 1.2}\n")
    extra = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    for model in ("broken", str(settings)):
        error, fix = one_line_error(cli("run", "--system", model, "--task", "toy", extra_env=extra, check=False))
        assert "plugin 'broken' (broken_plugin:Plugin) failed to import: ModuleNotFoundError" in error, (model, error)
        assert "clirbench_test_dependency_not_installed" in error and "make setup" in fix, (model, fix)


OLD_GROUP_PLUGINS = """
from clirbench.core.contract import SystemSpec
from clirbench.systems.bm25s_retriever import Bm25sRetriever


class Legacy(Bm25sRetriever):
    spec = SystemSpec("retriever", "registered under the old group")


class Current(Bm25sRetriever):
    spec = SystemSpec("retriever", "registered under the new group")
"""


def _distribution(site: Path, name: str, groups: dict[str, dict[str, str]]) -> None:
    """An installed distribution as pip leaves one: a dist-info folder with its entry points."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items()) + "\n"
        for group, points in groups.items()))


def test_a_plugin_registered_under_the_old_group_still_resolves(tmp_path, monkeypatch):
    """`clirbench.models`, the entry-point group's old name, is still read for one release; a
    name registered in both groups resolves to its `clirbench.systems` entry. Real distributions,
    found by importlib.metadata on sys.path."""
    from clirbench.core.contract import Retriever
    from clirbench.systems.registry import GROUP, OLD_GROUP, system_names, system_spec

    assert (GROUP, OLD_GROUP) == ("clirbench.systems", "clirbench.models")
    site = tmp_path / "site"
    _distribution(site, "old_style_plugin", {"clirbench.models": {"legacy-words": "old_group_plugins:Legacy",
                                                                  "in-both": "old_group_plugins:Legacy"}})
    _distribution(site, "new_style_plugin", {"clirbench.systems": {"in-both": "old_group_plugins:Current"}})
    (site / "old_group_plugins.py").write_text(OLD_GROUP_PLUGINS)
    monkeypatch.syspath_prepend(str(site))

    names = system_names()
    assert "legacy-words" in names and names.count("in-both") == 1 and "bm25s" in names
    spec = system_spec("legacy-words")
    assert (spec.name, spec.kind, spec.origin) == ("legacy-words", "retriever", "entry point")
    assert spec.description == "registered under the old group"
    plugin = spec.load()
    assert isinstance(plugin, Retriever) and type(plugin).__name__ == "Legacy"
    assert system_spec("in-both").description == "registered under the new group"
