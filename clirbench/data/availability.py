"""Which files a dataset ID needs on disk, and where to put them, without downloading.

`clirbench tasks` uses this to show what is available here, and the runner to turn a failed
offline load into an error that says which file to put where.

Nothing here restates ir_datasets' layout: the files are found by walking the dataset's docs,
queries and qrels handlers, as ir_datasets built them, down to the components that read a file
(a `Cache`, a download's cache path, a file of an extracted archive, a local file), and each
file's source is the URL that the component downloads from (ir_datasets' `etc/downloads.json`).
So the paths are exactly those ir_datasets reads, under the IR_DATASETS_HOME it was imported with.
clirbench's own LAReQA collections, which are not built from such components, are listed from
`clirbench.data.lareqa`.
"""

import os
import types
from dataclasses import dataclass
from pathlib import Path

import ir_datasets
from ir_datasets.datasets.base import Dataset
from ir_datasets.util import Cache, Download, DownloadConfig, Lazy, LocalDownload, Migrator, RelativePath

from clirbench.data import lareqa, verify

KINDS = ("docs", "queries", "qrels")


@dataclass(frozen=True)
class RequiredFile:
    path: Path  # where ir_datasets (or clirbench) looks for it
    source: str  # where it comes from
    url: str | None = None  # the address it is downloaded from, when there is one
    md5: str | None = None  # its expected MD5, when the file is a download as it is (not a part of an archive)

    def present(self) -> bool:
        return self.path.exists()


def _lareqa_files(name: str, langs: list[str]) -> list[RequiredFile]:
    collection = lareqa.COLLECTIONS[name]
    files = []
    # The pool (`multi`) holds the candidates of every language.
    langs = [lang for part in langs for lang in (collection.langs if part == lareqa.POOL else [part])]
    for lang in dict.fromkeys(langs):
        local = collection.local_path(lang)
        path = local if local is not None and local.exists() else collection.cache_path(lang)
        files.append(RequiredFile(path, collection.url(lang), collection.url(lang), collection.md5[lang]))
    return files


# ---- where a stream comes from -------------------------------------------------------------

_IRDS_MIRROR = "https://mirror.ir-datasets.com/"


def _download_url(download: Download) -> str | None:
    """The address a download fetches from (its first remote mirror; not ir_datasets' fallback mirror)."""
    for mirror in download.mirrors:
        url = getattr(mirror, "url", None) or getattr(mirror, "uri", None)
        if url and not url.startswith(_IRDS_MIRROR):
            return url
    return None


def _origin(streamer, notes: list[str] | None = None, depth: int = 0) -> tuple[str | None, str]:
    """(URL, description) of where a stream's bytes come from, following wrappers inwards."""
    notes = notes if notes is not None else []
    if isinstance(streamer, Download):
        url = _download_url(streamer)
        if url is None:
            local = next((m for m in streamer.mirrors if isinstance(m, LocalDownload)), None)
            what = getattr(local, "_message", None) or "a file that cannot be downloaded"
        else:
            what = url
        return url, what + (f" ({', '.join(notes)})" if notes else "")
    if isinstance(streamer, LocalDownload):
        return None, f"a local file{f' ({streamer._message})' if streamer._message else ''}"
    if depth > 20:
        return None, "unknown source"
    # TarExtract(member), ZipExtract(zip_path), TarExtractAll: note what is taken from the archive.
    attrs = vars(streamer) if hasattr(streamer, "__dict__") else {}
    if "_tar_path" in attrs:
        notes = [attrs["_tar_path"], *notes]
    elif "zip_path" in attrs:
        notes = [attrs["zip_path"], *notes]
    elif "_extract_path" in attrs or "extract_path" in attrs:
        notes = ["extracted", *notes]
    for key in ("_streamer", "dlc", "_dlc", "_wrapped"):
        inner = attrs.get(key)
        if inner is not None:
            return _origin(inner, notes, depth + 1)
    return None, "unknown source"


