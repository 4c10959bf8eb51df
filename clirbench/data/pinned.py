"""Files of a public repository at a fixed commit, downloaded once and checked by MD5.

One implementation for every collection that clirbench reads from such files (LAReQA,
AfriQA, SIB-200/FLORES-200, Tatoeba, NTREX-128): a file is taken from clirbench's cache
(`<IR_DATASETS_HOME>/clirbench/<name>/<path>`), else from a local copy of the source tree
(`$CLIRBENCH_LOCAL_DATA/<local_dir>/<path>`: offline machines and CI), else downloaded from
`<url_base>/<path>`; each is checked against the MD5 clirbench ships for it
(`clirbench/data/checksums/<name>.md5`, or a table in code).
"""

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ir_datasets
from ir_datasets.util import Download, LocalDownload, RequestsDownload

from clirbench.core.errors import ClirbenchError
from clirbench.data.verify import mark_verified, verify_file

CHECKSUMS = Path(__file__).parent / "checksums"
LOCAL_DATA = "CLIRBENCH_LOCAL_DATA"


@lru_cache(maxsize=None)
def read_md5sums(name: str) -> dict[str, str]:
    """`clirbench/data/checksums/<name>.md5` (md5sum's format: `<md5>  <path>`) as path -> MD5."""
    table = {}
    for line in (CHECKSUMS / f"{name}.md5").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            md5, path = line.split(maxsplit=1)
            table[path.strip()] = md5
    return table


@dataclass(frozen=True)
class PinnedSource:
    name: str  # the cache folder, and the checksums file when `md5` is not given
    local_dir: str  # the folder of a local copy under $CLIRBENCH_LOCAL_DATA
    url_base: str  # the repository's raw files at the pinned commit
    md5: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # path -> MD5

    def checksums(self) -> dict[str, str]:
        return self.md5 or read_md5sums(self.name)

    def known(self, path: str) -> bool:
        """Whether the source has this file (a file the source lacks is no missing file)."""
        return path in self.checksums()

    def url(self, path: str) -> str:
        return f"{self.url_base}/{path}"

    def cache_path(self, path: str) -> Path:
        return ir_datasets.util.home_path() / "clirbench" / self.name / path

    def local_path(self, path: str) -> Path | None:
        root = os.environ.get(LOCAL_DATA)
        return Path(root) / self.local_dir / path if root else None

    def where(self, path: str) -> Path:
        """Where the file is read from: the local copy when there is one, else the cache."""
        local = self.local_path(path)
        return local if local is not None and local.exists() else self.cache_path(path)

    def present(self, path: str) -> bool:
        return self.cache_path(path).exists() or self.where(path).exists()

    def file(self, path: str) -> Path:
        """The verified file: cached copy, else local copy, else a download."""
        expected = self.checksums()[path]
        cached, local = self.cache_path(path), self.local_path(path)
        if cached.exists():
            again = f"copied again from {local}" if local is not None and local.exists() else \
                f"downloaded again from {self.url(path)}"
            verify_file(cached, expected, f"delete it, so that it is {again}")
            return cached
        mirrors = []
        if local is not None and local.exists():
            # Checked here, so that a damaged copy is reported as such, and not as the failure of
            # the download that ir_datasets would try next.
            verify_file(local, expected, f"restore it from {self.url(path)}, or unset {LOCAL_DATA} "
                                         f"(now {os.environ.get(LOCAL_DATA)}) to download it", force=True)
            mirrors.append(LocalDownload(local, mkdir=False))
        mirrors.append(RequestsDownload(self.url(path)))
        download = Download(mirrors, cache_path=str(cached), expected_md5=expected)
        try:
            got = Path(download.path())
        except Exception as e:  # a network error, or an MD5 mismatch of the download
            raise ClirbenchError(
                f"cannot get {self.name} file {path}: {type(e).__name__}: {e}",
                f"put the file from {self.url(path)} at {cached}, "
                f"or set {LOCAL_DATA} to a folder holding {self.local_dir}/{path}",
            ) from e
        mark_verified(got, expected)  # ir_datasets hashed it as it copied it
        return got
