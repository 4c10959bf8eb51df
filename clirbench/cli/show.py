"""`clirbench show --system SYSTEM --task TASK`: the tables of results already written."""

from pathlib import Path

from clirbench.cli.render import add_out, console
from clirbench.core.errors import ClirbenchError


def add_parser(sub):
    p = sub.add_parser("show", help="print the table of results already written")
    p.add_argument("--system", "--model", dest="system", required=True,
                   help="the system the run scored, as `run --system` named it (--model is its old name)")
    p.add_argument("--task", required=True)
    add_out(p, "the folder the run wrote to")
    p.add_argument("--metric", help="measure of the language matrix (default: the task's primary measure)")
    return p


def main(args) -> int:
    from clirbench.eval.report import result_tables
    from clirbench.eval.results import load_results, results_path, stored_results

    path = results_path(Path(args.out), args.task, args.system)
    if not stored_results(path).exists():
        raise ClirbenchError(f"no results at {path}",
                             f"written elsewhere (`clirbench run --out DIR`)? give the same `--out DIR` to show; "
                             f"else run `clirbench run --task {args.task} --system {args.system}` first")
    results = load_results(path)
    metric = results.measure_name(args.metric, f"in {path} (--metric)") if args.metric else None
    for table in result_tables(results, metric=metric):
        console.print(table)
    return 0
