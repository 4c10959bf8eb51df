"""Find a plugin by name, in this order (clirbench.systems.registry adds trained model folders):
  - an entry point of the `clirbench.models` group (the built-ins register there too);
  - a folder `submissions/<name>/` (submission.yaml + plugin.py), in the repository's
    submissions/ or a folder $CLIRBENCH_SUBMISSIONS_DIR adds; or a path to such a folder;
  - `hf:<hub-id-or-folder>`: a transformers model with default settings;
  - a path to a YAML file: settings of an installed system (`system: nmt+bm25`), or of a
    Hugging Face encoder (`model: <hub id or folder>`);
  - `module:attr` naming a plugin class, factory or instance."""

import importlib
import re
from importlib.metadata import entry_points
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import MAX_LENGTH, SAFE_NAME, did_you_mean
from clirbench.core.paths import submissions_dir
from clirbench.core.contract import Encoder, Listing, ModelMeta, Retriever
from clirbench.systems.construct import construct
from clirbench.systems.submissions import (is_submission_folder, load_submission, submission_folders,
                                          submission_listing, submission_names)
from clirbench.core.yaml_records import read_yaml_mapping, validate_record

GROUP = "clirbench.models"


def _entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available_models() -> list[str]:
    """Installed entry points, then submissions."""
    eps = _entry_points()
    return sorted(eps) + [n for n in submission_names() if n not in eps]


def model_listing(name: str) -> tuple[Listing | None, str]:
    """(what `clirbench models` shows, where the system comes from), without constructing it.
    An entry point's module is imported (cheap: plugins import heavy libraries when built);
    a submission's code is only parsed. The listing is None for a plugin that declares none."""
    eps = _entry_points()
    if name in eps:
        try:
            obj = eps[name].load()
        except Exception as e:
            problem = f"failed to import: {type(e).__name__}: {e}"
            return Listing("?", "", unavailable=lambda: problem), "entry point"
        return getattr(obj, "listing", None), "entry point"
    folder = submission_folders().get(name)
    origin = "submissions/" if folder is None or folder.parent == submissions_dir() else str(folder.parent)
    return submission_listing(name), origin


def _instantiate(obj, origin: str) -> Retriever | Encoder:
    plugin = construct(obj, {}, origin, None) if callable(obj) and not isinstance(obj, (Retriever, Encoder)) else obj
    if not isinstance(plugin, (Retriever, Encoder)):
        raise ClirbenchError(
            f"{origin} gave a {type(plugin).__name__}, not a clirbench plugin",
            "subclass clirbench.core.contract.Encoder or Retriever (see submissions/README.md)",
        )
    meta = getattr(plugin, "meta", None)
    if not isinstance(meta, ModelMeta):
        got = "has no `meta`" if meta is None else f"has a `meta` of type {type(meta).__name__}"
        kind = "encoder" if isinstance(plugin, Encoder) else "retriever"
        raise ClirbenchError(
            f"{origin}: the {type(plugin).__name__} {got}; a plugin must carry its metadata (the name in results, its kind)",
            f"set `self.meta = ModelMeta(name=\"my-system\", kind=\"{kind}\")` in __init__ "
            "(clirbench.core.contract.ModelMeta; also description, languages, training_data, ...), "
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


def _hf(settings) -> Encoder:
    from clirbench.systems.hf_encoder import HFEncoder

    return HFEncoder(settings)


class SystemSettings(BaseModel):
    """A settings file for an installed system: `system: nmt+bm25`, `settings: {...}`."""

    model_config = ConfigDict(extra="forbid")

    system: str
    # The name in results, when several settings of one system are compared; it names folders.
    name: str | None = Field(None, pattern=SAFE_NAME, max_length=MAX_LENGTH)
    settings: dict = {}


def _configured_system(path: Path, raw: dict) -> Retriever | Encoder:
    record = validate_record(raw, path, SystemSettings, "system settings file", "see README.md (Systems)")
    eps = _entry_points()
    if record.system not in eps:
        raise ClirbenchError(f"{path}: field `system`: unknown system {record.system!r}",
                             f"use one of: {', '.join(sorted(eps))}")
    plugin = construct(eps[record.system].load(), record.settings, str(path), "settings")
    if record.name:
        # Validated, not model_copy(update=...), which checks nothing.
        plugin.meta = ModelMeta.model_validate({**plugin.meta.model_dump(), "name": record.name})
    return plugin


def claims(name: str) -> bool:
    """Whether `name` is an entry point or a submission: those come before any other reading of it."""
    return name in _entry_points() or name in submission_names() or is_submission_folder(name)


def load_plugin(name: str) -> Retriever | Encoder:
    """The plugin `name` names (every kind of name but a trained model folder)."""
    eps = _entry_points()
    if name in eps:
        try:
            obj = eps[name].load()
        except Exception as e:
            raise ClirbenchError(f"plugin {name!r} ({eps[name].value}) failed to import: {type(e).__name__}: {e}",
                                 "check that its package and dependencies are installed (`make setup`)") from None
        return _instantiate(obj, f"plugin {name!r} ({eps[name].value})")
    if name in submission_names() or is_submission_folder(name):
        return load_submission(name)
    if name.startswith("hf:"):
        from clirbench.systems.hf_encoder import HFEncoderSettings

        return _hf(HFEncoderSettings(model=name[3:]))
    if name.endswith((".yaml", ".yml")):
        if not Path(name).exists():
            raise ClirbenchError(f"no settings file {name}", "give the path of an existing YAML file")
        raw = read_yaml_mapping(Path(name), "settings file", "see README.md (Systems)")
        if "system" in raw:
            return _configured_system(Path(name), raw)
        from clirbench.systems.hf_encoder import settings_from_mapping

        return _hf(settings_from_mapping(Path(name), raw))
    if ":" in name:
        return _instantiate(_module_attr(name), f"plugin {name!r}")
    known = available_models()
    raise ClirbenchError(
        f"unknown model {name!r}{did_you_mean(name, known)}",
        f"use one of: {', '.join(known) or '(none installed)'}; a submission elsewhere: its folder's path, or add "
        "the folder that holds it to $CLIRBENCH_SUBMISSIONS_DIR to use its name; hf:<model id or folder>, "
        "an encoder settings .yaml, or module:attr",
    )
