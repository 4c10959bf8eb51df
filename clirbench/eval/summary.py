"""The summary view of a LAReQA task, in the layout of Elmahdy et al. (2024) Table 1: mAP
averaged over monolingual pairs, over cross-lingual pairs and over the multilingual pool,
and the mean rank distance; published rows from the task file beside the runs, marked as
published and never ranked among them. The pool's mAP is over complete rankings; the pairs'
is over each pair's top 100 (the task's cut; their collections hold 1.8k-6.3k sentences).
Rows that are not mAP leave the other measures' names in the header unchanged."""

import pandas as pd

from clirbench.eval.results import ResultsFile
from clirbench.tasks import TaskSpec

AP_MONO, AP_CROSS, AP_POOL, RANK_DISTANCE = "mAP mono", "mAP cross", "mAP multi", "rank distance"
COLUMNS = [AP_MONO, AP_CROSS, AP_POOL, RANK_DISTANCE]
PUBLISHED = "published"  # the column saying where a row comes from: empty for runs, else the citation


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def run_summary(r: ResultsFile, measure: str = "AP") -> dict:
    """One run's row: mean `measure` over monolingual pairs, cross-lingual pairs and the pool
    (AP over complete pool rankings where recorded), and the mean rank distance."""
    pairs = list(r.pairs.values())
    return {
        AP_MONO: _mean([p.metrics[measure] for p in pairs if p.monolingual and measure in p.metrics]),
        AP_CROSS: _mean([p.metrics[measure] for p in pairs if p.cross_lingual and measure in p.metrics]),
        # AP over the complete ranking of the pool where the run has it (as published), else the cut's.
        AP_POOL: _mean([p.language_bias["AP_full"] if measure == "AP" and "AP_full" in p.language_bias
                        else p.metrics[measure] for p in pairs if p.pool and measure in p.metrics]),
        # Over all queries of all pool pairs, as the paper averages it.
        RANK_DISTANCE: _mean([v for p in pairs if p.pool
                              for v in p.bias_per_query.get("rank_distance", {}).values()]),
        PUBLISHED: "",
    }


def summary_table(results: list[ResultsFile], spec: TaskSpec, measure: str = "AP") -> pd.DataFrame:
    """One row per run (sorted by mAP over the pool, then over cross-lingual pairs), then one
    per published reference. Runs without the measure are left out."""
    runs = {r.model.name: run_summary(r, measure) for r in results if measure in r.metrics}
    table = pd.DataFrame.from_dict(runs, orient="index", columns=[*COLUMNS, PUBLISHED])
    table = table.sort_values([AP_POOL, AP_CROSS], ascending=False, na_position="last")
    published = pd.DataFrame.from_dict({
        f"{ref.system} ({ref.training})" if ref.training else ref.system: {
            AP_MONO: ref.ap_monolingual, AP_CROSS: ref.ap_cross_lingual, AP_POOL: ref.ap_pool,
            RANK_DISTANCE: ref.rank_distance, PUBLISHED: ref.citation}
        for ref in spec.references}, orient="index", columns=[*COLUMNS, PUBLISHED])
    out = pd.concat([table, published]) if len(published) else table
    out[COLUMNS] = out[COLUMNS].astype(float)
    out.index.name = "system"
    return out


def rank_distance_by_language(results: list[ResultsFile]) -> pd.DataFrame:
    """Mean rank distance per query language (columns) of each run (rows) on the pool."""
    rows = {r.model.name: {p.query_lang: p.language_bias["rank_distance"] for p in r.pairs.values()
                           if p.pool and "rank_distance" in p.language_bias} for r in results}
    table = pd.DataFrame.from_dict({k: v for k, v in rows.items() if v}, orient="index")
    table = table[sorted(table.columns)] if len(table.columns) else table
    table.index.name = "system"
    return table


def same_language_share(results: list[ResultsFile]) -> pd.DataFrame:
    """Per run and query language on the pool: the share of the top 10 in the question's
    language, and that language's share of the pool (long format, for a chart)."""
    rows = [{"system": r.model.name, "query language": p.query_lang,
             "own language in top 10": p.language_bias.get("same_language_top10"),
             "own share of pool": p.language_bias.get("pool_share")}
            for r in results for p in r.pairs.values() if p.pool and p.language_bias]
    return pd.DataFrame(rows, columns=["system", "query language", "own language in top 10", "own share of pool"])
