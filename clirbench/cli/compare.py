"""`clirbench compare --system SYSTEM --task TASK --published FILE`: a run's scores beside published ones."""

from pathlib import Path

from rich.table import Table

from clirbench.cli.render import add_out, console
from clirbench.core.errors import ClirbenchError


def add_parser(sub):
    p = sub.add_parser("compare", help="a run's scores beside published ones, pair by pair (e.g. MTEB's Tatoeba)")
    p.add_argument("--system", "--model", dest="system", required=True,
                   help="the system the run scored, as `run --system` named it (--model is its old name)")
    p.add_argument("--task", required=True)
    add_out(p, "the folder the run wrote to")
    p.add_argument("--published", required=True, help="a references JSON file (clirbench/tasks/references/)")
    p.add_argument("--field", default="accuracy", help="the published field to compare (default: accuracy)")
    p.add_argument("--metric", help="the run's measure to compare (default: the task's primary measure)")
    return p


def main(args) -> int:
    from clirbench.eval.published import agreement, read_published
    from clirbench.eval.results import load_results, results_path, stored_results

    path = results_path(Path(args.out), args.task, args.system)
    if not stored_results(path).exists():
        raise ClirbenchError(f"no results at {path}", f"run `clirbench run --task {args.task} --system {args.system} "
                                                      f"--out {args.out}` first")
    results = load_results(path)
    metric = results.measure_name(args.metric, f"in {path} (--metric)") if args.metric else results.primary_metric
    published = read_published(Path(args.published), args.field)
    found = agreement(results, published, metric)
    table = Table("pair", f"ours ({metric})", f"published ({args.field})", "difference",
                  title=f"{args.system} on {args.task} beside {published.source}", title_justify="left")
    for pair, diff in sorted(found.differences().items(), key=lambda kv: -abs(kv[1])):
        ours, theirs = found.compared[pair]
        table.add_row(pair, f"{ours:.4f}", f"{theirs:.4f}", f"{diff:+.4f}")
    console.print(table)
    worst, worst_diff = found.max_absolute
    console.print(f"{len(found.compared)} pairs: mean difference {found.mean_difference:+.4f}, mean absolute "
                  f"{found.mean_absolute:.4f}, largest {worst_diff:+.4f} ({worst})"
                  + (f"; {len(found.missing)} published pairs not in the run" if found.missing else ""))
    return 0