def _from(streamer) -> dict:
    url, source = _origin(streamer)
    return {"url": url, "source": source}


# ---- the files a handler reads -------------------------------------------------------------

_LEAVES = (str, bytes, int, float, bool, type(None), Path, type, types.ModuleType)


def _handler(obj, kind: str):
    """The `kind` handler of a dataset, found as ir_datasets' Dataset finds it, calling nothing
    (calling a Migrator-wrapped handler's methods would migrate: delete and write files)."""
    if isinstance(obj, Dataset):
        for constituent in obj._constituents:
            handler = _handler(constituent, kind)
            if handler is not None:
                return handler
        return None
    return obj if hasattr(obj, f"{kind}_iter") else None


class _Walk:
    def __init__(self, kind: str):
        self.kind = kind
        self.seen: set[int] = set()
        self.files: list[RequiredFile] = []

    def add(self, path, md5: str | None = None, **origin) -> None:
        self.files.append(RequiredFile(Path(path), origin["source"], origin.get("url"), md5))

    def visit(self, obj, depth: int = 0) -> None:
        if isinstance(obj, _LEAVES) or id(obj) in self.seen or depth > 40:
            return
        self.seen.add(id(obj))
        if isinstance(obj, (list, tuple, set, frozenset)):
            for item in obj:
                self.visit(item, depth + 1)
        elif isinstance(obj, dict):
            for item in obj.values():
                self.visit(item, depth + 1)
        elif isinstance(obj, type(DownloadConfig)):
            return  # the table of every download of a collection, not a file this handler reads
        elif isinstance(obj, Dataset):
            self.visit(_handler(obj, self.kind), depth + 1)
        elif hasattr(obj, "pinned_files"):  # clirbench's own handlers (clirbench.data.pinned)
            for source, path in obj.pinned_files():
                self.add(source.where(path), source.checksums()[path], source=source.url(path), url=source.url(path))
        elif isinstance(obj, Migrator):
            # Without its version file, ir_datasets deletes the affected files as an old format.
            self.visit(obj._wrapped, depth + 1)
            self.add(obj._version_file, source=f"a text file holding `{obj._version}` "
                                               f"(ir_datasets writes it after a download)")
        elif isinstance(obj, Cache):
            # A cache of a download as it is holds the downloaded bytes: its MD5 is the download's.
            md5 = obj._streamer.expected_md5 if isinstance(obj._streamer, Download) else None
            self.add(obj._path, md5, **_from(obj._streamer))
        elif isinstance(obj, RelativePath):
            base = obj._streamer
            root = getattr(base, "_extract_path", None) or getattr(base, "extract_path", None)
            if root is not None:  # TarExtractAll / ZipExtractCache: a file of the extracted archive
                self.add(Path(root) / obj._path, **_from(base))
            elif isinstance(base, Cache):
                self.add(Path(base._path) / obj._path, **_from(base._streamer))
            else:
                self.visit(base, depth + 1)
        elif isinstance(obj, Download):
            if obj._cache_path is not None:
                self.add(obj._cache_path, obj.expected_md5, **_from(obj))
            else:  # fetched anew on each use, unless a copy lies at its place under downloads/
                local = next((m for m in obj.mirrors if isinstance(m, LocalDownload)), None)
                if local is not None:
                    self.add(local._path, obj.expected_md5, **_from(obj))
        elif isinstance(obj, LocalDownload):
            self.add(obj._path, **_from(obj))
        elif isinstance(obj, Lazy):
            # e.g. the query ids of a FilteredQueries, read from a qrels file
            self.visit(obj._fn, depth + 1)
        elif isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                try:
                    value = cell.cell_contents
                except ValueError:  # an empty cell
                    continue
                if not isinstance(value, (dict, list, tuple, set)):  # not a table of all subsets
                    self.visit(value, depth + 1)
        elif hasattr(obj, "__dict__") and not callable(obj):
            for value in vars(obj).values():
                if not isinstance(value, (types.FunctionType, types.MethodType)):
                    self.visit(value, depth + 1)


