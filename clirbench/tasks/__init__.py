"""Task definitions: `clirbench/tasks/*.yaml` (and $CLIRBENCH_TASKS_DIR) validated into typed specs, expanded into language pairs.

A task names its pairs through one or more pair groups. A group crosses a list of query
languages with a list of document languages and says, with `{q}` / `{d}` placeholders,
which ir_datasets ID holds the queries, the documents and the qrels of each pair:

    pair_groups:
      - query_langs: [en]
        doc_langs: [sw, yo]
        queries: wikiclir/{d}
        docs: wikiclir/{d}
        qrels: wikiclir/{d}
"""

import os
import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import did_you_mean
from clirbench.core.yaml_records import load_yaml_record
from clirbench.tasks.measures import TaskMeasure, known_measures, task_measures
from clirbench.core.languages import LANGUAGES, language, language_key, pair_resource_class, pair_resource_level

# The built-in tasks ship inside the package (package data), so an installed clirbench finds them.
BUILTIN_TASKS_DIR = Path(__file__).resolve().parent


def task_dirs() -> list[Path]:
    """Where tasks are looked for: the built-in ones, then each folder of $CLIRBENCH_TASKS_DIR
    (separated by ':'); a later folder's task replaces a built-in one of the same name."""
    extra = [Path(p) for p in os.environ.get("CLIRBENCH_TASKS_DIR", "").split(os.pathsep) if p]
    return [BUILTIN_TASKS_DIR, *extra]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_PLACEHOLDERS = {"q": "{q}: the query language", "d": "{d}: the document language"}


def _check_placeholders(template: str, allowed: str) -> str:
    """`template` (an ir_datasets ID) with no placeholder but those of `allowed` (e.g. "qd")."""
    takes = "; ".join(_PLACEHOLDERS[p] for p in allowed) or "no placeholders"
    try:
        fields = [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as e:  # an unmatched brace
        raise ValueError(f"{template!r} is not a valid ID template ({e}); it takes {takes}") from None
    for name, conv, spec in fields:
        if name not in set(allowed) or conv or spec:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"unknown placeholder {shown} in {template!r}; it takes {takes}")
    return template


