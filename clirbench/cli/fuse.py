"""`clirbench fuse --task TASK --systems A B ...`: fuse the runs of systems already run on a task."""

from clirbench.cli.render import add_out, check_folders, print_not_fused, print_results


def add_parser(sub):
    p = sub.add_parser("fuse", help="fuse the runs of systems already run on a task (RRF or CombSUM)")
    p.add_argument("--task", required=True, help="task name (`clirbench tasks` lists them) or a task YAML file")
    p.add_argument("--systems", nargs="+", required=True, metavar="SYSTEM",
                   help="two or more systems with results on the task, e.g. dict+bm25 me5-small")
    p.add_argument("--method", dest="fusion", default="rrf", choices=["rrf", "sum"],
                   help="reciprocal rank fusion (k=60, default) or the sum of min-max-normalised scores")
    p.add_argument("--pairs", help="comma-separated pairs to fuse (default: all that every system has)")
    add_out(p, "results folder of the systems, and of the fusion")
    p.add_argument("--force", action="store_true", help="fuse again pairs already fused")
    return p


def main(args) -> int:
    from clirbench.api import fuse

    check_folders(args)
    results = fuse(args.systems, args.task, args.pairs, args.out, method=args.fusion, force=args.force)
    print_not_fused(results)
    print_results(results)
    return 0
