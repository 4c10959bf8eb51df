"""TREC run files, read and written in one place, in one order.

A ranking is ordered by score, highest first, and exact ties by document id (ascending): the
order is fixed once, here, so the run file, every measure and fusion all see the same one."""

import math
from pathlib import Path

from clirbench.core.atomic import write_text_atomic
from clirbench.core.contract import Ranking, ordered
from clirbench.core.errors import ClirbenchError
from clirbench.core.textfiles import read_text


def run_text(run: dict[str, Ranking], run_name: str) -> str:
    lines = []
    for qid, ranking in run.items():
        for rank, (doc_id, score) in enumerate(ordered(ranking), start=1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score:.6f} {run_name}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_run(path: Path, run: dict[str, Ranking], run_name: str) -> None:
    write_text_atomic(path, run_text(run, run_name))


def read_run(path: Path) -> dict[str, Ranking]:
    """query id -> ranking, in the file's rank order."""
    ranked: dict[str, list[tuple[int, str, float]]] = {}
    rerun = "rerun the system on that pair with --force"
    lines = read_text(path, "TREC run", rerun, rerun).splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            qid, _, doc_id, rank, score, _ = fields
            hit = (int(rank), doc_id, float(score))
        except ValueError:
            shown = line if len(line) <= 80 else line[:77] + "..."
            raise ClirbenchError(f"{path}:{number}: not a TREC run line (query Q0 doc rank score name): {shown!r}",
                                 rerun) from None
        if not math.isfinite(hit[2]):
            raise ClirbenchError(f"{path}:{number}: the score of {doc_id} for query {qid} is {score}, not a finite number",
                                 rerun)
        ranked.setdefault(qid, []).append(hit)
    return {qid: [(doc, score) for _, doc, score in sorted(hits)] for qid, hits in ranked.items()}
