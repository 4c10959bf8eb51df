"""YAML files read into typed records (tasks, submissions, encoder settings), with errors that
name the file and the field."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from clirbench.core.errors import ClirbenchError
from clirbench.core.textfiles import read_text

Record = TypeVar("Record", bound=BaseModel)


def load_yaml_record(path: Path, record: type[Record], what: str, hint: str) -> Record:
    """`path` parsed and validated as `record`; `what` names the kind of file in errors,
    `hint` says where a valid example is."""
    return validate_record(read_yaml_mapping(path, what, hint), path, record, what, hint)


def read_yaml_mapping(path: Path, what: str, hint: str) -> dict:
    """The mapping a YAML file holds; errors name the file (and the line, for bad syntax)."""
    path = Path(path)
    text = read_text(path, what, "give the path of a readable file")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ClirbenchError(f"{path}: not valid YAML: {_one_line(e)}", "fix the YAML syntax at the line shown") from None
    except RecursionError:
        raise ClirbenchError(f"{path}: {what} is nested too deeply to parse", hint) from None
    except ValueError as e:  # a value YAML's constructors refuse: an integer of over 4300 digits, a date 2024-13-45
        why = str(e).split(":")[0] if "integer string conversion" in str(e) else str(e)
        raise ClirbenchError(f"{path}: {what} holds a value that cannot be read ({why})", hint) from None
    except (LookupError, AttributeError, TypeError):  # PyYAML's constructors on a tag that does not fit: `!!int ''`
        raise ClirbenchError(f"{path}: {what} holds a value that cannot be read (a tag such as !!int, !!bool or "
                             "!!timestamp on a value that is not one)", hint) from None
    if not isinstance(raw, dict):
        raise ClirbenchError(f"{path}: a {what} must hold a mapping of fields", hint)
    return raw


def _one_line(error: yaml.YAMLError) -> str:
    """A YAML error in one line: what is wrong and where (PyYAML's own spans several, with the
    text quoted and a caret under it)."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        what = ", ".join(part for part in (error.context, error.problem) if part) or "syntax error"
        return f"{what} (line {mark.line + 1}, column {mark.column + 1})" if mark else what
    return str(error).splitlines()[0]


def validate_record(raw: dict, path: Path, record: type[Record], what: str, hint: str) -> Record:
    """`raw`, read from `path`, validated as `record`; errors name the file and every bad field."""
    try:
        return record.model_validate(raw)
    except ValidationError as e:
        lines = [f"{path}: invalid {what}"]
        for err in e.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  field `{field}`: {err['msg']}")
        raise ClirbenchError("\n".join(lines), f"{hint}; fields: {', '.join(record.model_fields)}") from None
