"""`clirbench check NAME`: run a system on a few toy texts and check its output against the plugin contract."""

from rich.table import Table

from clirbench.cli.render import console
from clirbench.core.errors import ClirbenchError


def add_parser(sub):
    p = sub.add_parser("check", help="run a system on a few toy texts and check its output against the plugin contract")
    p.add_argument("system", metavar="NAME|PATH",
                   help="a system as `run --system` takes it: a name, a submission folder, module:attr, a settings .yaml, ...")
    p.add_argument("--pair", help="the toy pair to check on, e.g. en-sw (default: one in the system's languages)")
    return p


def main(args) -> int:
    from clirbench.api import get_system
    from clirbench.core.contract import Encoder
    from clirbench.eval.check import check_system

    plugin = get_system(args.system)
    report = check_system(plugin, args.pair)
    meta = plugin.meta
    table = Table("field", "value", title=f"{args.system}: metadata", show_header=False)
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
    console.print(f"{meta.name}: no problems; score it with `clirbench run --system {args.system} --task toy`",
                  highlight=False)
    return 0
