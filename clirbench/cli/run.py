"""`clirbench run --system SYSTEM --task TASK`: score a system on a task (clirbench.api.evaluate)."""

from clirbench.cli.render import RichProgress, add_out, bar, check_folders, err_console, print_not_fused, print_results


def add_parser(sub):
    from clirbench.systems.dense.engines import ENGINES
    from clirbench.systems.dense.faiss_search import SEARCH_KINDS

    p = sub.add_parser("run", help="score a system on a task: TREC runs, results.json and a table")
    p.add_argument("--system", "--model", dest="system", required=True,
                   help="system name (`clirbench systems`), hf:<hub id or folder>, an encoder settings .yaml, module:attr, "
                        "or fuse:<a>+<b>[+...] to fuse systems already run on the task (--model is its old name)")
    p.add_argument("--task", required=True, help="task name (`clirbench tasks` lists them) or a task YAML file")
    p.add_argument("--pairs", help="comma-separated pairs to run, e.g. en-hi,hi-en (default: all)")
    add_out(p, "output folder")
    p.add_argument("--force", action="store_true",
                   help="rerun the selected pairs even if they have results (other pairs keep theirs)")
    p.add_argument("--cache-dir", help="index and vector cache (default: $CLIRBENCH_CACHE or ~/.cache/clirbench)")
    p.add_argument("--fusion", default="rrf", choices=["rrf", "sum"],
                   help="with --system fuse:a+b: reciprocal rank fusion (default) or the sum of min-max-normalised scores")
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
    return p


def main(args) -> int:
    from clirbench.api import prepare

    check_folders(args)
    plan = prepare(args.system, args.task, args.pairs, args.out, force=args.force, cache_dir=args.cache_dir,
                   search=args.search, engine=args.engine, address=args.address, workers=args.workers,
                   fusion=args.fusion)
    if plan.system is None:  # fuse:a+b
        results = plan.run()
        print_not_fused(results)
        print_results(results)
        return 0
    with bar() as progress:
        results = plan.run(RichProgress(progress, total=len(plan.pairs)))
    task = plan.task.name
    if results.no_data:
        err_console.print(f"{len(results.no_data)} pair(s) skipped: their data is not here (`clirbench tasks {task}` "
                          "says which files to put where; naming them with --pairs downloads them):")
        for key, what in results.no_data.items():
            err_console.print(f"  {key}: {what}", highlight=False)
    if results.skipped:
        err_console.print(f"{len(results.skipped)} pair(s) already in {results.path} were not rerun "
                          "(use --force to rerun)")
    if results.not_applicable:
        err_console.print(f"{len(results.not_applicable)} pair(s) not applicable to {plan.system.meta.name}:")
        for key, reason in results.not_applicable.items():
            err_console.print(f"  {key}: {reason}", highlight=False)
    if results.model_calls:
        done = ", ".join(f"{count:,} {role}" for role, count in results.model_calls.items())
        err_console.print(f"in this run: {done} (the rest came from the cache)")
    print_results(results)
    return 0
