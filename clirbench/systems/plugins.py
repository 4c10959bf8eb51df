"""Read a plugin's name into its SystemSpec (clirbench.core.contract), without constructing it,
in this order (clirbench.systems.registry adds trained model folders and fusions):
  - an entry point of the `clirbench.systems` group (the built-ins register there too), or of
    its old name, `clirbench.models` (read for one release; the new group wins a name in both);
  - a folder `submissions/<name>/` (submission.yaml + plugin.py), in the repository's
    submissions/ or a folder $CLIRBENCH_SUBMISSIONS_DIR adds; or a path to such a folder;
  - `hf:<hub-id-or-folder>`: a transformers model with default settings;
  - a path to a YAML file: settings of an installed system (`system: nmt+bm25`), or of a
    Hugging Face encoder (`model: <hub id or folder>`);
  - `module:attr` naming a plugin class, factory or instance."""

import importlib
import re
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import MAX_LENGTH, SAFE_NAME, did_you_mean
from clirbench.core.contract import Encoder, Retriever, SystemMeta, SystemSpec, declared_spec
from clirbench.systems.construct import construct
from clirbench.systems.submissions import is_submission_folder, submission_names, submission_spec
from clirbench.core.yaml_records import read_yaml_mapping, validate_record

GROUP = "clirbench.systems"
# The group's old name: third-party plugins registered there still resolve, for one release.
OLD_GROUP = "clirbench.models"


def _entry_points() -> dict:
    """The entry points by name: the old group's, then the new group's over them."""
    return {ep.name: ep for group in (OLD_GROUP, GROUP) for ep in entry_points(group=group)}


def system_names() -> list[str]:
    """The systems listed by name: installed entry points, then submissions."""
    eps = _entry_points()
    return sorted(eps) + [n for n in submission_names() if n not in eps]


def _import(name: str, entry_point):
    """The object an entry point names. One that fails to import is a one-line error naming the
    plugin and the fix, not a traceback, whether it is loaded by name or by a settings file."""
    try:
        return entry_point.load()
    except Exception as e:
        raise ClirbenchError(f"plugin {name!r} ({entry_point.value}) failed to import: {type(e).__name__}: {e}",
                             "check that its package and dependencies are installed (`make setup`)") from None


def _entry_point_spec(name: str, entry_point) -> SystemSpec:
    """The spec an entry point's plugin declares, completed. Its module is imported (cheap:
    plugins import heavy libraries when built); one that fails to import is not ready, and
    loading it says why."""
    where = f"plugin {name!r} ({entry_point.value})"
    try:
        obj = _import(name, entry_point)
    except ClirbenchError as e:
        message, hint, problem = e.message, e.hint, e.message.removeprefix(f"{where} ")

        def failed():
            raise ClirbenchError(message, hint)
        return SystemSpec("?", name=name, origin="entry point", unavailable=lambda: problem, loader=failed)
    spec = declared_spec(obj) or SystemSpec("?", notes="the plugin declares no spec")
    return replace(spec, name=spec.name or name, origin="entry point", loader=lambda: _instantiate(obj, where))


def _instantiate(obj, origin: str) -> Retriever | Encoder:
    plugin = construct(obj, {}, origin, None) if callable(obj) and not isinstance(obj, (Retriever, Encoder)) else obj
    if not isinstance(plugin, (Retriever, Encoder)):
        raise ClirbenchError(
            f"{origin} gave a {type(plugin).__name__}, not a clirbench plugin",
            "subclass clirbench.core.contract.Encoder or Retriever (see submissions/README.md)",
        )
    meta = getattr(plugin, "meta", None)
    if not isinstance(meta, SystemMeta):
        got = "has no `meta`" if meta is None else f"has a `meta` of type {type(meta).__name__}"
        kind = "encoder" if isinstance(plugin, Encoder) else "retriever"
        raise ClirbenchError(
            f"{origin}: the {type(plugin).__name__} {got}; a plugin must carry its metadata (the name in results, its kind)",
            f"set `self.meta = SystemMeta(name=\"my-system\", kind=\"{kind}\")` in __init__ "
            "(clirbench.core.contract.SystemMeta; also description, languages, training_data, ...), "
            "or make it a submissions/ folder whose submission.yaml holds them",
        )
    return plugin


