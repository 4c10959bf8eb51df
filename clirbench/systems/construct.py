"""Calling a plugin's class or factory with settings from a file, telling apart the user's
mistake (settings that do not fit) from the plugin's (an error inside it)."""

import inspect
import traceback

from clirbench.core.errors import ClirbenchError


def construct(factory, settings: dict, where: str, settings_field: str):
    """`factory(**settings)`. Settings that do not fit its signature are the user's to fix
    (named as `settings_field` of `where`); an error inside the factory is the plugin's, and
    is reported with the file and line it came from."""
    try:
        inspect.signature(factory).bind(**settings)
    except TypeError as e:
        raise ClirbenchError(f"{where}: field `{settings_field}`: {e}",
                             f"check the arguments of {getattr(factory, '__qualname__', factory)}") from None
    except ValueError:  # no signature to check (a builtin): calling it will tell
        pass
    try:
        return factory(**settings)
    except ClirbenchError:
        raise
    except Exception as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        raise ClirbenchError(f"{where}: {getattr(factory, '__qualname__', factory)}(...) raised "
                             f"{type(e).__name__}: {e} (at {frame.filename}:{frame.lineno})",
                             "the settings fit its arguments: the error is in the plugin's code") from None