class PairGroup(_Strict):
    query_langs: list[str] = Field(min_length=1)
    doc_langs: list[str] = Field(min_length=1)
    queries: str
    docs: str
    qrels: str
    # The code a dataset ID uses for a language where it differs from ours (mMARCO: nl -> dt).
    dataset_codes: dict[str, str] = {}
    monolingual: bool = True  # include pairs whose query and document language are equal
    # The queries are the human translations of each query language's questions into this
    # language (AfriQA's English questions): pairs `{q}:{translation}-{d}`, whose query language
    # is the translation's. A system's gap to them is its gap to perfect query translation.
    query_translation: str | None = None

    @field_validator("query_translation")
    @classmethod
    def _known_translation(cls, lang: str | None) -> str | None:
        if lang is not None and lang not in LANGUAGES:
            raise ValueError(f"unknown language code {lang!r}")
        return lang

    @field_validator("query_langs", "doc_langs")
    @classmethod
    def _known_langs(cls, langs: list[str]) -> list[str]:
        unknown = [lang for lang in langs if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; known: {', '.join(sorted(LANGUAGES))}")
        return langs

    @field_validator("queries", "docs", "qrels")
    @classmethod
    def _known_placeholders(cls, template: str) -> str:
        return _check_placeholders(template, "qd")


# The document side of a pair that searches the multilingual pool (`en-multi`).
POOL = "multi"


class PoolGroup(_Strict):
    """Pairs `X-multi`: the questions of X against the candidates of every pool language at
    once (LAReQA's main setting). `pool_docs` names each language's own collection, whose
    indexes a system may combine instead of indexing the pool again (dense encoders do)."""

    query_langs: list[str] = Field(min_length=1)
    pool_langs: list[str] = Field(min_length=2)
    queries: str
    docs: str
    qrels: str
    pool_docs: str  # with {d}: the ir_datasets ID of one pool language's collection

    _known_langs = field_validator("query_langs", "pool_langs")(PairGroup._known_langs.__func__)

    @field_validator("queries", "qrels", "docs", "pool_docs")
    @classmethod
    def _known_placeholders(cls, template: str, info: ValidationInfo) -> str:
        return _check_placeholders(template, {"queries": "q", "qrels": "q", "docs": "", "pool_docs": "d"}[info.field_name])


class PairSpec(_Strict):
    """One query language × document language pair and where its data comes from. A pool
    pair's document side is POOL, and `pool_docs` maps each pool language to its collection."""

    query_lang: str
    doc_lang: str
    queries: str  # ir_datasets ID providing the queries
    docs: str  # ir_datasets ID providing the document collection
    qrels: str  # ir_datasets ID providing the qrels
    resource_level: Literal["high", "low"]
    pool_docs: dict[str, str] = {}
    # Joshi et al.'s class (0-5) of the pair's less-resourced side; None when a side has none.
    resource_class: int | None = None
    # Where the queries are translations (AfriQA's human English questions): the language the
    # questions were written in; the key is then `{query_set}:{query_lang}-{doc_lang}`.
    query_set: str | None = None

    @property
    def key(self) -> str:
        source = f"{self.query_set}:" if self.query_set else ""
        return f"{source}{self.query_lang}-{self.doc_lang}"

    @property
    def pool(self) -> bool:
        return self.doc_lang == POOL

    def inputs(self) -> list[tuple[str, str]]:
        """(ir_datasets ID, what the pair reads of it): queries, docs and qrels."""
        return [(self.queries, "queries"), (self.docs, "docs"), (self.qrels, "qrels")]

    @property
    def cross_lingual(self) -> bool:
        return self.query_lang != self.doc_lang and not self.pool

    @property
    def translated(self) -> bool:
        """Queries that are human translations of another language's questions."""
        return self.query_set is not None


class Reference(_Strict):
    """A published result on the task, shown beside runs in the summary view (never ranked
    among them or tested for significance): mAP averaged over monolingual pairs, over
    cross-lingual pairs and over the multilingual pool, and the mean rank distance."""

    system: str
    training: str = ""
    citation: str
    ap_monolingual: float | None = None
    ap_cross_lingual: float | None = None
    ap_pool: float | None = None
    rank_distance: float | None = None
    # Published per-pair values: measure name (as `metrics` spells it, e.g. nDCG@10) -> pair key (sw-sw) -> value.
    scores: dict[str, dict[str, float]] = {}


class TaskSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    citation: str
    pair_groups: list[PairGroup] = Field(min_length=1)
    pool_groups: list[PoolGroup] = []
    references: list[Reference] = []  # published numbers, with their citation
    metrics: list[str] = ["RR@10", "nDCG@10", "R@100", "AP"]
    # Binary measures (RR, R, AP, P) count a document relevant from this grade up.
    relevance_threshold: int = Field(default=1, ge=1)
    top_k: int = Field(default=100, ge=1)
    query_field: str | None = None  # a field of the query records to use instead of default_text()
    # Datasets the task's queries and documents come from: a system trained on one of them
    # (its `training_data`) is not zero-shot on this task.
    source_datasets: list[str] = []
    # Languages of the source that have no pairs, and why (AfriQA's Wolof has no gold passage).
    languages_without_pairs: dict[str, str] = {}
    # Whether a query id names the same question in every pair (MLQA-R's ids, FLORES-200's
    # sentences: `shared`), or only within one language's pairs (AfriQA's and Tatoeba's ids are
    # line numbers: `per-language`). Significance tests resample a question as one unit.
    query_ids: Literal["shared", "per-language"] = "shared"

    def zero_shot(self, training_data: list[str] | None) -> bool | None:
        """Whether a system trained on `training_data` is zero-shot here; None when unknown
        (the system does not say what it was trained on, or the task names no sources)."""
        if training_data is None or not self.source_datasets:
            return None
        seen = {d.casefold() for d in training_data}
        return not any(d.casefold() in seen for d in self.source_datasets)

    @field_validator("metrics")
    @classmethod
    def _parsable_metrics(cls, metrics: list[str]) -> list[str]:
        if not metrics:
            raise ValueError("no measures; name one or more, the primary first (e.g. [RR@10, nDCG@10, R@100, AP]), "
                             "or leave the field out for those four")
        return known_measures(metrics, " (examples: RR@10, nDCG@10, R@100, AP)")

    def measures(self) -> list[TaskMeasure]:
        """The measures, parsed, with the relevance threshold applied; the primary first."""
        return task_measures(self.metrics, self.relevance_threshold)

    @property
    def primary_metric(self) -> str:
        return self.measures()[0].name

    def pairs(self) -> list[PairSpec]:
        pairs: dict[str, PairSpec] = {}
        for group in self.pair_groups:
            for q in group.query_langs:
                for d in group.doc_langs:
                    if q == d and not group.monolingual:
                        continue
                    codes = {"q": group.dataset_codes.get(q, q), "d": group.dataset_codes.get(d, d)}
                    asked_in = group.query_translation or q
                    pair = PairSpec(
                        query_lang=asked_in,
                        doc_lang=d,
                        queries=group.queries.format(**codes),
                        docs=group.docs.format(**codes),
                        qrels=group.qrels.format(**codes),
                        resource_level=pair_resource_level(asked_in, d),
                        resource_class=pair_resource_class(asked_in, d),
                        query_set=q if group.query_translation else None,
                    )
                    pairs.setdefault(pair.key, pair)
        for pool in self.pool_groups:
            for q in pool.query_langs:
                pair = PairSpec(
                    query_lang=q, doc_lang=POOL, queries=pool.queries.format(q=q), docs=pool.docs,
                    qrels=pool.qrels.format(q=q),
                    # The pool is the same for every query language: the level is the question's.
                    resource_level=language(q).resource_level,
                    resource_class=language(q).resource_class,
                    pool_docs={d: pool.pool_docs.format(d=d) for d in pool.pool_langs},
                )
                pairs.setdefault(pair.key, pair)
        return list(pairs.values())


def load_task_file(path: Path) -> TaskSpec:
    path = Path(path)
    spec = load_yaml_record(path, TaskSpec, "task definition", "see clirbench/tasks/toy.yaml for a valid example")
    if spec.name != path.stem:
        raise ClirbenchError(f"{path}: field `name` is {spec.name!r} but the file is {path.name}",
                             f"name the file {spec.name}.yaml or set `name: {path.stem}`")
    return spec


def task_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for folder in task_dirs():
        files.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return dict(sorted(files.items()))


def load_task(name_or_path: str) -> TaskSpec:
    """A task by name (built in, or from $CLIRBENCH_TASKS_DIR) or by the path of a YAML file."""
    if name_or_path.endswith((".yaml", ".yml")) and Path(name_or_path).exists():
        return load_task_file(Path(name_or_path))
    files = task_files()
    if name_or_path not in files:
        raise ClirbenchError(f"unknown task {name_or_path!r}{did_you_mean(name_or_path, files)}",
                             f"use one of: {', '.join(files) or '(none found)'}, or the path of a task YAML file")
    return load_task_file(files[name_or_path])


def select_pairs(spec: TaskSpec, wanted: list[str] | None) -> list[PairSpec]:
    """The pairs `wanted` names (each once, in the order first named); None: every pair. An
    empty list is an error, not every pair: `--pairs ""` is a mistake, not a wish for all."""
    pairs = spec.pairs()
    if wanted is None:
        return pairs
    wanted = list(dict.fromkeys(w.strip() for w in wanted if w.strip()))
    by_key = {p.key: p for p in pairs}
    if not wanted:
        raise ClirbenchError(f"no pair named (--pairs is empty) for task {spec.name}",
                             f"name pairs separated by commas, e.g. --pairs {','.join(list(by_key)[:2])}, "
                             "or leave --pairs out for all of them")
    unknown = [w for w in wanted if w not in by_key]
    if unknown:
        raise _no_such_pairs(spec, unknown, list(by_key))
    return [by_key[w] for w in wanted]


def task_languages(spec: TaskSpec) -> list[str]:
    """Every language code of a task's pairs (queries, documents, translations, pools), sorted."""
    codes = {c for g in spec.pair_groups for c in [*g.query_langs, *g.doc_langs, g.query_translation] if c}
    return sorted(codes | {c for g in spec.pool_groups for c in [*g.query_langs, *g.pool_langs]})


def _no_such_pairs(spec: TaskSpec, unknown: list[str], valid: list[str]) -> ClirbenchError:
    """Pairs `spec` lacks: where a side is not a language of the task, say so and which tasks have
    it; else the near misses and the valid pairs."""
    own = task_languages(spec)
    sides = [side for key in unknown for side in key.rpartition(":")[2].split("-")]
    foreign = list(dict.fromkeys(side for side in sides if side not in own and side != POOL))
    message = f"task {spec.name} has no pair(s) {', '.join(unknown)}"
    if not foreign:
        return ClirbenchError(message + (did_you_mean(unknown[0], valid) if len(unknown) == 1 else ""),
                              f"valid pairs: {', '.join(valid)}")
    shown = " ".join(own[:30]) + (f" and {len(own) - 30} more" if len(own) > 30 else "")
    where = []
    for code in foreign:
        try:
            label, key = f"{language(code).name} ({code})", language_key(code)
        except ClirbenchError:  # not a language code at all
            label, key = code, None
        having = []
        for name, path in task_files().items():
            try:
                other = load_task_file(path)
            except ClirbenchError:
                continue
            having += [f"{name} ({c})" for c in task_languages(other) if key is not None and language_key(c) == key][:1]
        where.append(f"tasks with {label}: {', '.join(having)}" if having else f"no task has {label}")
    return ClirbenchError(f"{message}: {', '.join(foreign)} {'is' if len(foreign) == 1 else 'are'} not "
                          f"{'a language' if len(foreign) == 1 else 'languages'} of {spec.name} ({shown})",
                          f"{'; '.join(where)}; or pick pairs of {spec.name}'s languages, e.g. {', '.join(valid[:3])}")
