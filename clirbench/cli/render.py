"""What the commands share: the consoles, the progress bars, the results tables, warnings."""

import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Tables are wide: when stdout is not a terminal (a log, CI), do not squeeze them into 80 columns.
console = Console() if Console().is_terminal else Console(width=160)
_err = Console(stderr=True)
err_console = _err if _err.is_terminal else Console(stderr=True, width=160)


def bar() -> Progress:
    """A progress bar on stderr: what, bar, done/total, elapsed, and a status line."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[status]}"), console=err_console)


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)


class RichProgress:
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


def print_results(results) -> None:
    """The result tables (clirbench.eval.report) of an evaluation (clirbench.api.Results), and where the files are."""
    from clirbench.eval.report import result_tables

    for table in result_tables(results.file, results.pairs):
        console.print(table)
    console.print(f"results: {results.path}\nruns:    {results.runs}")


def print_not_fused(results) -> None:
    if results.not_fused:
        err_console.print(f"not fused (a system has no results there): {', '.join(results.not_fused)}")


def add_out(parser, what: str) -> None:
    """--out, whose default is the folder the leaderboard reads: one rule for run, show, fuse, compare."""
    from clirbench.core.paths import default_results_dir

    parser.add_argument("--out", default=str(default_results_dir()),
                        help=f"{what} (default: ./results, or the first folder of $CLIRBENCH_RESULTS: "
                             "where `clirbench leaderboard` and the app read)")


def check_folders(args) -> None:
    """--out (and --cache-dir) usable, checked before any work: not found after the indexing."""
    from clirbench.core.paths import default_cache_dir, usable_folder

    usable_folder(Path(args.out), "--out")
    if hasattr(args, "cache_dir"):
        env = "CLIRBENCH_CACHE" in os.environ and not args.cache_dir
        usable_folder(Path(args.cache_dir) if args.cache_dir else default_cache_dir(),
                      "$CLIRBENCH_CACHE" if env else "--cache-dir")
