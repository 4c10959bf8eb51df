"""Names that become parts of paths: systems, tasks and pairs name folders and files under
`--out` and the cache. A name is checked where a path is built from it, so that a name from a
settings file, a plugin or the command line can never reach outside its folder (`../x`, `/x`)."""

import re
from pathlib import Path

from clirbench.core.errors import ClirbenchError

# Letters, digits and _ . + : -, starting with a letter or a digit: no '/', no '..' alone, no
# leading '-' or '.', nothing a shell or a file system reads specially. Fusions use '+' and ':'.
SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.+:-]*$"
MAX_LENGTH = 200
_SAFE = re.compile(SAFE_NAME)
RULE = "letters, digits and _ . + : - only, starting with a letter or a digit"


def is_safe_name(name) -> bool:
    return isinstance(name, str) and len(name) <= MAX_LENGTH and _SAFE.fullmatch(name) is not None


def path_name(name, what: str, where: str | None = None, hint: str | None = None) -> str:
    """`name`, when it is safe as one folder or file name; else a ClirbenchError saying `what`
    it is (e.g. "system name") and, when given, `where` it comes from (a file and field, a flag)."""
    if is_safe_name(name):
        return name
    prefix = f"{where}: " if where else ""
    raise ClirbenchError(f"{prefix}{what} {name!r} cannot name a folder or file ({RULE}, "
                         f"at most {MAX_LENGTH} characters)", hint or f"choose a {what} of {RULE}")


def key_path(key: str, what: str) -> Path:
    """A cache key of '/'-separated names (`<system>/<fingerprint>`) as a relative path; each
    part must be a safe name (`what` says whose key it is, in the error)."""
    if not isinstance(key, str) or not key:
        raise ClirbenchError(f"{what} {key!r} is not a cache key", "return `<name>/<fingerprint>` from index_key()")
    return Path(*(path_name(part, what, hint="return `<name>/<fingerprint>` from index_key()")
                  for part in key.split("/")))


def did_you_mean(name: str, known) -> str:
    """" (did you mean X?)" for a near miss of `name` among `known` (difflib), else ""."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""
