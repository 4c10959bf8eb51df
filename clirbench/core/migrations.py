"""Versioned records (student manifests, experiment records): a file of an older schema is
lifted step by step to the current one when read; an unknown version is refused."""

from collections.abc import Callable

Step = Callable[[dict], dict]


def unversioned_is(version: int) -> Step:
    """The step for files written before `schema_version` existed: they have `version`'s layout."""
    return lambda raw: {**raw, "schema_version": version}


def migrate(raw: dict, current: int, steps: dict[int | None, Step], what: str) -> dict:
    """`raw` (a parsed record of any known version) lifted to `current`; `steps[v]` lifts a
    record of version v (None: no `schema_version` field) one step."""
    version = raw.get("schema_version")
    while version != current:
        if version not in steps:
            raise ValueError(f"{what} schema version {version!r} is unknown (this clirbench reads versions up to "
                             f"{current})")
        raw = steps[version](raw)
        version = raw["schema_version"]
    return raw
