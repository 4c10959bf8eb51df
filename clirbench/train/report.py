"""The report of an experiment: Markdown tables and PNG plots under its results folder.

Per condition, RR@10 and AP per query language and per resource level of the query
language, as mean ± sample std (ddof 1) over seeds (each seed's value is a macro average over
the scored pairs). Where the trained models leave a language's questions to the teacher (an
OPTICAL student leaves English), pairs with those questions have their own column and stay out
of the level and `all` columns.

Significance against the baseline condition, and for the experiment's listed `comparisons`,
tests the printed cell's difference (clirbench.eval.stats): over question ids (MLQA-R's are
shared across pairs and languages: a cluster) and, with seeds, over seeds; Holm-corrected over
every test in the report, starred only where both levels hold."""

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from clirbench.core.atomic import write_text_atomic
from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import language
from clirbench.eval import stats
from clirbench.eval.results import ResultsFile
from clirbench.eval.summary import AP_POOL, RANK_DISTANCE, run_summary
from clirbench.eval.summary import COLUMNS as SUMMARY_COLUMNS
from clirbench.systems.student_manifest import StudentManifest
from clirbench.tasks import load_task
from clirbench.train.experiment_record import RECORD, ExperimentRecord, ExperimentSpec, SystemCondition
from clirbench.train.report_tables import cell
from clirbench.train.report_tables import markdown_table as _table
from clirbench.train.run_bundle import RUNS_BUNDLE, runs_of
from clirbench.train.zero_shot_section import zero_shot_section

MEASURES = ("RR@10", "AP")
ALPHA = stats.ALPHA
CORRECTION = "holm"
LEVELS = ("high (query)", "low (query)")
MAX_LANGUAGE_COLUMNS = 12


def _english(code: str) -> bool:
    """English under any of its codes (`en`, `eng`, `eng_Latn`)."""
    return language(code).iso639_3 == "eng"


DIRECTIONS = {
    "X->en": lambda q, d: q != d and _english(d) and not _english(q),
    "en->X": lambda q, d: q != d and _english(q) and not _english(d),
    "X->Y": lambda q, d: q != d and not _english(q) and not _english(d),
    "monolingual": lambda q, d: q == d,
}


def teacher_only_languages(manifests: list[StudentManifest], query_langs: set[str]) -> set[str]:
    """Query languages that no trained model encodes itself (the teacher does, in every condition):
    not a student's language, and one its teacher reads (an English teacher's student encodes
    Arabic questions zero-shot)."""
    trained: set[str] = set()
    for m in manifests:
        if m.student_languages is None:
            return set()
        trained |= set(m.student_languages)
        if m.teacher_languages is not None:
            trained |= query_langs - set(m.teacher_languages)
    return query_langs - trained if manifests else set()


