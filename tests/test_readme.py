"""The README stays a newcomer's guide that is true (issue 26 item 8, issue 29 item 4): at most
300 lines, every relative link of README.md and docs/*.md resolves, and its commands run as
written: "Evaluate your own encoder", the tour and the "Adding a ..." examples here, in a fresh
folder; every other command it names is run by the test this file names for it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from tiny_models import build_tiny_xlmr

README = REPO / "README.md"
BIN = Path(sys.executable).parent  # where `clirbench` is installed, beside this Python
LOCAL = Path(os.environ.get("CLIRBENCH_LOCAL_DATA", "/nonexistent"))
# Covered elsewhere: the app, by AppTest and in chromium (tests/test_leaderboard.py).
SKIPPED_HERE = ("streamlit run leaderboard/app.py",)


def _section(title: str) -> str:
    """The text of the README's `## title` (or `### title`) section, up to the next heading."""
    text = README.read_text()
    match = re.search(rf"^#{{2,3}} {re.escape(title)}\n(.*?)(?=^#{{2,3}} |\Z)", text, re.M | re.S)
    assert match, f"README.md has no section {title!r}"
    return match.group(1)


def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


def _lines(body: str) -> list[str]:
    """The command lines of a block, without their comments."""
    return [re.sub(r"\s+#.*$", "", line).strip() for line in body.splitlines() if line.strip()]


def _commands(title: str, index: int = 0) -> list[str]:
    return _lines([b for lang, b in _blocks(_section(title)) if lang == ""][index])


