"""Systems submitted as folders: `submissions/<name>/submission.yaml` (metadata and settings)
and `plugin.py` (the code). See submissions/README.md."""

import ast
import hashlib
import importlib.util
import inspect
import os
import sys
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import did_you_mean
from clirbench.core.paths import submissions_dir, submissions_dirs
from clirbench.systems.construct import construct
from clirbench.core.contract import Encoder, Retriever, SystemSpec
from clirbench.core.yaml_records import load_yaml_record


class SubmissionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
    plugin: str = Field("plugin.py:Plugin", pattern=r"^[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*$",
                        description="file:attribute of the plugin class or factory")
    settings: dict = {}  # keyword arguments of the plugin; recorded as the model's parameters
    description: str
    languages: list[str] | None = None
    num_parameters: int | None = None
    embedding_dim: int | None = None
    training_data: list[str] | None = None  # None: unknown; [] declares no training at all
    adapted_from: str | None = None
    license: str | None = None
    source: str | None = None
    notes: str = ""


def submission_folders() -> dict[str, Path]:
    """name -> folder over every folder of submissions (the repository's first, then those
    $CLIRBENCH_SUBMISSIONS_DIR adds); a name taken by an earlier folder is not looked at again."""
    found: dict[str, Path] = {}
    for root in submissions_dirs():
        if root.is_dir():
            for p in sorted(root.glob("*/submission.yaml")):
                found.setdefault(p.parent.name, p.parent)
    return found


def submission_names() -> list[str]:
    return sorted(submission_folders())


def is_submission_folder(path: str) -> bool:
    """A path (not a name) to a folder holding a submission.yaml."""
    return (Path(path).expanduser() / "submission.yaml").is_file()


def _folder(name_or_path: str) -> Path:
    """A submission's folder from its name, or from a path to the folder."""
    return submission_folders().get(name_or_path) or Path(name_or_path).expanduser().resolve()


def read_submission(folder: Path) -> SubmissionFile:
    path = folder / "submission.yaml"
    sub = load_yaml_record(path, SubmissionFile, "submission file", "see submissions/README.md")
    if sub.name != folder.name:
        raise ClirbenchError(f"{path}: name {sub.name!r} differs from its folder {folder.name!r}",
                             f"set `name: {folder.name}` or rename the folder")
    return sub


def _declared_kind(code: Path, attr: str) -> str:
    """encoder or retriever, from the base classes `attr` names in the plugin's source (read, not run)."""
    for node in ast.walk(ast.parse(code.read_text(encoding="utf-8"), filename=str(code))):
        if isinstance(node, ast.ClassDef) and node.name == attr:
            # Read by name: Encoder, Retriever, or a class named like one (HFEncoder, Bm25sRetriever).
            bases = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
            if any(b.endswith("Encoder") for b in bases):
                return "encoder"
            return "retriever" if any(b.endswith("Retriever") for b in bases) else "?"
    return "?"


def submission_spec(name: str) -> SystemSpec:
    """A submission (a name or a folder) from its files alone: its submission.yaml is read and
    its code parsed, never run. A submission that cannot load is not ready, and says why."""
    folder = _folder(name)
    origin = "submissions/" if folder.parent == submissions_dir() else str(folder.parent)
    found = SystemSpec("?", name=folder.name, origin=origin, loader=lambda: load_submission(name))
    try:
        sub = read_submission(folder)
    except ClirbenchError as e:
        problem = e.message.splitlines()[0]
        return replace(found, unavailable=lambda: problem)
    found = replace(found, description=sub.description, notes=sub.notes, languages=sub.languages,
                    training_data=sub.training_data)
    file_name, _, attr = sub.plugin.partition(":")
    code = folder / file_name
    try:
        kind = _declared_kind(code, attr)
    except (OSError, SyntaxError, ValueError) as e:
        problem = f"{code}: {type(e).__name__}: {e}"
        return replace(found, unavailable=lambda: problem)
    return replace(found, kind=kind)


# What a run writes into a submission's folder (results/, runs, locks), and what Python or an
# editor leaves there: not part of the code.
_NOT_CODE_DIRS = {"results", "runs", "__pycache__"}
_NOT_CODE_SUFFIXES = (".pyc", ".trec", ".lock", ".tmp")


