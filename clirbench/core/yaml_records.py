"""YAML files read into typed records (tasks, submissions, encoder settings), with errors that
name the file and the field."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from clirbench.core.errors import ClirbenchError

Record = TypeVar("Record", bound=BaseModel)


def load_yaml_record(path: Path, record: type[Record], what: str, hint: str) -> Record:
    """`path` parsed and validated as `record`; `what` names the kind of file in errors,
    `hint` says where a valid example is."""
    return validate_record(read_yaml_mapping(path, what, hint), path, record, what, hint)


def read_yaml_mapping(path: Path, what: str, hint: str) -> dict:
    """The mapping a YAML file holds; errors name the file (and the line, for bad syntax)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ClirbenchError(f"cannot read {what} {path}: {e.strerror}", "give the path of a readable file") from None
    except yaml.YAMLError as e:
        raise ClirbenchError(f"{path}: not valid YAML: {e}", "fix the YAML syntax at the line shown") from None
    if not isinstance(raw, dict):
        raise ClirbenchError(f"{path}: a {what} must hold a mapping of fields", hint)
    return raw


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