def _columns(info: dict, pairs: list[str], teacher_only: set[str]) -> dict[str, list[str]]:
    """Report column -> the language pairs it averages (`info`: key -> PairResult): each query
    language, then high / low, each resource class (Joshi et al. 2020) where there are several,
    and all (but the teacher-only languages); the multilingual pool's pairs are summarised apart,
    in the Table 1 layout."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for key in pairs:
        if not info[key].pool:
            by_lang[info[key].query_lang].append(key)
    # A column per query language while a table can show them (MLQA-R's 7, AfriQA-R's 8); FLORES-R's
    # 204 go by resource class only (their values stay in the bundle), and are not tested one by one.
    columns = {lang: keys for lang, keys in sorted(by_lang.items())} if len(by_lang) <= MAX_LANGUAGE_COLUMNS else {}
    trained = {lang: keys for lang, keys in by_lang.items() if lang not in teacher_only}
    for level, column in zip(("high", "low"), LEVELS):
        columns[column] = [k for lang, keys in trained.items() if language(lang).resource_level == level for k in keys]
    classes = sorted({language(lang).resource_class for lang in trained} - {None})
    if len(classes) > 1:
        for c in classes:
            columns[f"class {c} (query)"] = [k for lang, keys in trained.items()
                                             if language(lang).resource_class == c for k in keys]
    columns[_all_column(teacher_only)] = [k for keys in trained.values() for k in keys]
    # By direction (OPTICAL's question is X->en): over every language pair, teacher-only ones too.
    # Translated questions (AfriQA-R's `hau:en-en`) are a reference, in no direction.
    language_pairs = [k for keys in by_lang.values() for k in keys if not info[k].query_set]
    for name, keep in DIRECTIONS.items():
        columns[name] = [k for k in language_pairs if keep(info[k].query_lang, info[k].doc_lang)]
    return {name: keys for name, keys in columns.items() if keys}


def _covers(runs: list[ResultsFile], keys: list[str]) -> bool:
    """Whether every run scored every pair of a column (a baseline may not run some: dict+bm25
    has no dictionary for most languages): a cell averages nothing else."""
    return all(k in r.pairs for r in runs for k in keys)


def _low_languages(columns: dict[str, list[str]], info: dict) -> str:
    langs = {info[k].query_lang for k in columns.get(LEVELS[1], [])}
    return " and ".join(sorted(langs)) if len(langs) <= MAX_LANGUAGE_COLUMNS else f"{len(langs)} languages are"


def _translation_gap(by_condition: dict[str, list[ResultsFile]], conditions: list[str], info: dict,
                     pairs: list[str]) -> list[str]:
    """Per condition and query language X, RR@10 of `X:en-en` (the same questions in their human
    English translation) minus that of `X-en`, mean over seeds: what query translation by a
    person would still add. In a trained condition the teacher encodes the translations."""
    translated = {k: f"{info[k].query_set}-{info[k].doc_lang}" for k in pairs if info[k].query_set}
    translated = {k: own for k, own in translated.items() if own in info}
    if not translated:
        return []
    langs = sorted({info[own].query_lang: None for own in translated.values()})
    rows = []
    for condition in conditions:
        runs, row, gaps = by_condition[condition], [], []
        for lang in langs:
            found = [(k, own) for k, own in translated.items() if info[own].query_lang == lang]
            if not found or not _covers(runs, [k for pair in found for k in pair]):
                row.append("-")
                continue
            gap = float(np.mean([r.pairs[k].metrics["RR@10"] - r.pairs[own].metrics["RR@10"]
                                 for r in runs for k, own in found]))
            gaps.append(gap)
            row.append(f"{gap:+.4f}")
        rows.append([f"`{condition}`", *row, f"{np.mean(gaps):+.4f}" if len(gaps) == len(langs) else "-"])
    return ["## Gap to the human translation (RR@10)", "",
            "RR@10 of each language's questions in their human English translation (`X:en-en`) minus that of the "
            "questions as written (`X-en`), against the same passages; mean over seeds. In trained conditions the "
            "teacher encodes the translations; otherwise the system itself.", "",
            _table(["condition", *langs, "mean"], rows), ""]


def _all_column(teacher_only: set[str]) -> str:
    return "all" if not teacher_only else "all but " + ", ".join(sorted(teacher_only))


def _macro(results: ResultsFile, keys: list[str], measure: str) -> float:
    return float(np.mean([results.pairs[k].metrics[measure] for k in keys])) if keys else math.nan


def _per_query(runs: list[ResultsFile], keys: list[str], measure: str) -> list[dict[str, dict[str, float]]]:
    """One run (seed) each: pair -> {question id -> value}, over the column's pairs."""
    return [{k: r.pairs[k].per_query[measure] for k in keys} for r in runs]


