"""Reading users' text files (YAML, JSON, TREC runs): UTF-8 only, with one-line errors that
name the file and say how to fix it, never a UnicodeDecodeError or a RecursionError. Every
message starts with `<path>: `."""

import json
from pathlib import Path
from typing import Any

from clirbench.core.errors import ClirbenchError

SAVE_AS_UTF8 = "save it as UTF-8 (e.g. `iconv -f <its encoding> -t utf-8`)"


def read_text(path: Path, what: str, hint: str, not_utf8_hint: str = SAVE_AS_UTF8) -> str:
    """The text of `path`, decoded as UTF-8; `what` names the kind of file in errors, `hint`
    says what to do when it cannot be read, `not_utf8_hint` when it is not UTF-8 (files that
    clirbench writes itself are rewritten rather than converted)."""
    path = Path(path)
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        line = e.object[: e.start].count(b"\n") + 1
        raise ClirbenchError(f"{path}: {what} is not UTF-8 text (byte 0x{e.object[e.start]:02x} at line {line})",
                             not_utf8_hint) from None
    except OSError as e:
        raise ClirbenchError(f"{path}: cannot read {what}: {e.strerror or e}", hint) from None


def parse_json(text: str, path: Path, what: str, hint: str) -> Any:
    """`text` (read from `path`) parsed as JSON. Malformed JSON, nesting too deep for the parser
    and integers too long to convert are errors naming the file, not tracebacks."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ClirbenchError(f"{path}: {what} is not valid JSON ({e})", hint) from None
    except RecursionError:
        raise ClirbenchError(f"{path}: {what} is nested too deeply to parse", hint) from None
    except ValueError as e:  # an integer of more than 4300 digits (Python's limit on converting them)
        raise ClirbenchError(f"{path}: {what} holds a number too long to read ({str(e).split(':')[0]})", hint) from None


def read_json(path: Path, what: str, hint: str) -> Any:
    """The JSON value `path` holds (UTF-8); errors name the file and end with `hint`."""
    return parse_json(read_text(path, what, hint, hint), path, what, hint)
