"""`clirbench leaderboard --task TASK`: the leaderboard of a task, as the app shows it
(clirbench.api.leaderboard: which files, which measure): the ranking (rank, average, 95% CI, best
group, coverage, the model's facts: the app's main table, clirbench.leaderboard.overview), the score
table, the systems not significantly below the best, and the tests against a baseline."""

import sys

from clirbench.cli import leaderboard_tables as boards
from clirbench.cli.render import err_console, warn


def add_parser(sub):
    p = sub.add_parser("leaderboard", help="the leaderboard table of a task (as the Streamlit app shows it)")
    p.add_argument("--task", required=True)
    p.add_argument("--metric", help="measure (default: the task's primary, RR@10)")
    p.add_argument("--by", default="pair", choices=["pair", "query", "doc"],
                   help="columns: language pairs, query languages or document languages")
    p.add_argument("--format", default="table", choices=["table", "md", "csv", "latex"])
    p.add_argument("--view", default="scores", choices=["scores", "summary"],
                   help="scores: one measure by pair or language (default); summary: mAP over monolingual pairs, "
                        "cross-lingual pairs and the multilingual pool, and the rank distance, beside published rows")
    p.add_argument("--results", nargs="+", action="extend", metavar="DIR",
                   help="read these results folders instead of the default (may be repeated; each must exist). "
                        "Default: where `clirbench run` writes, ./results, and submissions/*/results/; "
                        "or only the folders of $CLIRBENCH_RESULTS where it is set")
    p.add_argument("--with-experiments", action="store_true",
                   help="also the models `clirbench experiment` trained (trained/experiments/*/results/); "
                        "smoke runs (*-smoke) never appear unless named with --results")
    p.add_argument("--baseline", metavar="SYSTEM",
                   help="also each system's difference from SYSTEM per column, with its paired sign-flip test "
                        "(--correction, * = significant); with --format md/csv/latex, that table alone")
    p.add_argument("--correction", default="bh", choices=["bh", "holm"],
                   help="multiple-comparison correction over the table's tests: Benjamini-Hochberg or Holm")
    p.add_argument("--common-pairs", action="store_true",
                   help="average over only the pairs that every system shown ran")
    return p


def main(args) -> int:
    from clirbench.api import leaderboard
    from clirbench.leaderboard.export import frame_text, render

    board = leaderboard(args.task, metric=args.metric, by=args.by, view=args.view, results=args.results,
                        baseline=args.baseline, correction=args.correction, common_pairs=args.common_pairs,
                        with_experiments=args.with_experiments, warn=warn)
    if board.shared_pairs is not None:
        err_console.print(f"{len(board.shared_pairs)} pair(s) that all {len(board.results)} systems ran: "
                          f"{', '.join(board.shared_pairs)}", highlight=False, soft_wrap=True)
    if board.view == "summary":
        return boards.print_summary(board, args.format)
    table = board.scores()
    if args.format != "table":
        if board.baseline:  # against the baseline, one row per system and column (as the app's download)
            detail = board.comparison().table.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high"})
            sys.stdout.write(frame_text(detail, args.format, float_format="%.4f" if args.format == "latex" else None,
                                        index=False, md_floatfmt=".4g"))
        else:
            sys.stdout.write(render(table, args.format))
        return 0
    boards.print_ranking(board)
    width = boards.print_scores(board, table)
    if len(board.results) > 1:
        boards.print_best_group(board)
    if board.baseline:
        boards.print_comparison(board, list(table.scores.columns), width)
    return 0
