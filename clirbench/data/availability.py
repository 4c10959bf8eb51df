"""Which files a dataset ID needs on disk, and where to put them, without downloading.

`clirbench tasks` uses this to show what is available here, and the runner to turn a failed
offline load into an error that says which file to put where.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import ir_datasets

from clirbench.data import lareqa


@dataclass(frozen=True)
class RequiredFile:
    path: Path  # where ir_datasets (or clirbench) looks for it
    source: str  # where it comes from

    def present(self) -> bool:
        return self.path.exists()


_WIKICLIR_DIRS = {
    "ar": "arabic", "ca": "catalan", "zh": "chinese", "cs": "czech", "nl": "dutch", "fi": "finnish",
    "fr": "french", "de": "german", "it": "italian", "ja": "japanese", "ko": "korean",
    "no": "norwegian_(bokmal)", "nn": "norwegian_(nynorsk)", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "en-simple": "simple_english", "es": "spanish", "sw": "swahili",
    "sv": "swedish", "tl": "tagalog", "tr": "turkish", "uk": "ukrainian", "vi": "vietnamese",
}
_WIKICLIR_URL = "https://www.cs.jhu.edu/~kevinduh/a/wikiclir2018/wiki-clir.tar.gz"
_MMARCO_NAMES = {
    "ar": "arabic", "zh": "chinese", "dt": "dutch", "fr": "french", "de": "german", "hi": "hindi",
    "id": "indonesian", "it": "italian", "ja": "japanese", "pt": "portuguese", "ru": "russian",
    "es": "spanish", "vi": "vietnamese",
}
_MMARCO_URL = "https://huggingface.co/datasets/unicamp-dl/mmarco/resolve/main/data/google"
_MSMARCO_URL = "https://msmarco.z22.web.core.windows.net/msmarcoranking/collectionandqueries.tar.gz"


def _lareqa_files(name: str, langs: list[str]) -> list[RequiredFile]:
    collection = lareqa.COLLECTIONS[name]
    files = []
    for lang in langs:
        local = collection.local_path(lang)
        path = local if local is not None and local.exists() else collection.cache_path(lang)
        files.append(RequiredFile(path, collection.url(lang)))
    return files


def _wikiclir_files(code: str) -> list[RequiredFile]:
    root = ir_datasets.util.home_path() / "wikiclir" / "source" / "wiki-clir"
    suffix = "simple" if code == "en-simple" else code
    source = f"{_WIKICLIR_URL} (extracted)"
    return [
        RequiredFile(root / "english" / "wiki_en.queries", source),
        RequiredFile(root / _WIKICLIR_DIRS[code] / f"wiki_{suffix}.documents", source),
        RequiredFile(root / _WIKICLIR_DIRS[code] / f"en2{suffix}.rel", source),
    ]


def _mmarco_files(code: str, dev_small: bool) -> list[RequiredFile]:
    root = ir_datasets.util.home_path() / "mmarco"
    name = _MMARCO_NAMES[code]
    files = [RequiredFile(root / "v2" / f"{name}_collection.tsv", f"{_MMARCO_URL}/collections/{name}_collection.tsv")]
    if dev_small:
        files += [
            RequiredFile(root / "v2" / f"{name}.queries.dev.tsv", f"{_MMARCO_URL}/queries/dev/{name}_queries.dev.tsv"),
            RequiredFile(root / "qrels.dev.small.tsv", "https://huggingface.co/datasets/unicamp-dl/mmarco/resolve/main/data/qrels.dev.small.tsv"),
        ]
    return files


def _msmarco_files(dev_small: bool) -> list[RequiredFile]:
    root = ir_datasets.util.home_path() / "msmarco-passage"
    if dev_small:
        return [RequiredFile(root / "dev" / "small" / "queries.tsv", f"{_MSMARCO_URL} (queries.dev.small.tsv)"),
                RequiredFile(root / "dev" / "small" / "qrels", f"{_MSMARCO_URL} (qrels.dev.small.tsv)")]
    # Without this marker ir_datasets deletes collection.tsv as an old, unfixed encoding.
    return [RequiredFile(root / "collection.tsv", f"{_MSMARCO_URL} (collection.tsv)"),
            RequiredFile(root / "irds_version.txt", "a text file holding `v2` (ir_datasets writes it after a download)")]


def required_files(dataset_id: str) -> list[RequiredFile]:
    """Files the dataset needs; [] when it needs none or clirbench does not know its layout."""
    parts = dataset_id.split("/")
    if parts[0] == "clirbench" and parts[1] in lareqa.COLLECTIONS:
        return _lareqa_files(parts[1], parts[2].split("-"))
    if parts[0] == "wikiclir" and len(parts) == 2 and parts[1] in _WIKICLIR_DIRS:
        return _wikiclir_files(parts[1])
    if parts[0] == "mmarco" and len(parts) >= 3 and parts[1] == "v2" and parts[2] in _MMARCO_NAMES:
        return _mmarco_files(parts[2], dev_small=parts[3:] == ["dev", "small"])
    if parts[0] == "msmarco-passage":
        return _msmarco_files(dev_small=parts[1:] == ["dev", "small"])
    return []


def missing_files(dataset_ids: list[str]) -> list[RequiredFile]:
    seen, missing = set(), []
    for dataset_id in dataset_ids:
        for f in required_files(dataset_id):
            if f.path not in seen and not f.present():
                seen.add(f.path)
                missing.append(f)
    return missing


def describe_missing(missing: list[RequiredFile]) -> str:
    lines = [f"  {f.path}\n      from {f.source}" for f in missing]
    env = os.environ.get("IR_DATASETS_HOME", "~/.ir_datasets")
    return "\n".join(lines) + f"\n  (IR_DATASETS_HOME is {env})"
