"""Property-based tests (issue 13): malformed input of every kind that users and plugins hand
clirbench ends in one ClirbenchError that names the file (or the plugin), never another
exception, and reading it changes no file.

Each kind starts from a valid document and breaks it the ways people and programs do: a field
missing, one too many or misspelt, a value of the wrong kind (a list where a name is due),
wrong nesting, plausible but wrong values (an unknown placeholder or language, a score of 1.5,
a path out of the folder), NaN, infinities, numbers too long to read, nesting too deep to
parse, non-UTF-8 bytes, truncation, random bytes. The readers are called in-process, so the
few hundred cases run in seconds; `derandomize=True` makes every run (and CI) test the same
cases. A case marked `must_fail` is invalid by construction; the others (a truncation that
ends at a line break, NaN where a field allows it) may load, but must not crash.

Defects these cases found are kept as `@example`s: tracebacks from results files of schema
version 1 with malformed fields, an unhashable `schema_version` or `recipe`, a `--set` value
nested too deeply, a pair lacking one of the file's measures and a pool pair's `R@100` with no
language (`clirbench show` crashed on both), a score or an id too large for a float or for
repr, a masked array from an encoder, a YAML tag on a value that is not one (`!!int ''`), and
YAML syntax errors reported over several lines."""

import json
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from clirbench.core.errors import ClirbenchError
from clirbench.eval.rankings import checked_rankings
from clirbench.eval.report import matrix_table, pool_table, results_table
from clirbench.eval.results import load_results, parse_results
from clirbench.eval.trec import read_run
from clirbench.leaderboard.collect import collect
from clirbench.systems.dense.checks import check_vectors
from clirbench.systems.registry import load_system, system_spec
from clirbench.tasks import load_task
from clirbench.train.experiment import load_experiment
from clirbench.train.recipe import load_recipe

REPO = Path(__file__).resolve().parent.parent


def cases(n: int):
    """Hypothesis settings: `n` cases, the same ones on every run, no example database. No
    shrinking: a failing case is reported as generated (its label says what was broken),
    rather than after minutes of shrinking on a 2-core machine."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


RUN = Counter()  # kind -> cases run
REFUSED = Counter()  # kind -> cases that ended in a ClirbenchError (the rest loaded)
PER_KIND = {"task YAML": 80, "encoder settings": 40, "BM25 settings": 40, "recipe": 70, "experiment": 40,
            "results.json": 70, "TREC run": 50, "search output": 60, "encoder vectors": 50}


# Nothing is written outside the test's own folder.

# Not compared: environments and caches, and what other processes write meanwhile (the model
# store, an experiment running beside the tests rewrites its record under experiments/results).
_UNWATCHED = {".venv", "trained", ".git", "__pycache__", ".hypothesis", ".pytest_cache", ".import_linter_cache"}
_UNWATCHED_PATHS = {Path("experiments") / "results"}


def _tree(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under `root`, by relative path."""
    out = {}
    for folder, subfolders, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        subfolders[:] = [d for d in subfolders if d not in _UNWATCHED and rel / d not in _UNWATCHED_PATHS
                         and (skip is None or Path(folder) / d != skip)]
        for name in files:
            try:
                stat = os.lstat(Path(folder) / name)
            except FileNotFoundError:  # removed while walking
                continue
            out[str(rel / name)] = (stat.st_mtime_ns, stat.st_size)
    return out


def _changes(before: dict, after: dict) -> list[str]:
    return sorted(f"{p}: {'added' if p not in before else 'removed' if p not in after else 'changed'}"
                  for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@pytest.fixture(scope="module", autouse=True)
def out_dir(tmp_path_factory, request):
    """The one folder the cases write to. Around the whole module: the repository tree and the
    other folders beside this one are unchanged; then the case counts are printed."""
    out = tmp_path_factory.mktemp("properties")
    repo_before, siblings_before = _tree(REPO), _tree(out.parent, skip=out)
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "CLIRBENCH_TASKS_DIR": ""}
    with mock.patch.dict(os.environ, env):
        yield out
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and RUN:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for kind, n in RUN.items():
                reporter.write_line(f"properties: {kind}: {n} cases, {REFUSED[kind]} refused with a ClirbenchError")
            reporter.write_line(f"properties: {sum(RUN.values())} cases in all")
    assert _changes(repo_before, _tree(REPO)) == [], "files changed in the repository"
    assert _changes(siblings_before, _tree(out.parent, skip=out)) == [], f"files changed beside {out}"
    if set(RUN) == set(PER_KIND):
        assert sum(RUN.values()) >= 300


def _case_dir(out: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=out))


# What every refusal looks like.

_TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"]+", line \d+')


def _check_error(error: ClirbenchError, sources: tuple[str, ...]) -> None:
    """One `error:` line naming the source (indented field lines may follow) and one `fix:` line."""
    message = error.message
    assert isinstance(message, str) and message.startswith(sources), (message, sources)
    first, *rest = message.split("\n")
    assert first.strip() and all(line.startswith("  ") for line in rest), message
    assert isinstance(error.hint, str) and error.hint.strip() and "\n" not in error.hint, error.hint
    assert not _TRACEBACK.search(str(error)), str(error)


def _expect(kind: str, call, case, sources: tuple[str, ...]):
    """`call()`: a ClirbenchError naming the source, or, where the case may be valid, a value."""
    RUN[kind] += 1
    try:
        value = call()
    except ClirbenchError as e:
        REFUSED[kind] += 1
        _check_error(e, sources)
        return None
    assert not case.must_fail, f"{kind}: accepted an invalid input ({case.label})"
    return value


# Documents: a valid one, and the ways to break it.

@dataclass(frozen=True)
class Case:
    label: str  # what was broken, for the report of a failing case
    data: bytes  # the file's bytes
    must_fail: bool  # invalid by construction
    overrides: tuple[str, ...] = ()  # recipes: --set assignments