# `module:attr`: an absolute dotted module name, a colon, an attribute (dotted: Class.factory).
_MODULE_ATTR = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _module_attr(name: str):
    """The object `module:attr` names; errors say what is wrong with the name or the import."""
    hint = "give `module:attr` of an importable module and an attribute in it, e.g. `my_plugins:MyRetriever`"
    if not _MODULE_ATTR.fullmatch(name):
        raise ClirbenchError(f"{name!r} is not `module:attr`: it needs a module name (absolute, dotted: a.b), "
                             "a colon and an attribute name (letters, digits, _)", hint)
    module_name, _, attr = name.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ClirbenchError(f"cannot load plugin {name!r}: {type(e).__name__}: {e}", hint) from None
    except Exception as e:  # the module's own code failed while it was imported
        raise ClirbenchError(f"cannot load plugin {name!r}: importing {module_name} raised {type(e).__name__}: {e}",
                             f"run `python -c 'import {module_name}'` to see the traceback") from None
    return obj


class SystemSettings(BaseModel):
    """A settings file for an installed system: `system: nmt+bm25`, `settings: {...}`."""

    model_config = ConfigDict(extra="forbid")

    system: str
    # The name in results, when several settings of one system are compared; it names folders.
    name: str | None = Field(None, pattern=SAFE_NAME, max_length=MAX_LENGTH)
    settings: dict = {}


def _configured_system(path: Path, raw: dict) -> SystemSpec:
    """An installed system with the settings of the file `path`."""
    record = validate_record(raw, path, SystemSettings, "system settings file", "see README.md (Systems)")
    eps = _entry_points()
    if record.system not in eps:
        raise ClirbenchError(f"{path}: field `system`: unknown system {record.system!r}",
                             f"use one of: {', '.join(sorted(eps))}")

    spec = _entry_point_spec(record.system, eps[record.system])

    def load() -> Retriever | Encoder:
        # As the entry point's own loader: one that fails to import is a one-line error, not a traceback.
        plugin = construct(_import(record.system, eps[record.system]), record.settings, str(path), "settings")
        if record.name:
            # Validated, not model_copy(update=...), which checks nothing.
            plugin.meta = SystemMeta.model_validate({**plugin.meta.model_dump(), "name": record.name})
        return plugin
    return replace(spec, name=record.name or spec.name, origin=str(path), loader=load)


def _module_attr_spec(name: str) -> SystemSpec:
    """`module:attr`: its module is imported; the kind is what the plugin declares, or its class."""
    obj = _module_attr(name)
    spec = declared_spec(obj)
    if spec is None:
        cls = obj if isinstance(obj, type) else type(obj)
        kind = "encoder" if issubclass(cls, Encoder) else "retriever" if issubclass(cls, Retriever) else "?"
        spec = SystemSpec(kind)
    return replace(spec, name=spec.name or name, origin="module:attr",
                   loader=lambda: _instantiate(obj, f"plugin {name!r}"))


def claims(name: str) -> bool:
    """Whether `name` is an entry point or a submission: those come before any other reading of it."""
    return name in _entry_points() or name in submission_names() or is_submission_folder(name)


def plugin_spec(name: str) -> SystemSpec:
    """The spec of the plugin `name` names (every kind of name but a trained model folder and a
    fusion, which clirbench.systems.registry reads)."""
    eps = _entry_points()
    if name in eps:
        return _entry_point_spec(name, eps[name])
    if name in submission_names() or is_submission_folder(name):
        return submission_spec(name)
    if name.startswith("hf:"):
        from clirbench.systems.hf_encoder import HFEncoderSettings, encoder_spec

        return encoder_spec(HFEncoderSettings(model=name[3:]), "hf:")
    if name.endswith((".yaml", ".yml")):
        if not Path(name).exists():
            raise ClirbenchError(f"no settings file {name}", "give the path of an existing YAML file")
        raw = read_yaml_mapping(Path(name), "settings file", "see README.md (Systems)")
        if "system" in raw:
            return _configured_system(Path(name), raw)
        from clirbench.systems.hf_encoder import encoder_spec, settings_from_mapping

        return encoder_spec(settings_from_mapping(Path(name), raw), name)
    if ":" in name:
        return _module_attr_spec(name)
    known = system_names()
    raise ClirbenchError(
        f"unknown system {name!r}{did_you_mean(name, known)}",
        f"use one of: {', '.join(known) or '(none installed)'}; a submission elsewhere: its folder's path, or add "
        "the folder that holds it to $CLIRBENCH_SUBMISSIONS_DIR to use its name; hf:<model id or folder>, "
        "an encoder settings .yaml, or module:attr",
    )


# The old names (one release; use plugin_spec and system_names). model_listing(name) gave
# (what `clirbench models` showed, where it came from): now (its spec, the spec's origin).
available_models = system_names


def model_listing(name: str) -> tuple[SystemSpec, str]:
    """Old name (one release): `plugin_spec(name)` and its origin."""
    spec = plugin_spec(name)
    return spec, spec.origin


def load_plugin(name: str) -> Retriever | Encoder:
    """Old name (one release): `plugin_spec(name).load()`; clirbench.systems.registry.load_system
    reads trained model folders and fusions too."""
    return plugin_spec(name).load()
