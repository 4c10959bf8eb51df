"""Find a plugin by name: the `clirbench.models` entry-point group (built-ins register there
too), or `module:attr` naming a Retriever class, factory or instance."""

import importlib
from importlib.metadata import entry_points

from clirbench.errors import ClirbenchError
from clirbench.plugins.base import Retriever

GROUP = "clirbench.models"


def _entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available_models() -> list[str]:
    return sorted(_entry_points())


def _instantiate(obj, origin: str) -> Retriever:
    plugin = obj() if callable(obj) and not isinstance(obj, Retriever) else obj
    if not isinstance(plugin, Retriever):
        raise ClirbenchError(
            f"{origin} gave a {type(plugin).__name__}, not a clirbench plugin",
            "subclass clirbench.plugins.base.Retriever (see submissions/README.md)",
        )
    return plugin


def load_model(name: str) -> Retriever:
    eps = _entry_points()
    if name in eps:
        try:
            obj = eps[name].load()
        except Exception as e:
            raise ClirbenchError(f"plugin {name!r} ({eps[name].value}) failed to import: {type(e).__name__}: {e}",
                                 "check that its package and dependencies are installed (`make setup`)") from None
        return _instantiate(obj, f"plugin {name!r} ({eps[name].value})")
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as e:
            raise ClirbenchError(f"cannot load plugin {name!r}: {type(e).__name__}: {e}",
                                 "give `module:attr` of an importable module and an attribute in it") from None
        return _instantiate(obj, f"plugin {name!r}")
    raise ClirbenchError(
        f"unknown model {name!r}",
        f"use one of: {', '.join(available_models()) or '(none installed)'}, or module:attr",
    )
