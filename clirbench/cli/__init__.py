"""The `clirbench` command: one module per command, each a thin layer over clirbench.api (or
the modules below it) that parses its options and renders what it gets back.

Commands: tasks, systems (alias: models), run, fuse, leaderboard, train, experiment, check, show, compare."""

import argparse

from clirbench.cli import (check, compare, experiment, fuse, leaderboard, run, show, systems, tasks,
                           train)
from clirbench.cli.render import err_console
from clirbench.core.errors import ClirbenchError

COMMANDS = [tasks, systems, run, fuse, leaderboard, train, experiment, check, show, compare]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clirbench", description="Cross-lingual retrieval evaluation harness.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub).set_defaults(func=command.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ClirbenchError as e:
        err_console.print(f"[bold red]error:[/bold red] {e.message}", highlight=False, soft_wrap=True)
        if e.hint:
            err_console.print(f"[bold]fix:[/bold] {e.hint}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted: finished pairs are saved; rerun the same command to resume")
        return 130