@dataclass(frozen=True)
class Shape:
    """A kind of document: a valid one and what makes it invalid."""

    base: dict
    fmt: str  # "yaml" or "json"
    required: tuple  # paths (tuples of keys) of fields that cannot be left out
    records: tuple  # paths of mappings that refuse unknown keys (() is the top level)
    typos: tuple = ()  # misspelt field names
    untyped: tuple = ()  # path prefixes whose values may be of any kind (Any, str | list)
    wrong: tuple = ()  # edits, each a tuple of ("set", path, value) / ("del", path) / ("rename", path, key)
    maybe: tuple = ()  # edits that may be valid (NaN where a float allows it)

    def paths(self, typed: bool = True) -> list[tuple]:
        """Paths of every value (typed: whose kind is fixed, i.e. not under `untyped`, not None)."""
        out = []

        def walk(value, path):
            if path and not (typed and (value is None or any(path[:len(u)] == u for u in self.untyped))):
                out.append(path)
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, (*path, k))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, (*path, i))

        walk(self.base, ())
        return out

    def numbers(self) -> list[tuple]:
        return [p for p in self.paths() if type(_get(self.base, p)) in (int, float)]


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def _edited(doc, edits):
    doc = json.loads(json.dumps(doc))  # a deep copy (documents hold JSON values)
    for op, path, *arg in edits:
        parent = _get(doc, path[:-1])
        if op == "set":
            parent[path[-1]] = arg[0]
        elif op == "del":
            del parent[path[-1]]
        else:  # rename a key, keeping its place
            items = [(arg[0] if k == path[-1] else k, v) for k, v in parent.items()]
            parent.clear()
            parent.update(items)
    return doc


# libyaml's dumper where there is one: writing the cases costs as much as reading them otherwise.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(doc, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False)
    return yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=1000)


_SENTINEL = "zzSENTINELzz"


def _dump_with(doc, fmt: str, path, raw: str) -> str:
    """`doc` serialized with the text `raw` (YAML/JSON syntax) as the value at `path`."""
    text = _dump(_edited(doc, [("set", path, _SENTINEL)]), fmt)
    return text.replace(f'"{_SENTINEL}"', raw).replace(_SENTINEL, raw)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=False, width=32),
                    st.text(max_size=6))
junk_lists = st.lists(scalars, max_size=3)
junk_maps = st.dictionaries(st.text(max_size=5), scalars, max_size=3)


def _other_kind(value) -> st.SearchStrategy:
    """A value of another kind than `value`: a list or mapping for a scalar, a mapping or a
    scalar for a list, a list or a scalar for a mapping (no reader coerces across these)."""
    if isinstance(value, dict):
        return st.one_of(junk_lists, st.integers(), st.text(max_size=6), st.booleans())
    if isinstance(value, list):
        return st.one_of(junk_maps, st.integers(), st.floats(allow_nan=False), st.booleans(), st.text(max_size=6))
    return st.one_of(junk_lists, junk_maps)


def _bad_bytes(data: bytes, pos: int, bad: bytes) -> bytes:
    return data[:pos] + bad + data[pos:]


# Explicit YAML tags on values that are not of the tag's type: PyYAML's constructors raised
# IndexError, KeyError or AttributeError on some of them.
YAML_TAGS = ["!!int ''", "!!int '+'", "!!int x", "!!float ''", "!!float .x", "!!bool maybe", "!!bool ''",
             "!!timestamp x", "!!timestamp 2024-02-30", "!!set 5", "!!binary x", "!!python/object:os.system x"]
