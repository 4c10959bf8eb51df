"""`clirbench experiment GRID`: train and score a grid of recipe conditions x seeds, then write
its report (clirbench.api.experiment)."""

from clirbench.cli.render import bar, console


def add_parser(sub):
    p = sub.add_parser("experiment", help="train and score a grid of recipe conditions x seeds; write its report")
    p.add_argument("experiment", help="an experiment YAML file, e.g. experiments/optical.yaml")
    p.add_argument("--out", help="report folder (default: experiments/results/<name>/); small files, to commit")
    p.add_argument("--runs", help="trained students and results files (default: trained/experiments/<name>/)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a field of every recipe, e.g. --set max_steps=20 for a smoke run")
    p.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                   help="only these of the file's seeds this time, e.g. --seeds 0: one replicate of every "
                        "condition first; the report names the seeds that ran, a later run adds the rest")
    p.add_argument("--report-only", action="store_true", help="rewrite the report from the runs already done")
    p.add_argument("--smoke", action="store_true",
                   help="a few steps on a few pairs, one seed, 2 pairs scored: the whole pipeline in minutes "
                        "(written under trained/experiments/<name>-smoke/, never beside the real report)")
    return p


def main(args) -> int:
    from clirbench.api import experiment, experiment_paths

    # Where it writes, from the experiment file: a bad file is reported before the bar starts.
    paths = experiment_paths(args.experiment, args.out, args.runs, smoke=args.smoke)
    if args.report_only:
        report = experiment(args.experiment, out=paths.report, runs=paths.runs, smoke=args.smoke, report_only=True)
    else:
        with bar() as progress:
            task = progress.add_task("training", total=None, status="")

            def on_step(report):
                progress.update(task, total=report.max_steps, completed=report.step,
                                status=f"loss {report.loss:.4f}, {report.pairs_per_second:.1f} pairs/s")

            report = experiment(args.experiment, args.set or [], paths.report, paths.runs, smoke=args.smoke,
                                seeds=args.seeds, on_step=on_step, log=lambda m: progress.console.log(m))
    console.print(f"report: {report}")
    return 0