def _significance(by_condition: dict[str, list[ResultsFile]], comparisons: list[tuple[str, str]],
                  columns: dict[str, list[str]], correction: str = CORRECTION):
    """Every comparison on every cell (clirbench.eval.stats): the printed difference, its
    cluster-bootstrap CI and sign-flip p over question ids, and with seeds the seed-level Welch p;
    both levels corrected over every test of the report. A cell is starred when it holds at seed
    level (where both conditions have several seeds) and at question level."""
    rows = []
    first = next(iter(by_condition.values()))[0]
    info = {k: p for runs in by_condition.values() for r in runs for k, p in r.pairs.items()}
    cluster_of = stats.clusters(load_task(first.task).query_ids, info)  # one task: read once
    for condition, baseline in comparisons:
        for measure in MEASURES:
            for column, keys in columns.items():
                if not (_covers(by_condition[condition], keys) and _covers(by_condition[baseline], keys)):
                    continue
                test = stats.compare(_per_query(by_condition[condition], keys, measure),
                                     _per_query(by_condition[baseline], keys, measure), cluster_of)
                rows.append({"condition": condition, "against": baseline, "measure": measure, "column": column,
                             "diff": test.diff, "ci_low": test.ci_low, "ci_high": test.ci_high, "p": test.p,
                             "p_seed": test.p_seed, "seeds": list(test.n_seeds), "n": test.n_clusters,
                             "pairs": test.n_pairs})
    adjusted = stats.adjust([r["p"] for r in rows], correction)
    seeded = [i for i, r in enumerate(rows) if r["p_seed"] is not None]
    adjusted_seed = dict(zip(seeded, stats.adjust([rows[i]["p_seed"] for i in seeded], correction)))
    for i, (row, q) in enumerate(zip(rows, adjusted)):
        row["p_adjusted"] = q
        row["p_seed_adjusted"] = adjusted_seed.get(i)
        row["significant"] = bool(q < ALPHA and (row["p_seed_adjusted"] is None or row["p_seed_adjusted"] < ALPHA))
    return rows


def _interactions(by_condition: dict[str, list[ResultsFile]], comparisons: list[tuple[str, str]],
                  columns: dict[str, list[str]], correction: str = CORRECTION) -> list[dict]:
    """Does a condition's gain over another differ between low- and high-resource query
    languages? (A - B on `low (query)`) - (A - B on `high (query)`), per comparison and measure
    (clirbench.eval.stats.interaction); seed-level p adjusted over these tests."""
    low, high = columns.get(LEVELS[1]), columns.get(LEVELS[0])
    if not (low and high):
        return []
    first = next(iter(by_condition.values()))[0]
    info = {k: p for runs in by_condition.values() for r in runs for k, p in r.pairs.items()}
    cluster_of = stats.clusters(load_task(first.task).query_ids, info)
    rows = []
    for condition, baseline in comparisons:
        if not all(_covers(by_condition[c], low + high) for c in (condition, baseline)):
            continue
        for measure in MEASURES:
            test = stats.interaction(_per_query(by_condition[condition], low + high, measure),
                                     _per_query(by_condition[baseline], low + high, measure), low, high, cluster_of)
            rows.append({"condition": condition, "against": baseline, "measure": measure, "diff": test.diff,
                         "ci_low": test.ci_low, "ci_high": test.ci_high, "p_seed": test.p_seed,
                         "seeds": list(test.n_seeds), "n": test.n_clusters})
    seeded = [i for i, r in enumerate(rows) if r["p_seed"] is not None]
    adjusted = dict(zip(seeded, stats.adjust([rows[i]["p_seed"] for i in seeded], correction)))
    for i, row in enumerate(rows):
        row["p_seed_adjusted"] = adjusted.get(i)
        excludes_zero = row["ci_low"] > 1e-9 or row["ci_high"] < -1e-9  # not a float's rounding of 0
        row["significant"] = bool(excludes_zero and (row["p_seed_adjusted"] is None or row["p_seed_adjusted"] < ALPHA))
    return rows


def _interaction_section(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    table = [[f"`{t['condition']}`", f"`{t['against']}`", t["measure"], f"{t['diff']:+.4f}",
              f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]", "-" if t["p_seed"] is None else f"{t['p_seed']:.2e}",
              "-" if t["p_seed_adjusted"] is None else f"{t['p_seed_adjusted']:.2e}",
              f"{t['seeds'][0]} vs {t['seeds'][1]}", str(t["n"]), "yes" if t["significant"] else "no"] for t in rows]
    return ["## Low against high resource (interaction)", "",
            "Does a condition's difference from another depend on the resource level of the query language? The "
            "difference of differences: (condition - against, on `low (query)`) - (condition - against, on "
            "`high (query)`), both printed cells above. Positive: the condition gains more (or loses less) on "
            "low-resource languages. Question level: a cluster-bootstrap 95% CI of that statistic (a question's "
            "pairs in both columns drawn together). Seed level: Welch's t-test of the seeds' low - high gaps "
            f"(one-sample against a single untrained run), {CORRECTION.title()}-adjusted over this table; "
            "`significant` needs the CI to exclude 0 and the adjusted seed-level p < 0.05.", "",
            _table(["condition", "against", "measure", "difference of differences", "95% CI", "p (seeds)",
                    f"p adj. ({CORRECTION})", "seeds", "questions", "significant"], table), ""]