NOT_UTF8 = [b"\xff", b"\xe9", b"\x80", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xfe\xff"]


def documents(shape: Shape) -> st.SearchStrategy[Case]:
    """Broken versions of `shape.base`, serialized."""
    fmt, base = shape.fmt, shape.base
    typed = shape.paths()

    def case(label, doc=None, text=None, must_fail=True):
        text = _dump(doc, fmt) if text is None else text
        return Case(label, text.encode("utf-8"), must_fail)

    missing = st.sampled_from(shape.required).map(
        lambda p: case(f"missing {p}", _edited(base, [("del", p)])))
    unknown = st.tuples(st.sampled_from(shape.records),
                        st.sampled_from(shape.typos or ("x",)) | st.text(max_size=8).map(lambda s: "x-" + s),
                        scalars | junk_lists).map(
        lambda t: case(f"unknown field {t[1]!r} in {t[0]}", _edited(base, [("set", (*t[0], t[1]), t[2])])))
    other_kind = st.sampled_from(typed).flatmap(
        lambda p: _other_kind(_get(base, p)).map(
            lambda v: case(f"{p} = {v!r}", _edited(base, [("set", p, v)]))))
    nested_records = [r for r in shape.records if r]
    nesting = st.one_of(
        st.just(case("the document in a list", [base])),
        st.just(case("the document one level down", {"document": base})),
        *([st.sampled_from(nested_records).map(
            lambda p: case(f"{p} in a list", _edited(base, [("set", p, [_get(base, p)])])))] if nested_records else []),
    )
    wrong = st.sampled_from(shape.wrong).map(lambda edits: case(f"{edits}", _edited(base, edits)))
    special = st.sampled_from([math.nan, math.inf, -math.inf, 10**30, -10**30, 0, -1, 10**400])
    maybe = st.one_of(
        *([st.sampled_from(shape.maybe).map(lambda e: case(f"{e}", _edited(base, e), must_fail=False))]
          if shape.maybe else []),
        st.tuples(st.sampled_from(shape.numbers()), special).map(
            lambda t: case(f"{t[0]} = {t[1]}", _edited(base, [("set", t[0], t[1])]), must_fail=False)),
    )
    # Text no parser reads: nesting too deep, an integer of more than 4300 digits.
    depths = [3, 60, 600] + ([200_000] if fmt == "json" else [])  # 600: past the YAML composer's recursion
    deep = st.tuples(st.sampled_from(typed), st.sampled_from(depths)).map(
        lambda t: case(f"{t[0]} nested {t[1]} deep", text=_dump_with(base, fmt, t[0], "[" * t[1] + "]" * t[1])))
    long_number = st.sampled_from(shape.paths(typed=False)).map(
        lambda p: case(f"{p} = 5000 digits", text=_dump_with(base, fmt, p, "9" * 5000)))
    big_numbers = st.tuples(st.sampled_from(shape.numbers()),
                            st.sampled_from(["1" + "0" * 400, "-1.0e+999", "1.0e+999"] if fmt == "yaml"
                                            else ["1" + "0" * 400, "-1e999", "1e999", "NaN", "-Infinity"])).map(
        lambda t: case(f"{t[0]} = {t[1][:12]}", text=_dump_with(base, fmt, t[0], t[1]), must_fail=False))
    tags = st.tuples(st.sampled_from(shape.paths(typed=False)), st.sampled_from(YAML_TAGS)).map(
        lambda t: case(f"{t[0]} = {t[1]}", text=_dump_with(base, fmt, t[0], t[1])))
    text = _dump(base, fmt).encode("utf-8")
    not_utf8 = st.tuples(st.integers(0, len(text)), st.sampled_from(NOT_UTF8)).map(
        lambda t: Case(f"bytes {t[1]!r} at {t[0]}", _bad_bytes(text, t[0], t[1]), True))
    utf16 = st.just(Case("UTF-16", _dump(base, fmt).encode("utf-16"), True))
    # A JSON object cut short never parses; a YAML document cut at a line break may be valid.
    truncated = st.integers(0, len(text) - 1).map(
        lambda n: Case(f"cut at {n}", text[:n], fmt == "json" or n == 0 or not text[:n].strip()))
    random = st.one_of(st.binary(max_size=200).map(lambda b: Case("random bytes", b, True)),
                       st.text(max_size=200).map(lambda s: Case("random text", s.encode("utf-8"), True)))
    return st.one_of(missing, unknown, other_kind, nesting, wrong, maybe, deep, long_number, big_numbers, not_utf8,
                     utf16, truncated, random, *([tags] if fmt == "yaml" else []))


def _set(path, value):
    return (("set", path, value),)


def _wrongs(path, *values):
    return tuple(_set(path, v) for v in values)


# Task YAML files, loaded by name from a folder on $CLIRBENCH_TASKS_DIR.

TASK = yaml.safe_load((REPO / "clirbench" / "tasks" / "toy.yaml").read_text(encoding="utf-8")) | {
    "name": "gen",
    "pool_groups": [{"query_langs": ["en", "sw"], "pool_langs": ["en", "sw"], "queries": "clirbench/toy/{q}-en",
                     "docs": "clirbench/toy/en", "qrels": "clirbench/toy/{q}-en", "pool_docs": "clirbench/toy/{d}"}],
    "references": [{"system": "someone", "citation": "Someone et al. 2024", "ap_pool": 0.5}],
    "relevance_threshold": 1,
}
_G, _P = ("pair_groups", 0), ("pool_groups", 0)
TASK_SHAPE = Shape(
    base=TASK, fmt="yaml",
    required=(("name",), ("description",), ("citation",), ("pair_groups",),
              *((*_G, f) for f in ("query_langs", "doc_langs", "queries", "docs", "qrels")),
              *((*_P, f) for f in ("query_langs", "pool_langs", "queries", "docs", "qrels", "pool_docs")),
              ("references", 0, "system"), ("references", 0, "citation")),
    records=((), _G, _P, ("references", 0)),
    typos=("metric", "topk", "pairs", "query_lang", "doc_lang", "Name", "descripton", "relevance"),
    wrong=(*_wrongs(("name",), "Gen", "other", "", "gen/x", "../gen"),
           *_wrongs(("pair_groups",), []),
           *_wrongs((*_G, "query_langs"), [], ["xx"], ["EN"], ["en-US"], ["en", "klingon"]),
           *_wrongs((*_G, "doc_langs"), [], ["zz"]),
           *_wrongs((*_G, "queries"), "x/{lang}", "x/{q!r}", "x/{d:>3}", "x/{", "x/}", "x/{0}", "x/{}",
                    "x/{q[0]}", "x/{q.upper}", "{{q}", "x/{q}{"),
           *_wrongs((*_G, "dataset_codes"), {"nl": 5}, ["nl", "dt"], "nl=dt"),
           *_wrongs((*_G, "monolingual"), "sometimes", 2, []),
           *_wrongs((*_P, "pool_langs"), ["en"], []),
           *_wrongs((*_P, "docs"), "clirbench/toy/{d}", "x/{q}"),
           *_wrongs((*_P, "pool_docs"), "x/{q}", "x/{z}"),
           *_wrongs((*_P, "queries"), "x/{d}"),
           *_wrongs(("metrics",), [], ["nonsense"], ["RR@10", "bogus"], [""], ["RR@"], "RR@10", [5]),
           *_wrongs(("relevance_threshold",), 0, -1, "abc", 1.5, math.nan),
           *_wrongs(("top_k",), 0, -5, "many", 2.5, math.inf),
           *_wrongs(("references",), [{"system": "x"}], "Someone 2024"),
           *_wrongs(("references", 0, "ap_pool"), "high", [0.5]),
           *_wrongs(("query_field",), 5, ["text"]),
           *_wrongs(("source_datasets",), "mlqa", {"mlqa": 1})),
    maybe=(*_wrongs(("references", 0, "ap_pool"), math.nan, math.inf, 1.5, -3),
           *_wrongs(("query_field",), "title", None),
           *_wrongs(("relevance_threshold",), 10**6), *_wrongs(("top_k",), 10**12)),
)


def _load_task(case: Case, out: Path):
    folder = _case_dir(out)
    (folder / "gen.yaml").write_bytes(case.data)
    with mock.patch.dict(os.environ, {"CLIRBENCH_TASKS_DIR": str(folder)}):
        spec = _expect("task YAML", lambda: load_task("gen"), case, (str(folder / "gen.yaml"),))
    if spec is not None:  # what the runner asks of a task next
        spec.pairs(), spec.measures()


@cases(PER_KIND["task YAML"])
@given(case=documents(TASK_SHAPE))
@example(case=Case("unmatched brace", _dump(_edited(TASK, _set((*_G, "queries"), "x/{q}{")), "yaml").encode(), True))
@example(case=Case("a YAML error (reported over several lines)", b'name: "gen\n', True))
@example(case=Case("top_k = !!timestamp x", _dump_with(TASK, "yaml", ("top_k",), "!!timestamp x").encode(), True))
@example(case=Case("top_k = !!int ''", _dump_with(TASK, "yaml", ("top_k",), "!!int ''").encode(), True))
def test_task_files(case, out_dir):
    _load_task(case, out_dir)


# Encoder and BM25 settings files, loaded as `clirbench run --system FILE.yaml` loads them.

ENCODER_SHAPE = Shape(
    base={"model": "models/my-encoder", "name": "my-encoder", "pooling": "mean", "normalize": True,
          "query_prefix": "query: ", "passage_prefix": "passage: ", "max_length": 128, "batch_size": 8,
          "device": "cpu", "precision": "float32", "training_data": ["msmarco"], "license": "MIT"},
    fmt="yaml", required=(("model",),), records=((),),
    typos=("pool", "normalise", "max_len", "batchsize", "prefix", "dtype"),
    wrong=(*_wrongs(("model",), "hf:intfloat/multilingual-e5-small", None, 5),
           *_wrongs(("name",), "../up", "a/b", "", "-x", "x" * 201, "my encoder"),
           *_wrongs(("pooling",), "max", "", "MEAN"),
           *_wrongs(("normalize",), "sometimes", 2, 0.5),
           *_wrongs(("max_length",), 0, 4, -1, "long", 8.5, math.nan, math.inf),
           *_wrongs(("batch_size",), 0, -8, "big", 1.5),
           *_wrongs(("precision",), "fp8", "int4", "float64"),
           *_wrongs(("device",), 5, ["cpu"]),
           *_wrongs(("training_data",), "msmarco", {"msmarco": True})),
)
BM25_SHAPE = Shape(
    base={"system": "bm25s", "name": "bm25s-k12", "settings": {"k1": 1.2, "b": 0.75}},
    fmt="yaml", required=(("system",),), records=((), ("settings",)),
    typos=("setting", "params", "k_1", "B", "index"),
    wrong=(*_wrongs(("system",), "bm26", "BM25S", "", None, "me5"),
           *_wrongs(("name",), "../x", "", "a b", ".hidden"),
           *_wrongs(("settings", "k1"), "high", math.nan, math.inf, -math.inf, True, None, "0,9", 10**400),
           *_wrongs(("settings", "b"), "half", math.nan, False, None),
           *_wrongs(("settings",), {"k3": 1}, {"k1": 1, "index": "x"})),
    maybe=(*_wrongs(("settings", "k1"), -1, 0, 10**30, "0.9"), *_wrongs(("system",), "bm25")),
)


def _load_settings(kind: str, case: Case, out: Path):
    path = _case_dir(out) / "settings.yaml"
    path.write_bytes(case.data)
    # The file is read and checked as `--system FILE.yaml` does; an encoder's stops short of loading the
    # model (its spec is read, nothing constructed), a BM25's is constructed (its settings are checked then).
    read = system_spec if kind == "encoder settings" else load_system
    _expect(kind, lambda: read(str(path)), case, (str(path),))


@cases(PER_KIND["encoder settings"])
@given(case=documents(ENCODER_SHAPE))
def test_encoder_settings_files(case, out_dir):
    _load_settings("encoder settings", case, out_dir)


@cases(PER_KIND["BM25 settings"])
@given(case=documents(BM25_SHAPE))
def test_bm25_settings_files(case, out_dir):
    _load_settings("BM25 settings", case, out_dir)


# Recipes and experiments.

OPTICAL = yaml.safe_load((REPO / "recipes" / "optical.yaml").read_text(encoding="utf-8"))
CONTRASTIVE = yaml.safe_load((REPO / "recipes" / "contrastive.yaml").read_text(encoding="utf-8"))
_B = ("bitext", 0)
_LOOP_WRONG = (*_wrongs(("batch_size",), 0, -1, "sixteen", 1.5), *_wrongs(("max_steps",), 0, "many", None),
               *_wrongs(("lr",), 0, -1e-5, math.nan, "fast"), *_wrongs(("dev_fraction",), 0, 1, 1.5, math.nan),
               *_wrongs(("max_length",), 4, "long"), *_wrongs(("precision",), "fp16", "half"),
               *_wrongs(("warmup_steps",), -1, 0.5), *_wrongs(("grad_clip",), 0, -1.0),
               *_wrongs(("recipe",), "distill", ["optical"], {"kind": "optical"}, 5, "OPTICAL"))
OPTICAL_SHAPE = Shape(
    base=OPTICAL, fmt="yaml", required=(("bitext",), (*_B, "kind"), (*_B, "languages")),
    records=((), _B), typos=("steps", "learning_rate", "bitexts", "language", "teacher_model", "eps"),
    wrong=(*_LOOP_WRONG,
           *_wrongs(_B + ("kind",), "parquet", "LAReQA", None), *_wrongs(_B + ("languages",), ["en"], ["xx"], []),
           *_wrongs(_B + ("collection",), "mlqa-r", "xquad"), *_wrongs(("bitext",), [], {"kind": "lareqa"}),
           *_wrongs(("epsilon",), 0, -0.05, math.nan), *_wrongs(("gradient",), "implicit"),
           *_wrongs(("marginals",), "tfidf"), *_wrongs(("sinkhorn_iters",), 0),
           (("set", ("ot_weight",), 0), ("set", ("sentence_weight",), 0)),
           (("set", _B + ("kind",), "tsv"),), (("set", _B + ("kind",), "hf"), ("set", _B + ("path",), "x.json")),
           *_wrongs(_B + ("limit",), 0, "all")),
    maybe=(*_wrongs(("lr",), math.inf, 1e30), *_wrongs(("ot_weight",), math.inf), *_wrongs(("seed",), -1, 10**40),
           *_wrongs(("max_steps",), 10**12)),
)
_N = ("negatives",)
CONTRASTIVE_SHAPE = Shape(
    base=CONTRASTIVE, fmt="yaml", required=(("languages",), ("recipe",)), records=((), _N),
    typos=("negative", "lang", "temp", "tower", "bitext"),
    wrong=(*_LOOP_WRONG, *_wrongs(("alpha",), 1.5, -0.1, math.nan, "half"),
           *_wrongs(("languages",), ["en"], ["en", "xx"], "en,de"),
           *_wrongs(_N + ("pool",), "random", "cross_lingual"), *_wrongs(_N + ("k",), 0, -1),
           *_wrongs(("collection",), "mlqa-r"), (("set", ("collection",), "mmarco"), ("set", _N + ("pool",), "mixed")),
           (("set", _N + ("miner",), "triples"), ("set", _N + ("pool",), "monolingual")),
           *_wrongs(("temperature",), 0, -0.05), *_wrongs(("towers",), "both"), *_wrongs(("device",), "tpu"),
           *_wrongs(("freeze_word_embeddings",), "yes please"), *_wrongs(("limit",), 0)),
    maybe=(*_wrongs(("temperature",), math.inf), *_wrongs(("alpha",), 1, 0), *_wrongs(("limit",), 10**30)),
)

# `--set key=value` assignments that name no field, or give one a value it cannot take.
BAD_OVERRIDES = ["max_steps.x=1", "bitext.7.limit=1", "bitext.x=1", "bitext.0.languages.9=hi", "lr.0=1",
                 "negatives.k.x=1", "a.b.c=1", "max_steps=abc", "lr=[1", "max_steps=2024-13-45",
                 "dev_fraction=.nan", "recipe=[optical]", "max_steps", "=3", "bitext.0=[",
                 "max_steps=" + "9" * 5000, "lr=" + "[" * 600 + "]" * 600, "bitext.0.kind={a: 1}",
                 "batch_size=0", "bitext=null", "languages=en"]


def _recipes():
    overrides = st.tuples(st.sampled_from([OPTICAL, CONTRASTIVE]),
                          st.lists(st.sampled_from(BAD_OVERRIDES), min_size=1, max_size=2)).map(
        lambda t: Case(f"--set {t[1]}", _dump(t[0], "yaml").encode(), True, tuple(t[1])))
    return st.one_of(documents(OPTICAL_SHAPE), documents(CONTRASTIVE_SHAPE), overrides)


_DEEP_SET = "lr=" + "[" * 600 + "]" * 600  # past the YAML composer's recursion: it was a RecursionError


@cases(PER_KIND["recipe"])
@given(case=_recipes())
@example(case=Case("recipe: [optical]", _dump(_edited(OPTICAL, _set(("recipe",), ["optical"])), "yaml").encode(), True))
@example(case=Case("--set deep", _dump(OPTICAL, "yaml").encode(), True, (_DEEP_SET,)))
def test_recipes(case, out_dir):
    path = _case_dir(out_dir) / "recipe.yaml"
    path.write_bytes(case.data)
    _expect("recipe", lambda: load_recipe(path, list(case.overrides)), case, (str(path), "--set"))


EXPERIMENT = yaml.safe_load((REPO / "experiments" / "hard-negatives.yaml").read_text(encoding="utf-8"))
EXPERIMENT_SHAPE = Shape(
    base=EXPERIMENT, fmt="yaml",
    required=(("name",), ("recipe",), ("task",), ("seeds",), ("baseline",), ("conditions",)),
    records=((),), typos=("seed", "condition", "comparison", "base", "recipes"),
    untyped=(("pairs",),),
    wrong=(*_wrongs(("name",), "Hard Negatives", "", "../x"), *_wrongs(("seeds",), [], ["zero"], [1.5], 0),
           *_wrongs(("baseline",), "nope", "", None), *_wrongs(("conditions",), {}, {"base": "alpha=1"},
                                                               {"base": None, "x": [1]}, [["base"]]),
           *_wrongs(("comparisons",), [["base", "nope"]], [["base"]], [["base", "none", "mixed"]], ["base"]),
           *_wrongs(("pairs",), 5, {"en": "sw"}, [5], None), *_wrongs(("recipe",), None, ["a.yaml"])),
    maybe=(*_wrongs(("pairs",), "nonsense", []), *_wrongs(("task",), "no-such-task"), *_wrongs(("seeds",), [10**40])),
)


@cases(PER_KIND["experiment"])
@given(case=documents(EXPERIMENT_SHAPE))
def test_experiment_files(case, out_dir):
    path = _case_dir(out_dir) / "experiment.yaml"
    path.write_bytes(case.data)
    _expect("experiment", lambda: load_experiment(path), case, (str(path),))


# Results files: `clirbench show` refuses them with an error, the leaderboard skips them with a warning.

def _pair(q: str, d: str) -> dict:
    pool = d == "multi"
    return {"query_lang": q, "doc_lang": d, "resource_level": "low" if "sw" in (q, d) else "high",
            "num_queries": 2, "num_docs": 8, "data": {"queries": f"clirbench/toy/{q}-en", "docs": f"clirbench/toy/{d}",
                                                      "qrels": f"clirbench/toy/{q}-en"},
            "run_file": f"runs/{q}-{d}.trec", "seconds": {"index": 0.5, "search": 0.1},
            "metrics": {"RR@10": 0.75, "AP": 0.5}, "per_query": {"RR@10": {"t1": 1.0, "t2": 0.5},
                                                                 "AP": {"t1": 0.75, "t2": 0.25}},
            "language_bias": {"AP_full": 0.4, "R@100:en": 1.0} if pool else {},
            "bias_per_query": {"AP_full": {"t1": 0.4}} if pool else {}}


RESULTS = {
    "schema_version": 2, "task": "toy", "task_description": "the toy task", "metrics": ["RR@10", "AP"],
    "measures": {"RR@10": "RR@10", "AP": "AP"},
    "model": {"name": "bm25s", "kind": "retriever", "description": "BM25", "languages": None,
              "parameters": {"k1": 0.9, "b": 0.4, "nested": {"x": [1, 2]}}, "num_parameters": None,
              "embedding_dim": None, "training_data": [], "adapted_from": None, "license": "MIT",
              "source": "https://example.org", "notes": ""},
    "model_fingerprint": "aad06f698c9dd8cf", "versions": {"clirbench": "0.1.0", "bm25s": "0.3.16"},
    "created": "2026-01-01T00:00:00+00:00", "updated": "2026-01-01T00:00:00+00:00",
    "pairs": {f"{q}-{d}": _pair(q, d) for q, d in [("en", "en"), ("en", "sw"), ("sw", "en"), ("sw", "sw"),
                                                    ("en", "multi")]},
    "not_applicable": {"yo-yo": "no dictionary"},
}
RESULTS_V1 = {k: v for k, v in RESULTS.items() if k != "measures"} | {"schema_version": 1}
_ES = ("pairs", "en-sw")
_RESULTS_WRONG = (
    *_wrongs(("schema_version",), 3, 0, -1, "2", [2], {"v": 2}, None, 2.5, [1], {"1": 1}),
    *_wrongs(("task",), "../x", "", "a b", "x" * 201, "<b>toy</b>"),
    *_wrongs(("metrics",), [], ["bogus"], ["RR@10", "nope"], "RR@10", [5]),
    *_wrongs(("model", "kind"), "human", ""), *_wrongs(("model", "name"), "../x", "", "-x", "a/b"),
    *_wrongs(("pairs",), "en-sw", [1]), *_wrongs(("not_applicable",), ["yo-yo"], {"yo-yo": 5}),
    *_wrongs((*_ES, "metrics", "RR@10"), 1.5, -0.1, math.nan, math.inf, -math.inf, "0.5", True, None),
    *_wrongs((*_ES, "per_query", "RR@10", "t1"), 2.0, math.nan, "1", None),
    *_wrongs((*_ES, "num_queries"), "many", 1.5, None),
    *_wrongs((*_ES, "run_file"), "/etc/passwd", "../../x.trec", "runs\\x.trec", "runs/../../x"),
    *_wrongs((*_ES, "query_lang"), "../x", "<b>x</b>", "", "en sw"),
    *_wrongs((*_ES, "seconds", "index"), "fast", None),
    *_wrongs((*_ES, "language_bias"), {"AP_full": math.nan}, {"AP_full": "high"}),
    *_wrongs(("pairs", "en-multi", "language_bias", "AP_full"), math.inf, "0.4"),
    (("rename", _ES, "../x"),), (("rename", _ES, ""),), (("rename", _ES, "en sw"),),
    # A pair that lacks one of the file's measures: `clirbench show` tabulated it with a KeyError.
    (("del", (*_ES, "metrics", "AP")),), (("del", ("pairs", "en-multi", "metrics", "RR@10")),),
    (("set", ("metrics",), ["RR@10", "AP", "nDCG@10"]),),
)
RESULTS_SHAPE = Shape(
    base=RESULTS, fmt="json",
    required=(("task",), ("metrics",), ("model",), ("model_fingerprint",), ("versions",), ("created",),
              ("updated",), ("model", "name"), ("model", "kind"),
              *((*_ES, f) for f in ("query_lang", "doc_lang", "resource_level", "num_queries", "num_docs", "data",
                                    "run_file", "seconds", "metrics", "per_query"))),
    records=((), ("model",), _ES), typos=("metric", "pair", "schema", "fingerprint", "query_language"),
    untyped=(("model", "parameters"),),
    wrong=_RESULTS_WRONG,
    maybe=(*_wrongs((*_ES, "seconds", "index"), math.nan, -1.0), *_wrongs((*_ES, "num_docs"), -5, 10**30),
           *_wrongs(("model", "parameters"), {"k1": math.nan}),
           *_wrongs(("pairs", "en-multi", "language_bias"), {"R@100": 0.5}, {"R@100:": 0.5, ":": 1.0}),
           (("del", (*_ES, "per_query", "AP")),)),
)
# Version 1 files are migrated as they are read: malformed ones too must end in an error.
RESULTS_V1_SHAPE = Shape(
    base=RESULTS_V1, fmt="json", required=RESULTS_SHAPE.required, records=RESULTS_SHAPE.records,
    untyped=RESULTS_SHAPE.untyped,
    wrong=(*_wrongs(("metrics",), 5, "RR@10", [1], {"x": 1}, None, [[1]]),
           *_wrongs(("pairs",), [1], "x", 5), *_wrongs(_ES, 1, [1], "x", None),
           *_wrongs((*_ES, "metrics"), [1], 5, "x"), *_wrongs((*_ES, "per_query"), [1], "x", 5)),
)


def _v1(edits) -> Case:
    return Case(f"v1 {edits}", _dump(_edited(RESULTS_V1, edits), "json").encode(), True)


def _v2(edits) -> Case:
    return Case(f"{edits}", _dump(_edited(RESULTS, edits), "json").encode(), True)


@cases(PER_KIND["results.json"])
@given(case=st.one_of(documents(RESULTS_SHAPE), documents(RESULTS_V1_SHAPE)))
@example(case=_v2(_set(("schema_version",), [1])))
@example(case=_v1(_set(("metrics",), 5)))
@example(case=_v1(_set(("pairs",), [1])))
@example(case=_v1(_set((*_ES, "metrics"), "x")))
@example(case=_v2((("del", (*_ES, "metrics", "AP")),)))
@example(case=Case("R@100 with no language", _v2(_set(("pairs", "en-multi", "language_bias"), {"R@100": 0.5})).data,
                   False))
def test_results_files(case, out_dir):
    root = _case_dir(out_dir)
    path = root / "toy" / "bm25s" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(case.data)
    results = _expect("results.json", lambda: load_results(path), case, (str(path),))
    if results is not None:  # what `clirbench show` does with it
        results_table(results), matrix_table(results), pool_table(results)
    found = collect([root])
    assert all("\n" not in w for w in found.warnings), found.warnings
    if results is None:
        assert found.results == [] and len(found.warnings) == 1, found.warnings
        assert found.warnings[0].startswith(f"{path}: skipped, "), found.warnings
    else:
        assert len(found.results) + len(found.warnings) == 1


# TREC run files.

RUN_LINES = [["t1", "Q0", "en-1", "1", "2.5", "bm25s"], ["t1", "Q0", "en-7", "2", "1.25", "bm25s"],
             ["t2", "Q0", "en-3", "1", "0.5", "bm25s"]]
BAD_RANKS = ["one", "1.5", "1e3", "0x1", "", "9" * 5000, "1/2", "None"]
BAD_SCORES = ["high", "1,5", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e999", "0x1p3", "", "2.5.1"]


def _run_text(lines) -> str:
    return "".join(" ".join(line) + "\n" for line in lines)


def _bad_line(line: list[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.integers(0, 5).map(lambda i: line[:i] + line[i + 1:]),  # a field missing
        st.integers(0, 6).map(lambda i: line[:i] + ["extra"] + line[i:]),  # one too many
        st.sampled_from(BAD_RANKS).map(lambda r: line[:3] + [r] + line[4:]),
        st.sampled_from(BAD_SCORES).map(lambda s: line[:4] + [s] + line[5:]),
    )


def _runs() -> st.SearchStrategy[Case]:
    text = _run_text(RUN_LINES).encode()
    bad = st.tuples(st.integers(0, len(RUN_LINES)), st.sampled_from(RUN_LINES).flatmap(_bad_line)).map(
        lambda t: Case(f"line {t[1]}", _run_text([*RUN_LINES[:t[0]], [f for f in t[1] if f] or ["x"],
                                                  *RUN_LINES[t[0]:]]).encode(), True))
    return st.one_of(
        bad,
        st.tuples(st.integers(0, len(text)), st.sampled_from(NOT_UTF8)).map(
            lambda t: Case(f"bytes {t[1]!r} at {t[0]}", _bad_bytes(text, t[0], t[1]), True)),
        st.just(Case("UTF-16", _run_text(RUN_LINES).encode("utf-16"), True)),
        st.integers(0, len(text) - 1).map(lambda n: Case(f"cut at {n}", text[:n], False)),
        st.binary(max_size=200).map(lambda b: Case("random bytes", b, False)),
        st.lists(st.text(max_size=40), max_size=5).map(lambda ls: Case("random lines", "\n".join(ls).encode(), False)),
    )


@cases(PER_KIND["TREC run"])
@given(case=_runs())
def test_trec_run_files(case, out_dir):
    path = _case_dir(out_dir) / "en-sw.trec"
    path.write_bytes(case.data)
    run = _expect("TREC run", lambda: read_run(path), case, (str(path),))
    if run is not None:
        assert all(isinstance(d, str) and type(s) is float and math.isfinite(s) for r in run.values() for d, s in r)


# Plugin outputs: what a retriever's search returns, and an encoder's vectors.

RANKINGS = {"t1": [("en-1", 2.5), ["en-7", np.float32(1.25)]], "t2": (("en-3", 0.5),)}
BAD_RUNS = [[], [("t1", [])], "run", None, 5, ({"t1": []},), np.array([1.0]), {("t1", "en-1")}]
BAD_QIDS = [1, None, b"t1", ("t",), 1.5, np.int64(1), 10**5000]
BAD_RANKINGS = [{"en-1": 1.0}, "en-1", None, 5, np.array([["en-1", "1.0"]]), {("en-1", 1.0)}, iter([("en-1", 1.0)])]
BAD_HITS = [("en-1",), ("en-1", 1.0, 2), "en-1", "ab", None, {"en-1": 1.0}, np.array(["en-1", 1.0], dtype=object), 3]
BAD_DOC_IDS = [1, None, b"en-1", np.int64(3), 1.5, ("en",), 10**5000]
BAD_SCORES_PY = ["2.5", None, True, False, complex(1, 0), Decimal("1"), [1.0], np.array(1.0), np.array([1.0]), b"1",
                 math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("inf"), 10**400, -10**400, 10**5000,
                 Fraction(10**400, 3), np.longdouble("1e4000")]


def _search_outputs() -> st.SearchStrategy[tuple[str, object]]:
    def with_ranking(qid, ranking):
        return {**RANKINGS, qid: ranking}

    hit_at = st.sampled_from([("t1", 0), ("t1", 1), ("t2", 0)])

    def with_hit(where, hit):
        qid, i = where
        ranking = list(RANKINGS[qid])
        ranking[i] = hit
        return with_ranking(qid, ranking)

    return st.one_of(
        st.sampled_from(BAD_RUNS).map(lambda r: ("run", r)),
        st.sampled_from(BAD_QIDS).map(lambda q: ("query id", {**RANKINGS, q: []})),
        st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.sampled_from(BAD_RANKINGS)).map(
            lambda t: ("ranking", with_ranking(*t))),
        st.tuples(hit_at, st.sampled_from(BAD_HITS)).map(lambda t: ("hit", with_hit(*t))),
        st.tuples(hit_at, st.sampled_from(BAD_DOC_IDS), st.booleans()).map(
            lambda t: ("doc id", with_hit(t[0], (t[1], 1.0) if t[2] else [t[1], 1.0]))),
        st.tuples(hit_at, st.sampled_from(BAD_SCORES_PY)).map(lambda t: ("score", with_hit(t[0], ("en-9", t[1])))),
    )


@cases(PER_KIND["search output"])
@given(output=_search_outputs())
@example(output=("score", {"t1": [("en-1", 10**400)]}))
@example(output=("score", {"t1": [("en-1", 10**5000)]}))
@example(output=("doc id", {"t1": [(10**5000, 1.0)]}))
def test_search_outputs(output):
    label, run = output
    _expect("search output", lambda: checked_rankings(run, "my-plugin"), Case(label, b"", True), ("my-plugin: ",))


def _vectors() -> st.SearchStrategy[tuple[str, object, int]]:
    def good(n, d):
        return np.linspace(-1, 1, n * d, dtype=np.float32).reshape(n, d)

    shapes = st.tuples(st.integers(1, 5), st.integers(1, 8))
    dtypes = ["float64", "float16", "int32", "int64", "bool", "complex64", "object", "U4", "S4", "datetime64[s]",
              "timedelta64[s]", [("a", "f4")]]
    bad_values = st.sampled_from([np.nan, np.inf, -np.inf])

    def non_finite(t):
        (n, d), value, cells = t
        v = good(n, d)
        for i, j in cells:
            v[i % n, j % d] = value
        return ("non-finite", v, n)

    def masked(t):
        (n, d), nan = t
        data = good(n, d)
        if nan:
            data[0, 0] = np.nan
        return ("masked" + (" NaN" if nan else ""), np.ma.masked_array(data, mask=True), n)

    return st.one_of(
        st.tuples(shapes, st.sampled_from(dtypes)).map(
            lambda t: ("dtype", np.zeros(t[0], dtype=t[1]), t[0][0])),
        shapes.flatmap(lambda s: st.sampled_from([(s[0] * s[1],), (1, *s), (), (s[0], s[1], 1)]).map(
            lambda shape: ("ndim", good(*s).reshape(shape) if shape else np.float32(1), s[0]))),
        st.tuples(shapes, st.sampled_from([-1, 1, 3])).map(lambda t: ("rows", good(*t[0]), t[0][0] + t[1])),
        st.integers(1, 5).map(lambda n: ("dim 0", np.zeros((n, 0), np.float32), n)),
        st.tuples(shapes, bad_values, st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1,
                                               max_size=3)).map(non_finite),
        shapes.flatmap(lambda s: st.sampled_from([good(*s).tolist(), tuple(good(*s)), None, 1.0, {"v": good(*s)},
                                                  np.float32(1)]).map(lambda v: ("not an array", v, s[0]))),
        st.tuples(shapes, st.booleans()).map(masked),
    )


@cases(PER_KIND["encoder vectors"])
@given(output=_vectors())
@example(output=("masked", np.ma.masked_array(np.zeros((2, 3), np.float32), mask=True), 2))
def test_encoder_vectors(output):
    label, vectors, num_texts = output
    case = Case(label, b"", label != "masked")
    checked = _expect("encoder vectors", lambda: check_vectors(vectors, num_texts, "my-plugin", "encode_queries"),
                      case, ("my-plugin.encode_queries",))
    if checked is not None:
        assert checked.dtype == np.float32 and np.isfinite(np.asarray(checked)).all()


# The starting points are valid: each case is broken by its edit, not by its base.

@pytest.mark.parametrize("shape", [TASK_SHAPE, ENCODER_SHAPE, BM25_SHAPE, OPTICAL_SHAPE, CONTRASTIVE_SHAPE,
                                   EXPERIMENT_SHAPE, RESULTS_SHAPE, RESULTS_V1_SHAPE],
                         ids=["task", "encoder", "bm25", "optical", "contrastive", "experiment", "results", "results-v1"])
def test_the_starting_documents_are_valid(shape, out_dir):
    text = _dump(shape.base, shape.fmt)
    if shape is RESULTS_SHAPE or shape is RESULTS_V1_SHAPE:
        results = parse_results(json.loads(text))
        results_table(results), matrix_table(results), pool_table(results)
    elif shape is TASK_SHAPE:
        folder = _case_dir(out_dir)
        (folder / "gen.yaml").write_text(text, encoding="utf-8")
        with mock.patch.dict(os.environ, {"CLIRBENCH_TASKS_DIR": str(folder)}):
            assert len(load_task("gen").pairs()) == 18
    elif shape is EXPERIMENT_SHAPE:
        path = _case_dir(out_dir) / "e.yaml"
        path.write_text(text, encoding="utf-8")
        load_experiment(path)
    elif shape is ENCODER_SHAPE:  # validated as the registry does, without loading a model
        from clirbench.systems.hf_encoder import load_settings_file

        path = _case_dir(out_dir) / "e.yaml"
        path.write_text(text, encoding="utf-8")
        load_settings_file(path)
    elif shape is BM25_SHAPE:
        path = _case_dir(out_dir) / "s.yaml"
        path.write_text(text, encoding="utf-8")
        assert load_system(str(path)).meta.name == "bm25s-k12"
    else:
        path = _case_dir(out_dir) / "r.yaml"
        path.write_text(text, encoding="utf-8")
        load_recipe(path)
    assert trec_ok(out_dir) and search_ok() and vectors_ok()


def trec_ok(out: Path) -> bool:
    path = _case_dir(out) / "ok.trec"
    path.write_text(_run_text(RUN_LINES))
    return read_run(path) == {"t1": [("en-1", 2.5), ("en-7", 1.25)], "t2": [("en-3", 0.5)]}


def search_ok() -> bool:
    return checked_rankings(RANKINGS, "my-plugin")["t1"] == [("en-1", 2.5), ("en-7", 1.25)]


def vectors_ok() -> bool:
    return check_vectors(np.ones((2, 3), np.float32), 2, "my-plugin", "encode_queries").shape == (2, 3)