def _shell(line: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """One README line, as a user types it, in `cwd`."""
    proc = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"`{line}` failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def user_env(env):
    """A user's shell: `clirbench` on PATH, the default results folder, no extra submissions."""
    e = {k: v for k, v in env.items() if k not in ("CLIRBENCH_RESULTS", "CLIRBENCH_SUBMISSIONS_DIR")}
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e["HF_HUB_OFFLINE"] = "1"
    return e


def test_the_readme_is_short_and_the_newcomers_path_comes_first():
    lines = README.read_text().splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines: move details to docs/"
    headings = [line for line in lines if line.startswith("## ")]
    # The first screen: what it is, the two commands, then evaluating one's own encoder.
    assert headings[0] == "## Evaluate your own encoder"
    assert lines.index("## Evaluate your own encoder") < 30
    assert "make demo" in "\n".join(lines[:20]) and "make test" in "\n".join(lines[:20])
    assert len(_section("Evaluate your own encoder").strip().splitlines()) < 15
    for title in ("## Concepts", "## Adding a task", "## Adding a system", "## Adding a recipe", "## Training",
                  "## Statistics", "## Architecture"):
        assert title in headings, title
    # `see README.md (Systems)`: the fix that settings-file errors print.
    assert "## Systems" in headings


def _links(path: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)  # not inside code
    return re.findall(r"\]\(([^)\s]+)\)", text)


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("doc", [README, *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    links = [link for link in _links(doc) if not re.match(r"[a-z]+:", link)]
    for link in links:
        target, _, anchor = link.partition("#")
        path = (doc.parent / target).resolve() if target else doc
        assert path.exists(), f"{doc.name}: link {link} points to no file"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{doc.name}: link {link}: {path.name} has no heading #{anchor}"


def test_readme_links_every_doc():
    linked = {(README.parent / link.partition("#")[0]).resolve() for link in _links(README)}
    for doc in sorted((REPO / "docs").glob("*.md")):
        assert doc.resolve() in linked, f"README.md does not link {doc.relative_to(REPO)}"


@pytest.mark.skipif(not (LOCAL / "afriqa").is_dir(), reason="CLIRBENCH_LOCAL_DATA does not hold afriqa/")
def test_evaluate_your_own_encoder_as_written(user_env, tmp_path):
    """The lines of "Evaluate your own encoder", in a fresh folder where `./my-encoder` is a tiny
    transformers model: check, the toy task, two AfriQA-R pairs, the leaderboard."""
    lines = _commands("Evaluate your own encoder")
    folders = {m for line in lines for m in re.findall(r"hf:(\./[\w.-]+)", line)}
    assert folders == {"./my-encoder"}, folders
    build_tiny_xlmr(tmp_path / "my-encoder", max_tokens=32)
    ran = [line for line in lines if line not in SKIPPED_HERE]
    assert len(ran) == len(lines) - 1 and [line.split()[1] for line in ran] == ["check", "run", "run", "leaderboard"]
    out = {line: _shell(line, tmp_path, user_env) for line in ran}
    assert "no problems" in out[ran[0]].stdout
    toy = tmp_path / "results" / "toy" / "hf-my-encoder"
    assert (toy / "results.json").exists() and len(list((toy / "runs").glob("*.trec"))) == 16
    real = tmp_path / "results" / "afriqa-r" / "hf-my-encoder"
    assert sorted(p.name for p in (real / "runs").glob("*.trec")) == ["hau-en.trec", "yor-en.trec"]
    board = out[ran[-1]].stdout
    assert "hf-my-encoder" in board and "hau-en" in board and "yor-en" in board
    # The prose names `clirbench tasks afriqa-r`: it lists the pairs that --pairs takes.
    assert "`clirbench tasks\nafriqa-r`" in _section("Evaluate your own encoder")
    listing = _shell("clirbench tasks afriqa-r", tmp_path, user_env).stdout
    assert "hau-en" in listing and "yor-en" in listing


def test_the_tour_as_written(user_env, tmp_path):
    lines = _commands("A 5-minute tour")
    out = {line: _shell(line, tmp_path, user_env) for line in lines}
    for system in ("bm25s", "hashed-ngrams", "fuse-rrf:bm25s+hashed-ngrams"):
        assert (tmp_path / "results" / "toy" / system / "results.json").exists(), system
    board = out["clirbench leaderboard --task toy --baseline bm25s"].stdout
    assert all(name in board for name in ("bm25s", "hashed-ngrams", "fuse-rrf:bm25s+hashed-ngrams"))
    assert "bm25s" in out["clirbench systems"].stdout and "toy" in out["clirbench tasks"].stdout


def _write_block(section: str, lang: str, dest: Path, default_name: str | None = None) -> Path:
    """A README example saved where its first comment line says (`# my-system/plugin.py`), or as
    `default_name`."""
    body = [b for fence, b in _blocks(_section(section)) if fence == lang]
    assert body, f"{section}: no {lang} block"
    first = body[0].splitlines()[0]
    name = first[2:].strip() if first.startswith("# ") and first.strip().endswith((".py", ".yaml")) else default_name
    path = dest / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body[0])
    return path


def test_adding_a_task_as_written(user_env, tmp_path):
    lines = _commands("Adding a task")
    task_file = re.search(r"--task (\S+\.yaml)", " ".join(lines)).group(1)
    _write_block("Adding a task", "yaml", tmp_path, task_file)
    out = [_shell(line, tmp_path, user_env) for line in lines]
    assert "en-sw" in out[0].stdout
    written = tmp_path / "results" / "toy-en-sw" / "bm25s"
    assert sorted(p.stem for p in (written / "runs").glob("*.trec")) == ["en-en", "en-sw", "sw-en", "sw-sw"]


def test_adding_a_system_as_written(user_env, tmp_path):
    plugin = _write_block("Adding a system", "python", tmp_path)
    meta = _write_block("Adding a system", "yaml", tmp_path)
    assert plugin.parent == meta.parent == tmp_path / "my-system"
    lines = _commands("Adding a system")
    out = [_shell(line, tmp_path, user_env) for line in lines]
    assert "no problems" in out[0].stdout
    assert len(list((tmp_path / "results" / "toy" / "my-system" / "runs").glob("*.trec"))) == 16


def test_adding_a_recipe_loads_with_the_readmes_override(tmp_path):
    """Training it needs me5-small (test_train.py trains tiny recipes through `clirbench train`):
    here the example is a valid recipe, and `--set max_steps=40` applies to it."""
    from clirbench.train.recipe import load_recipe

    path = _write_block("Adding a recipe", "yaml", tmp_path)
    assert path.name == "my-recipe.yaml"
    assert f"clirbench train {path.name} --set max_steps=40" in _section("Adding a recipe")
    recipe = load_recipe(path, ["max_steps=40"])
    assert recipe.recipe == "optical" and recipe.max_steps == 40 and recipe.bitext[0].languages == ["swa", "yor"]


# Every other command the README names, by its first words: the test file that runs it, and what
# that file holds when it does. Run as written above: the blocks of these sections.
RUN_HERE = ("Evaluate your own encoder", "A 5-minute tour", "Adding a task", "Adding a system")
ELSEWHERE = {
    "make test": (".ci/run", "make test"),  # CI runs it
    "python -c": ("tests/test_api.py", "README_LINE"),
    "streamlit run": ("tests/test_leaderboard.py", 'AppTest.from_file(str(REPO / "leaderboard/app.py")'),
    "clirbench run": ("tests/test_cli_toy.py", '"run", "--system"'),
    "clirbench tasks": ("tests/test_cli_toy.py", 'cli("tasks"'),
    "clirbench systems install": ("tests/test_optical_english_teacher.py", 'cli("systems", "install", "minilm-en")'),
    "clirbench leaderboard": ("tests/test_pool.py", '"leaderboard", "--task", "toy-pool", "--view", "summary"'),
    "clirbench train": ("tests/test_train.py", '"clirbench.cli", "train"'),
    "clirbench experiment": ("tests/test_experiment_grids.py", '"clirbench.cli", "experiment"'),
    "clirbench check": ("tests/test_newcomer.py", 'cli("check"'),
}
# Each command of `make demo`, on smaller data: its subcommands are among those above.


def _readme_commands() -> list[str]:
    text = README.read_text()
    found = []
    for _, body in _blocks(text):
        found += [line for line in _lines(body) if re.match(r"(clirbench|make|streamlit|python) ", line)]
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    found += [c.replace("\n", " ") for c in re.findall(r"`((?:clirbench|make|streamlit) [^`]+)`", prose)]
    return found


def _key(command: str) -> str:
    words = command.split()
    if words[0] == "clirbench" and words[1] in ("models", "systems") and len(words) > 2:
        return " ".join(words[:3])
    return " ".join(words[:2])


def test_every_readme_command_is_run_by_a_test():
    here = {line for title in RUN_HERE for _, body in _blocks(_section(title)) for line in _lines(body)}
    uncovered = []
    for command in _readme_commands():
        if command in here or "<command>" in command:
            continue
        key = _key(command)
        if key == "make demo":
            demo = re.search(r"^demo:.*?\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.M).group(1)
            keys = {_key(line.strip().replace("$(BIN)/", "")) for line in demo.splitlines()
                    if line.strip().startswith("$(BIN)/clirbench")}
            uncovered += [f"make demo: {k}" for k in keys if k not in ELSEWHERE]
        elif key not in ELSEWHERE:
            uncovered.append(command)
        else:
            where, needle = ELSEWHERE[key]
            if needle not in (REPO / where).read_text():
                uncovered.append(f"{command} ({where} no longer runs it)")
    assert not uncovered, f"README commands that no test runs: {uncovered}"
