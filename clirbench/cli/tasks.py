"""`clirbench tasks [TASK]`: the tasks, or the pairs of one task and whether their data is here."""

from rich.table import Table

from clirbench.cli.render import console


def add_parser(sub):
    p = sub.add_parser("tasks", help="list tasks, or the pairs of one task and whether their data is here")
    p.add_argument("task", nargs="?", help="a task name (`clirbench tasks` lists them) or a task YAML file")
    return p


def _one_task(name: str) -> None:
    from clirbench.api import get_task
    from clirbench.data.availability import describe_missing, missing_files

    spec = get_task(name)
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


def main(args) -> int:
    from clirbench.api import get_task
    from clirbench.data import register_all
    from clirbench.data.availability import missing_files
    from clirbench.tasks import task_files

    register_all()
    if args.task:
        _one_task(args.task)
        return 0
    table = Table("task", "pairs", "available here", "measures", "description")
    for name in task_files():
        spec = get_task(name)
        pairs = spec.pairs()
        ready = sum(not missing_files(p.inputs()) for p in pairs)
        table.add_row(name, str(len(pairs)), f"{ready}/{len(pairs)}", ", ".join(spec.metrics),
                      spec.description.split(". ")[0])
    console.print(table)
    return 0
