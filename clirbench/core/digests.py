"""One way to checksum a file: data downloads (MD5, as their sources publish), model weights
(sha256, as manifests record)."""

import hashlib
from pathlib import Path


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()
