"""TREC run files, read and written in one place, in one order.

A ranking is ordered by score, highest first, and exact ties by document id (ascending): the
order is fixed once, here, so the run file, every measure and fusion all see the same one."""

from pathlib import Path

from clirbench.core.atomic import write_text_atomic
from clirbench.core.contract import Ranking, ordered
from clirbench.core.errors import ClirbenchError


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
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ClirbenchError(f"cannot read run {path}: {e.strerror}", "rerun the system on that pair with --force") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            qid, _, doc_id, rank, score, _ = fields
            ranked.setdefault(qid, []).append((int(rank), doc_id, float(score)))
        except ValueError:
            raise ClirbenchError(f"{path}:{number}: not a TREC run line (query Q0 doc rank score name): {line!r}",
                                 "rerun the system on that pair with --force") from None
    return {qid: [(doc, score) for _, doc, score in sorted(hits)] for qid, hits in ranked.items()}
