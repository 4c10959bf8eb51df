"""Calling a plugin's class or factory with settings from a file, telling apart the user's
mistake (settings that do not fit) from the plugin's (an error inside it)."""

import inspect
import traceback

from pydantic import ConfigDict, TypeAdapter, ValidationError

from clirbench.core.errors import ClirbenchError

_FINITE = ConfigDict(allow_inf_nan=False)


def _type_name(annotation) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def typed_settings(factory, settings: dict, where: str, settings_field: str | None) -> dict:
    """`settings` checked against the type annotations of `factory`'s parameters, and converted
    to them (`k1: "0.9"` becomes 0.9): a value of the wrong type, NaN or an infinity, or a
    boolean where a number is due, is an error naming the field. Parameters without an
    annotation pydantic can check are passed as they are."""
    try:
        params = inspect.signature(factory, eval_str=True).parameters
    except Exception:  # no signature, or annotations that do not resolve: nothing to check against
        return settings
    out = dict(settings)
    for key, value in settings.items():
        param = params.get(key)
        if param is None or param.annotation is inspect.Parameter.empty or param.kind is param.VAR_KEYWORD:
            continue
        try:
            adapter = TypeAdapter(param.annotation, config=_FINITE)
        except Exception:  # a type pydantic cannot check (a plugin's own class): the plugin will
            continue
        try:
            checked = adapter.validate_python(value)
            if isinstance(value, bool) and not isinstance(checked, bool):
                raise ValueError("a boolean is not a number")
        except (ValidationError, ValueError) as e:
            why = e.errors()[0]["msg"] if isinstance(e, ValidationError) else str(e)
            field = f"{settings_field}.{key}" if settings_field else key
            default = "" if param.default is inspect.Parameter.empty else f" (default: {param.default!r})"
            raise ClirbenchError(f"{where}: field `{field}`: {value!r} is not a valid {_type_name(param.annotation)} "
                                 f"({why})", f"give `{key}` a value of type {_type_name(param.annotation)}{default}") from None
        out[key] = checked
    return out


def construct(factory, settings: dict, where: str, settings_field: str | None):
    """`factory(**settings)`. Settings that do not fit its signature are the user's to fix
    (named as `settings_field` of `where`; None: there are no settings, the factory must take
    no arguments); an error inside the factory is the plugin's, and is reported with the file
    and line it came from."""
    try:
        inspect.signature(factory).bind(**settings)
    except TypeError as e:
        name = getattr(factory, "__qualname__", factory)
        if settings_field is None:
            raise ClirbenchError(f"{where}: {name} cannot be called without arguments ({e}), so it is no plugin "
                                 "class or factory", "name a plugin class, a factory that takes no arguments, or an "
                                 "instance (see submissions/README.md)") from None
        raise ClirbenchError(f"{where}: field `{settings_field}`: {e}", f"check the arguments of {name}") from None
    except ValueError:  # no signature to check (a builtin): calling it will tell
        pass
    settings = typed_settings(factory, settings, where, settings_field)
    try:
        return factory(**settings)
    except ClirbenchError:
        raise
    except Exception as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        raise ClirbenchError(f"{where}: {getattr(factory, '__qualname__', factory)}(...) raised "
                             f"{type(e).__name__}: {e} (at {frame.filename}:{frame.lineno})",
                             "the settings fit its arguments: the error is in the plugin's code") from None