def _ir_datasets_files(dataset, kinds) -> list[RequiredFile]:
    files = []
    for kind in kinds:
        handler = _handler(dataset, kind)
        if handler is not None:
            walk = _Walk(kind)
            walk.visit(handler)
            files += walk.files
    return files


# Collection name -> the file ir_datasets failed to download while building one of its datasets.
_BUILD_NEEDS: dict[str, RequiredFile] = {}


def _failed_download(error: BaseException) -> RequiredFile | None:
    """The file whose download failed with `error` while ir_datasets built a dataset, before any
    of its data was read: a collection that lists its files in an index of its own (CLIRMatrix:
    `clirmatrix/clirmatrix_downloads.json.gz`) reads the index to build each dataset. The
    innermost `Download` on the traceback is the one that failed. The files the index lists are
    named once it is here."""
    failed, tb = None, error.__traceback__
    while tb is not None:
        if isinstance(tb.tb_frame.f_locals.get("self"), Download):
            failed = tb.tb_frame.f_locals["self"]
        tb = tb.tb_next
    if failed is None:
        return None
    walk = _Walk("docs")
    walk.visit(failed)
    if not walk.files:
        return None
    f = walk.files[0]
    return RequiredFile(f.path, f"{f.source} (ir_datasets reads this index of the collection's files first; "
                                "the files it lists are named once it is here)", f.url, f.md5)


def required_files(dataset_id: str, kinds=KINDS) -> list[RequiredFile]:
    """Files the dataset needs for its `kinds` of data (docs, queries, qrels); [] when it needs
    none or clirbench does not know its layout."""
    parts = dataset_id.split("/")
    if parts[0] == "clirbench" and len(parts) == 3 and parts[1] in lareqa.COLLECTIONS:
        return _lareqa_files(parts[1], parts[2].split("-"))
    index = _BUILD_NEEDS.get(parts[0])
    if index is not None and not index.present():
        return [index]
    try:
        dataset = ir_datasets.registry[dataset_id]
    except KeyError:
        return []
    except Exception as error:  # building the dataset itself needed a download: see _failed_download
        index = _failed_download(error)
        if index is None:
            raise
        _BUILD_NEEDS[parts[0]] = index
        return [index]
    files, seen = [], set()
    for f in _ir_datasets_files(dataset, kinds):
        if f.path not in seen:
            seen.add(f.path)
            files.append(f)
    return files


def missing_files(dataset_ids) -> list[RequiredFile]:
    """The required files that are not here, of each dataset ID, or of each (dataset ID, kind)."""
    seen, missing = set(), []
    for item in dataset_ids:
        dataset_id, kinds = (item, KINDS) if isinstance(item, str) else (item[0], (item[1],))
        for f in required_files(dataset_id, kinds):
            if f.path not in seen and not f.present():
                seen.add(f.path)
                missing.append(f)
    return missing


def describe_missing(missing: list[RequiredFile]) -> str:
    lines = [f"  {f.path}\n      from {f.source}" for f in missing]
    env = os.environ.get("IR_DATASETS_HOME", "~/.ir_datasets")
    return "\n".join(lines) + f"\n  (IR_DATASETS_HOME is {env})"


_checked_datasets: set[str] = set()


def verify_dataset(dataset_id: str) -> None:
    """Check the files of an ir_datasets dataset that are here and have an expected MD5, once
    per process (files that are not here are downloaded, and checked, by ir_datasets).
    clirbench's own collections (`clirbench/...`) check their files as they open them."""
    if not verify.enabled() or dataset_id in _checked_datasets or dataset_id.startswith("clirbench/"):
        return
    for f in required_files(dataset_id):
        if f.md5 and f.present():
            origin = f.url or f.source
            verify.verify_file(f.path, f.md5, f"delete it, so that it is downloaded again from {origin}, "
                                               f"or put the original file from there in its place")
    _checked_datasets.add(dataset_id)
