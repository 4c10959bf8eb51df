"""What a retriever's search returns, held to the contract before it is sorted, written or
scored: `{query_id: [(doc_id, score), ...]}` with string ids and finite numeric scores. A
plugin that returns anything else gets an error naming it and what it returned, not a
traceback from deep inside the sort or the measures."""

import math
import numbers

from clirbench.core.contract import Ranking, SearchIndex
from clirbench.core.errors import ClirbenchError

_FIX = ("return {query_id: [(doc_id, score), ...]} from search: str ids, float scores "
        "(see submissions/README.md); `clirbench check` tests a plugin on a few texts")


def _shown(value) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits: Python will not convert it
        text = f"<a {type(value).__name__} too long to show>"
    return text if len(text) <= 60 else text[:57] + "..."


def _checked_hit(hit, qid: str, system: str) -> tuple[str, float]:
    where = f"{system}: search"
    if not isinstance(hit, (tuple, list)) or len(hit) != 2:
        raise ClirbenchError(f"{where}: a hit of query {qid!r} is {_shown(hit)}, not a (doc_id, score) pair", _FIX)
    doc_id, score = hit
    if not isinstance(doc_id, str):
        raise ClirbenchError(f"{where}: doc id {_shown(doc_id)} of query {qid!r} is a {type(doc_id).__name__}, "
                             "not a str", _FIX)
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise ClirbenchError(f"{where}: the score of {doc_id!r} for query {qid!r} is a {type(score).__name__} "
                             f"({_shown(score)}), not a number", _FIX + "; e.g. float(score)")
    try:
        value, shown = float(score), score
    except OverflowError:  # an int or a fraction beyond the largest float
        value, shown = math.inf, _shown(score)
    if not math.isfinite(value):
        raise ClirbenchError(f"{where}: the score of {doc_id!r} for query {qid!r} is {shown}: scores must be finite",
                             _FIX)
    return doc_id, value


def checked_rankings(run, system: str) -> dict[str, Ranking]:
    """`run`, as `system`'s search returned it, if it keeps the contract (scores as floats);
    else a ClirbenchError naming the system and the first thing wrong."""
    if not isinstance(run, dict):
        raise ClirbenchError(f"{system}: search returned a {type(run).__name__} ({_shown(run)}), "
                             "not a dict of rankings by query id", _FIX)
    out: dict[str, Ranking] = {}
    for qid, ranking in run.items():
        if not isinstance(qid, str):
            raise ClirbenchError(f"{system}: search returned query id {_shown(qid)}, a {type(qid).__name__}, "
                                 "not a str", _FIX)
        if not isinstance(ranking, (list, tuple)):
            raise ClirbenchError(f"{system}: search: the ranking of query {qid!r} is a {type(ranking).__name__} "
                                 f"({_shown(ranking)}), not a list of (doc_id, score)", _FIX)
        # The common case at little cost; the rest hit by hit, converting numpy scores to floats.
        if all(type(h) is tuple and len(h) == 2 and type(h[0]) is str and type(h[1]) is float
               and math.isfinite(h[1]) for h in ranking):
            out[qid] = ranking if isinstance(ranking, list) else list(ranking)
        else:
            out[qid] = [_checked_hit(hit, qid, system) for hit in ranking]
    return out


class CheckedIndex(SearchIndex):
    """An open index whose every search result is checked (see `checked_rankings`)."""

    def __init__(self, index: SearchIndex, system: str):
        self._index, self._system = index, system

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        return checked_rankings(self._index.search(queries, query_lang, k), self._system)

    def close(self) -> None:
        self._index.close()