def code_digest(folder: Path) -> str:
    """A hash of a submission's files: its code and whatever it ships beside it (weights,
    vocabularies), without submission.yaml (its settings are parameters already), results,
    caches and hidden files. It is one of the parameters, so it is part of the fingerprint that
    keys the cached vectors and indexes: changed code is encoded afresh, never served stale vectors."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _NOT_CODE_DIRS and not d.startswith(".")]  # not walked
        files += [Path(root) / n for n in names if not n.startswith(".") and n != "results.json"
                  and not n.endswith(_NOT_CODE_SUFFIXES)]
    digest = hashlib.sha256()
    for path in sorted(files):
        rel = path.relative_to(folder)
        if rel.as_posix() == "submission.yaml" or not path.is_file():
            continue
        content = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                content.update(block)
        digest.update(rel.as_posix().encode("utf-8") + b"\0" + content.digest())
    return digest.hexdigest()[:16]


def _no_such_plugin(folder: Path, field: str, module) -> ClirbenchError:
    """`plugin: file.py:Name` where the file (imported fine) defines no `Name`: the classes (and
    functions, which may be factories) that it does define."""
    file_name, _, attr = field.partition(":")
    own = [n for n, obj in vars(module).items() if isinstance(obj, type) and obj.__module__ == module.__name__]
    functions = [n for n, obj in vars(module).items() if inspect.isfunction(obj) and obj.__module__ == module.__name__
                 and not n.startswith("_")]
    defined = (f"it defines the class{'es' if len(own) > 1 else ''} {', '.join(own)}" if own else "it defines no class") + (
        f" and the functions {', '.join(functions)}" if functions else "")
    plugins = [n for n in own if issubclass(vars(module)[n], (Encoder, Retriever))] or own
    hint = (f"set `plugin: {file_name}:{plugins[0]}`" if len(plugins) == 1 else
            f"set `plugin: {file_name}:<one of them>`, the class (or function) that makes the plugin")
    return ClirbenchError(f"{folder / 'submission.yaml'}: field `plugin`: {file_name} has no {attr!r}"
                          f"{did_you_mean(attr, own + functions)}; {defined}", hint)


def load_submission(name: str) -> Retriever | Encoder:
    """A submission by name, or from a path to its folder."""
    folder = _folder(name)
    sub = read_submission(folder)
    name = sub.name
    file_name, _, attr = sub.plugin.partition(":")
    code = folder / file_name
    if not code.exists():
        raise ClirbenchError(f"{folder / 'submission.yaml'}: field `plugin`: {code} does not exist",
                             f"add {file_name}, or point `plugin:` at the file that holds the plugin")
    module_name = f"clirbench_submission_{name.replace('-', '_').replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, code)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        sys.modules.pop(module_name, None)
        raise ClirbenchError(f"submission {name!r}: {code} failed to import: {type(e).__name__}: {e}",
                             "run `python " + str(code) + "` to see the traceback; install what it needs") from None
    factory = getattr(module, attr, None)
    if factory is None:
        raise _no_such_plugin(folder, sub.plugin, module)
    plugin = construct(factory, sub.settings, str(folder / "submission.yaml"), "settings")
    if not isinstance(plugin, (Retriever, Encoder)):
        raise ClirbenchError(f"submission {name!r}: {sub.plugin} gave a {type(plugin).__name__}",
                             "subclass clirbench.core.contract.Encoder or Retriever (see submissions/README.md)")
    own = getattr(plugin, "meta", None)
    # Name, description, languages, training data and notes: the submission's spec (its
    # submission.yaml); the kind is the constructed plugin's (the spec's is read from its source).
    plugin.meta = submission_spec(str(folder)).meta(
        kind="encoder" if isinstance(plugin, Encoder) else "retriever",
        # The code's hash keys the vector and index caches (see code_digest).
        parameters={**(own.parameters if own else {}), **sub.settings, "code_sha256": code_digest(folder)},
        # 0 is a value (a system with nothing learned), not a missing one.
        num_parameters=sub.num_parameters if sub.num_parameters is not None else (own.num_parameters if own else None),
        embedding_dim=sub.embedding_dim if sub.embedding_dim is not None else (own.embedding_dim if own else None),
        adapted_from=sub.adapted_from, license=sub.license, source=sub.source,
    )
    return plugin


# The old name (one release).
submission_listing = submission_spec
