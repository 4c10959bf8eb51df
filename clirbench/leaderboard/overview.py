"""The main table of a leaderboard: one row per system with its rank, its average, how many of
the task's pairs it ran ("47/49 pairs") and what the system is (kind, parameters, embedding
size, zero-shot on the task, source). One rule for the app and `clirbench leaderboard`:

- coverage counts the pairs that enter `avg all` (language pairs; not the multilingual pool's,
  nor translated questions'), against the task's such pairs (those a filter keeps);
- an average is *unequal* (marked) when its system ran another set of pairs than some other
  system shown: such averages do not compare; `common_pairs` (tables) restricts every system
  to the pairs all of them ran;
- rank: by `avg all`, highest first, ties sharing the better rank ("min"); a system with no
  average has none."""

from dataclasses import dataclass

import pandas as pd

from clirbench.eval.results import ResultsFile
from clirbench.leaderboard.tables import language_pairs
from clirbench.tasks import TaskSpec

RANK, COVERAGE, UNEQUAL = "rank", "coverage", "unequal pairs"
KIND, PARAMETERS, EMBEDDING, ZERO_SHOT, SOURCE = "kind", "parameters", "embedding size", "zero-shot", "source"
CI, BEST_GROUP = "95% CI", "best group"


def counted_keys(r: ResultsFile, metric: str) -> set[str]:
    """The pairs of `r` that enter its `avg all` (with `metric`)."""
    return {k for k, p in language_pairs(r).items() if not p.query_set and metric in p.metrics}


def task_pairs(spec: TaskSpec | None, keeps=None) -> dict[str, tuple[str, str]]:
    """The task's pairs that enter `avg all` (key -> (query language, document language)), those
    `keeps(query_lang, doc_lang)` accepts."""
    if spec is None:
        return {}
    return {p.key: (p.query_lang, p.doc_lang) for p in spec.pairs() if not p.pool and not p.query_set
            and (keeps is None or keeps(p.query_lang, p.doc_lang))}


@dataclass(frozen=True)
class Coverage:
    ran: int
    total: int  # the task's pairs (or the pairs any system ran, where that is more)
    unequal: bool  # another system shown ran a pair this one lacks, or the other way round

    @property
    def label(self) -> str:
        return f"{self.ran}/{self.total} pairs"

    @property
    def complete(self) -> bool:
        return self.ran == self.total


def coverage(results: list[ResultsFile], metric: str, expected=None) -> dict[str, Coverage]:
    """Per system: how many of the expected pairs it ran. `expected`: the task's pair keys (see
    `task_pairs`); pairs a system ran outside them count too (an older task file)."""
    ran = {r.model.name: counted_keys(r, metric) for r in results}
    union = set().union(*ran.values()) if ran else set()
    total = len(union | set(expected or ()))
    return {name: Coverage(len(keys), total, keys != union) for name, keys in ran.items()}


def ranks(averages: pd.Series) -> pd.Series:
    """Rank by the average, highest first; ties share the better rank; no average, no rank."""
    return averages.rank(ascending=False, method="min").astype("Int64")


def zero_shot_label(spec: TaskSpec | None, training_data: list[str] | None) -> str:
    if spec is None:
        return "unknown"
    flag = spec.zero_shot(training_data)
    return "unknown" if flag is None else "yes" if flag else "no"


def source_link(source: str | None) -> str | None:
    """The model's source as a link where it is a web address (anything else is not a link)."""
    return source if source and source.startswith(("https://", "http://")) else None


def main_table(results: list[ResultsFile], metric: str, averages: pd.Series, spec: TaskSpec | None = None,
               expected=None) -> pd.DataFrame:
    """Rank, `averages` (system -> avg all: the score table's), coverage and the model's facts,
    best first; index: system."""
    cover = coverage(results, metric, expected)
    by_name = {r.model.name: r for r in results}
    rows = {}
    for name in averages.index:
        meta, c = by_name[name].model, cover[name]
        rows[name] = {"avg all": averages[name], COVERAGE: c.label, UNEQUAL: c.unequal, KIND: meta.kind,
                      PARAMETERS: meta.num_parameters, EMBEDDING: meta.embedding_dim,
                      ZERO_SHOT: zero_shot_label(spec, meta.training_data), SOURCE: source_link(meta.source)}
    table = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["avg all", COVERAGE, UNEQUAL, KIND, PARAMETERS, EMBEDDING, ZERO_SHOT, SOURCE])
    table = table.astype({PARAMETERS: "Int64", EMBEDDING: "Int64", UNEQUAL: bool})
    table.insert(0, RANK, ranks(table["avg all"]))
    table = table.sort_values(["avg all"], ascending=False, na_position="last", kind="stable")
    table.index.name = "system"
    return table


def ci_label(low: float, high: float) -> str:
    """A 95% CI as the tables print it, `[0.4012, 0.4821]`; empty where there is none (NaN)."""
    return f"[{low:.4f}, {high:.4f}]" if low == low and high == high else ""


def with_statistics(main: pd.DataFrame, cis: pd.DataFrame | None = None, group=None) -> pd.DataFrame:
    """`main_table` with, after the average, its 95% CI (`cis`: significance.average_cis) and
    whether the system is in the best group (`group`: significance.best_group): best; yes (not
    significantly below the best); no; untested (no query in common with the best); empty for a
    system the tests did not see (its per-query values could not be read)."""
    out = main.copy()
    at = list(out.columns).index("avg all") + 1
    if cis is not None:
        out.insert(at, CI, [ci_label(cis.at[n, "ci_low"], cis.at[n, "ci_high"]) if n in cis.index else ""
                            for n in out.index])
        at += 1
    if group is not None and group.best is not None:
        below = set(group.table.loc[group.table["significant"] & (group.table["diff"] < 0), "system"])
        out.insert(at, BEST_GROUP, ["best" if n == group.best else "untested" if n in group.untested else
                                    "no" if n in below else "yes" if n in group.members else "" for n in out.index])
    return out


def summary_coverage(results: list[ResultsFile], spec: TaskSpec | None) -> pd.DataFrame:
    """Per system, of the summary view's three kinds of pair (monolingual, cross-lingual, the
    multilingual pool): how many it ran against how many the task has, and whether it ran all of
    them (a published row is over the whole task: a run of 2 of 49 pairs does not compare)."""
    task = spec.pairs() if spec is not None else []
    kinds = {"mono": lambda p: p.query_lang == p.doc_lang and not p.pool, "cross": lambda p: p.cross_lingual,
             "pool": lambda p: p.pool}
    totals = {k: {p.key for p in task if not p.query_set and f(p)} for k, f in kinds.items()}
    rows = {}
    for r in results:
        row = {}
        for kind, f in kinds.items():
            ran = {key for key, p in r.pairs.items() if not p.query_set and f(p)}
            total = len(ran | totals[kind])
            row[kind] = f"{len(ran)}/{total}" if total else "-"
            row[f"{kind} complete"] = len(ran) == total
        rows[r.model.name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "system"
    return out