def _negatives_section(manifests: dict[str, list[StudentManifest]], conditions: list[str]) -> list[str]:
    """What each condition's mined pool held (the student manifests' `negatives.stats`)."""
    rows = []
    for condition in conditions:
        found = [m.negatives["stats"] for m in manifests.get(condition, []) if (m.negatives or {}).get("stats")]
        if not found:
            continue
        languages: dict[str, int] = defaultdict(int)
        for f in found:
            for lang, n in f["languages"].items():
                languages[lang] += n
        total = sum(languages.values())
        cosines = [f["mean_cosine"] for f in found if f.get("mean_cosine") is not None]
        best = {side: [f[f"best_{side}_cosine"] for f in found if f"best_{side}_cosine" in f]
                for side in ("monolingual", "cross-lingual")}
        rows.append([f"`{condition}`", f"{np.mean([f['count'] for f in found]):,.0f}",
                     f"{np.mean(cosines):.4f}" if cosines else "-",
                     *(f"{np.mean(v):.4f}" if v else "-" for v in best.values()),
                     f"{np.mean([f['share_positive_language'] for f in found]):.4f}",
                     f"{np.mean([f['share_same_paragraph'] for f in found]):.4f}",
                     ", ".join(f"{lang} {n / total:.3f}" for lang, n in sorted(languages.items()))])
    if not rows:
        return []
    return ["## Mined negatives", "",
            "Per condition, mean over its runs: negatives per run; their mean cosine to the question (the miner's "
            "language-neutral query vector); before the hardness cap, the mean best cosine each pool offered "
            "(monolingual: the positive's language; cross-lingual: the others); the share in the positive's "
            "language and from the positive's paragraph; and the share of each language.", "",
            _table(["condition", "negatives", "mean cosine", "best monolingual (uncapped)",
                    "best cross-lingual (uncapped)", "in the positive's language", "from its paragraph",
                    "languages"], rows), ""]


def _dev_text(scores: list) -> str:
    """Dev scores of a condition's runs, averaged: one measure, or several by name."""
    if isinstance(scores[0], dict):
        # Sorted by name: the bundle stores dicts with sorted keys, and a report regenerates from it.
        return ", ".join(f"{name} {np.mean([s[name] for s in scores]):.4f}" for name in sorted(scores[0]))
    return f"{np.mean(scores):.4f}"


def _plots(out_dir: Path, cells: dict, columns: list[str], conditions: list[str], losses: dict[str, list[list[float]]]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for measure in MEASURES:
        fig, ax = plt.subplots(figsize=(10, 4))
        width = 0.8 / len(conditions)
        for i, condition in enumerate(conditions):
            means = [cells[condition][measure][c][0] for c in columns]
            stds = [cells[condition][measure][c][1] for c in columns]
            ax.bar(np.arange(len(columns)) + i * width, means, width, yerr=stds, label=condition, capsize=2)
        ax.set_xticks(np.arange(len(columns)) + 0.4 - width / 2, columns, rotation=0)
        ax.set_ylabel(f"{measure} (mean over seeds, ± std)")
        ax.legend(fontsize=8)
        ax.set_title(f"{measure} by query language")
        fig.tight_layout()
        name = f"{measure.replace('@', '_at_')}.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        files.append(name)
    if losses:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for condition, curves in losses.items():
            for i, curve in enumerate(curves):
                ax.plot(np.convolve(curve, np.ones(10) / 10, mode="valid"), alpha=0.8,
                        label=condition if i == 0 else None, color=f"C{list(losses).index(condition) + 1}")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss (moving average of 10)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out_dir / "loss.png", dpi=110)
        plt.close(fig)
        files.append("loss.png")
    return files


def _sweep(grid: dict, conditions: list[str]) -> tuple[str, dict[str, float]] | None:
    """(field, condition -> value) when every trained condition of `grid` (an experiment's
    conditions: name -> overrides) sets the same one numeric field (a sweep, such as alpha),
    else None."""
    fields, values = set(), {}
    for condition in conditions:
        overrides = grid[condition]
        if not isinstance(overrides, list):  # an untrained model or system
            continue
        if len(overrides) != 1:
            return None
        field, _, value = overrides[0].partition("=")
        try:
            values[condition] = float(value)
        except ValueError:
            return None
        fields.add(field)
    return (fields.pop(), values) if len(fields) == 1 and len(values) > 1 else None


def _sweep_plots(out_dir: Path, sweep: tuple[str, dict[str, float]], cells: dict, columns: list[str], baseline: str,
                 summaries: dict[str, list[dict]]) -> list[str]:
    """Each measure against the swept value, one line per resource level (mean ± std over
    seeds; the untrained baseline dashed), and mAP mono / cross / multi against it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    field, values = sweep
    order = sorted(values, key=values.get)
    xs = [values[c] for c in order]
    files = []
    series = {measure: {col: ([cells[c][measure][col][0] for c in order], [cells[c][measure][col][1] for c in order],
                              cells.get(baseline, {}).get(measure, {}).get(col, (None,))[0]) for col in columns}
              for measure in MEASURES}

    def summary_stat(condition: str, column: str, fn) -> float:
        return float(fn([row[column] for row in summaries[condition]]))

    series["mAP mono-cross-multi"] = {
        col: ([summary_stat(c, col, np.mean) for c in order],
              [summary_stat(c, col, lambda v: np.std(v, ddof=1) if len(v) > 1 else 0.0) for c in order],
              summary_stat(baseline, col, np.mean) if baseline in summaries else None)
        for col in SUMMARY_COLUMNS if col != RANK_DISTANCE}
    for name, lines in series.items():
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for i, (col, (means, stds, base)) in enumerate(lines.items()):
            ax.errorbar(xs, means, yerr=stds, marker="o", capsize=3, color=f"C{i}", label=col)
            if base is not None and not math.isnan(base):
                ax.axhline(base, color=f"C{i}", linestyle="--", linewidth=1)
        ax.set_xlabel(field)
        ax.set_ylabel(f"{name.split()[0]} (mean over seeds, ± std)")
        ax.set_title(f"{name} against {field} (dashed: {baseline})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        filename = f"{name.replace('@', '_at_').replace(' ', '_')}_by_{field.replace('.', '_')}.png"
        fig.savefig(out_dir / filename, dpi=110)
        plt.close(fig)
        files.append(filename)
    return files


def _table1(by_condition: dict[str, list[ResultsFile]], conditions: list[str], task: str) -> list[str]:
    """mAP over monolingual pairs, cross-lingual pairs and the multilingual pool, and the rank
    distance (Elmahdy et al. 2024, Table 1), mean ± std over seeds, with the published rows."""
    rows_by_condition = {c: [run_summary(r) for r in by_condition[c]] for c in conditions}
    if not any(not math.isnan(row[AP_POOL]) for rows in rows_by_condition.values() for row in rows):
        return []
    rows = []
    for condition, runs in rows_by_condition.items():
        cells = []
        for column in SUMMARY_COLUMNS:
            values = [row[column] for row in runs if not math.isnan(row[column])]
            fmt = "{:.1f}" if column == RANK_DISTANCE else "{:.3f}"
            cells.append("" if not values else fmt.format(np.mean(values))
                         + (f" ± {fmt.format(np.std(values, ddof=1))}" if len(values) > 1 else ""))
        rows.append([f"`{condition}`", *cells])
    for ref in load_task(task).references:
        values = [ref.ap_monolingual, ref.ap_cross_lingual, ref.ap_pool, ref.rank_distance]
        rows.append([f"*{ref.system} ({ref.training}), published*",
                     *("" if v is None else (f"{v:.0f}" if i == 3 else f"{v:.3f}") for i, v in enumerate(values))])
    return ["## mAP mono / cross / multi and rank distance (the layout of 2408.10536's Table 1)", "",
            "mAP over monolingual pairs, cross-lingual pairs and the multilingual pool (complete rankings), mean "
            "rank distance over the pool's questions (lower: less language bias); mean ± sample std over seeds. "
            "Published rows (italics) are for reference: other models, other training data.", "",
            _table(["condition", *SUMMARY_COLUMNS], rows), ""]


def _runs(record: ExperimentRecord, out_dir: Path) -> dict[str, tuple[ResultsFile | None, StudentManifest | None]]:
    """Each run's results and manifest, from its files or the report's bundle (clirbench.train.run_bundle)."""
    def where(key: str) -> Path:
        path = record.runs[key].manifest
        return Path(path) if path and Path(path).exists() else out_dir / RUNS_BUNDLE

    return {key: (results, _manifest(manifest, where(key)))
            for key, (results, manifest) in runs_of(record, out_dir, MEASURES).items()}


def _manifest(raw, where: Path) -> StudentManifest | None:
    if raw is None:
        return None
    try:
        return StudentManifest.parse(raw)
    except ValueError as e:  # a ValidationError too
        raise ClirbenchError(f"{where}: a run's manifest is malformed ({e})",
                             "rerun the experiment's run, or restore the file") from None


def _precision_text(runs: list[tuple[int | None, str]]) -> str:
    """The precision each run computed in, from its results file: one word when all agree, else
    by seed (seeds run on hosts that resolve `auto` differently, e.g. with and without AVX-512 BF16)."""
    by_precision: dict[str, list[int]] = defaultdict(list)
    for seed, precision in runs:
        by_precision[precision].append(seed)
    if len(by_precision) == 1:
        return next(iter(by_precision))
    return "; ".join(f"{p} (seed{'s' if len(s) > 1 else ''} {', '.join(map(str, sorted(s)))})"
                     for p, s in sorted(by_precision.items()))


def _conditions_section(spec: ExperimentSpec, conditions: list[str], manifests: dict[str, list[StudentManifest]],
                        seconds: dict, peak_mb: dict, precisions: dict | None = None) -> list[str]:
    """What each condition is, how many runs, steps, examples, dev score, time, memory and the
    precision the runs computed in."""
    rows = []
    for condition in conditions:
        ms = manifests.get(condition, [])
        overrides = spec.conditions[condition]
        if isinstance(overrides, SystemCondition):
            overrides = [f"system {overrides.system}, untrained"]
        dev = [m.final_dev() for m in ms]
        dev_teacher = next((m.dev.teacher for m in ms if m.dev and m.dev.teacher is not None), None)
        dev_text = (_dev_text([d for d in dev if d is not None]) if any(d is not None for d in dev) else "-") \
            + (f" (untrained {_dev_text([dev_teacher])})" if dev_teacher is not None else "")
        sizes = {m.sizes() for m in ms}
        peaks = [p for p in peak_mb[condition] if p is not None]
        rows.append([f"`{condition}`", ", ".join(overrides) if overrides else "untrained base model",
                     str(len(seconds[condition])), str(ms[0].steps) if ms else "-",
                     " or ".join(f"{t:,} / {d:,}" for t, d in sorted(sizes)) or "-",
                     dev_text,
                     f"{np.mean(seconds[condition]) / 60:.1f}", f"{max(peaks):,.0f}" if peaks else "-",
                     *([_precision_text(precisions[condition])] if precisions else [])])
    parts = ["## Conditions", "", _table(["condition", "recipe overrides", "runs", "steps", "train / dev examples",
                      "dev score (the dev measure below)", "minutes per run (train + score)",
                      "peak RSS, MB (the experiment process, at the run's end)",
                      *(["precision (training and scoring: what `auto` gave on the run's host)"] if precisions else [])],
                      rows), ""]
    dev_measures = sorted({m.dev.measure for ms in manifests.values() for m in ms if m.dev})
    parts += [f"Dev measure: {'; '.join(dev_measures)}. It is the only score used for choices; "
              "the task's scores below are never used to choose.", ""] if dev_measures else []
    return parts


def _seeds_ran(record: ExperimentRecord) -> str:
    """The seeds the runs have, and those of the file still to run (`clirbench experiment --seeds`)."""
    ran = record.seeds_ran()
    left = [s for s in record.experiment.seeds if s not in ran]
    return f"seeds {ran}" + (f" (not yet run: {left}; the tests have these seeds only)" if left else "")


def _dev_only_report(out_dir: Path, record: ExperimentRecord, conditions: list[str],
                     manifests: dict[str, list[StudentManifest]], seconds: dict, peak_mb: dict) -> Path:
    """A grid scored on no task (`task: null`): recipe settings compared on the dev split alone."""
    spec = record.experiment
    parts = [f"# Experiment `{spec.name}`", "", spec.description.strip(), "",
             f"No task is scored: a dev-only grid; {_seeds_ran(record)}.", ""]
    parts += _conditions_section(spec, conditions, manifests, seconds, peak_mb)
    findings = out_dir / "FINDINGS.md"
    if findings.exists():
        parts += [findings.read_text(encoding="utf-8").strip(), ""]
    dev = {c: [m.final_dev() for m in manifests[c]] for c in conditions}
    write_text_atomic(out_dir / "summary.json", json.dumps({"dev": dev}, indent=1, sort_keys=True) + "\n")
    write_text_atomic(out_dir / "report.md", "\n".join(parts))
    return out_dir / "report.md"


def write_report(record_path: Path) -> Path:
    """report.md (and PNG plots) beside the experiment's conditions file."""
    out_dir = Path(record_path).parent
    record = ExperimentRecord.load(Path(record_path))
    spec = record.experiment
    by_condition: dict[str, list[ResultsFile]] = defaultdict(list)
    manifests: dict[str, list[StudentManifest]] = defaultdict(list)
    seconds: dict[str, list[float]] = defaultdict(list)
    peak_mb: dict[str, list[float | None]] = defaultdict(list)
    precisions: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
    for key, (results, manifest) in _runs(record, out_dir).items():
        run = record.runs[key]
        by_condition[run.condition].append(results)
        if results is not None:
            precisions[run.condition].append((run.seed, results.model.parameters.get("precision", "not recorded")))
        seconds[run.condition].append(run.seconds)
        peak_mb[run.condition].append(run.peak_rss_mb)
        if manifest:
            manifests[run.condition].append(manifest)
    conditions = [c for c in spec.conditions if c in by_condition]
    if record.task is None:
        return _dev_only_report(out_dir, record, conditions, manifests, seconds, peak_mb)
    # Every pair some run scored; a condition that lacks one of a column's pairs has no cell there.
    info = {k: p for runs in by_condition.values() for r in runs for k, p in r.pairs.items()}
    pairs = [k for k in record.pairs if k in info]
    teacher_only = teacher_only_languages([m for ms in manifests.values() for m in ms],
                                          {info[k].query_lang for k in pairs})
    columns = _columns(info, pairs, teacher_only)
    cells: dict = {}
    for condition in conditions:
        cells[condition] = {m: {} for m in MEASURES}
        for measure in MEASURES:
            for column, keys in columns.items():
                if not _covers(by_condition[condition], keys):
                    cells[condition][measure][column] = (math.nan, math.nan, 0)
                    continue
                values = [_macro(r, keys, measure) for r in by_condition[condition]]
                std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
                cells[condition][measure][column] = (float(np.mean(values)), std, len(values))
    comparisons = [(c, spec.baseline) for c in conditions if c != spec.baseline and spec.baseline in by_condition]
    comparisons += [(a, b) for a, b in spec.comparisons if a in by_condition and b in by_condition]
    tests = _significance(by_condition, comparisons, columns)
    marks = {(t["condition"], t["measure"], t["column"]): t for t in tests if t["against"] == spec.baseline}
    losses = {c: [m.loss_curve for m in manifests[c] if m.loss_curve is not None] for c in conditions if manifests[c]}
    plots = _plots(out_dir, cells, list(columns), conditions, {c: v for c, v in losses.items() if v})
    if sweep := _sweep(spec.conditions, conditions):
        # A level with no pairs (a smoke run's languages may all be high) has no column: none to plot.
        plots += _sweep_plots(out_dir, sweep, cells, [c for c in [*LEVELS, _all_column(teacher_only)] if c in columns],
                              spec.baseline,
                              {c: [run_summary(r) for r in by_condition[c]] for c in conditions})

    parts = [f"# Experiment `{spec.name}`", "", spec.description.strip(), "",
             f"Task `{record.task}`, {len(pairs)} pairs ({spec.pairs if isinstance(spec.pairs, str) else 'listed'});"
             f" {_seeds_ran(record)}; baseline `{spec.baseline}`. Overrides for every run: "
             f"{', '.join(record.overrides) or 'none'}.", ""]
    parts += _conditions_section(spec, conditions, manifests, seconds, peak_mb, precisions)
    for measure in MEASURES:
        parts += [f"## {measure} by query language (mean ± std over seeds)", "",
                  f"Macro average over the scored pairs of each query language; `high (query)` / `low (query)`: "
                  f"pairs whose query language is high / low resource "
                  + (f"({low} low)" if (low := _low_languages(columns, info)) else "(none of these is low)")
                  + ("; `class N (query)`: by the query language's class in Joshi et al. 2020 (0-5)"
                     if any(c.startswith("class ") for c in columns) else "")
                  + (f", {', '.join(sorted(teacher_only))} questions left out (the teacher encodes them in every "
                     f"condition; their own column shows them)" if teacher_only else "")
                  + (f"; {n_langs} query languages, shown by resource class only (each language's values are in "
                     f"runs.json.gz)" if (n_langs := len({info[k].query_lang for k in pairs})) > MAX_LANGUAGE_COLUMNS
                     else "")
                  + (f"; each pair scores a sample of its queries ({sample})"
                     if (sample := next((info[k].data.get("query_sample") for k in pairs), None)) else "")
                  + f". Std: sample std over seeds. "
                  f"`*`: differs from `{spec.baseline}` at {CORRECTION.title()}-adjusted p < {ALPHA} both over "
                  f"questions and, where there are seeds, over seeds (see Paired tests).", ""]
        rows = []
        for condition in conditions:
            row = []
            for column in columns:
                mean, std, n = cells[condition][measure][column]
                row.append(cell(mean, std, n, marks.get((condition, measure, column), {}).get("significant", False)))
            rows.append([f"`{condition}`", *row])
        parts += [_table(["condition", *columns], rows), ""]
    parts += zero_shot_section(out_dir, spec, conditions)
    parts += _translation_gap(by_condition, conditions, info, pairs)
    parts += _table1(by_condition, conditions, record.task)
    parts += ["## Paired tests", "",
              "Each condition against the baseline, then the experiment's listed comparisons, on the very cell the "
              "tables print: the difference of the seed-averaged macro averages over the column's pairs. Question "
              "level (these trained models): a paired sign-flip test over question ids, a question's differences "
              "in every pair of the column flipping together, and a cluster-bootstrap 95% CI "
              f"({stats.DRAWS:,} draws, fixed seed). Seed level (the recipe): Welch's t-test over the seeds' macro "
              "averages (one-sample against a single untrained run). Each level's p-values are adjusted over every "
              f"test below ({CORRECTION.title()}); `significant` needs both, or the question level alone where "
              "the seed level shows `-` (no side has seeds, or no seed changed the value).", ""]
    rows = [[f"`{t['condition']}`", f"`{t['against']}`", t["measure"], t["column"], f"{t['diff']:+.4f}",
             f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]", f"{t['p']:.2e}", f"{t['p_adjusted']:.2e}",
             "-" if t["p_seed"] is None else f"{t['p_seed']:.2e}",
             "-" if t["p_seed_adjusted"] is None else f"{t['p_seed_adjusted']:.2e}",
             f"{t['seeds'][0]} vs {t['seeds'][1]}", str(t["n"]), "yes" if t["significant"] else "no"] for t in tests]
    parts += [_table(["condition", "against", "measure", "column", "difference", "95% CI", "p (questions)",
                      f"p adj. ({CORRECTION})", "p (seeds)", f"p adj. ({CORRECTION})", "seeds", "questions",
                      "significant"], rows), ""]
    interactions = _interactions(by_condition, comparisons, columns)
    parts += _interaction_section(interactions)
    parts += _negatives_section(manifests, conditions)
    parts += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    findings = out_dir / "FINDINGS.md"  # written by hand after reading the numbers above
    if findings.exists():
        parts += [findings.read_text(encoding="utf-8").strip(), ""]
    summary = {c: {m: {col: (list(cells[c][m][col][:2]) if cells[c][m][col][2] else None) for col in columns}
                   for m in MEASURES} for c in conditions}
    write_text_atomic(out_dir / "summary.json", json.dumps({"stats": summary, "tests": tests, **({"interactions": interactions} if interactions else {})}, indent=1) + "\n")
    report = out_dir / "report.md"
    write_text_atomic(report, "\n".join(parts))
    return report
