"""Published per-pair scores beside a run's own: how closely clirbench reproduces them.

A large difference on one pair is a bug to find (in the data, the measure or the model); a small
one is what a different copy of a model (clirbench's 4-bit me5-small), prefixes or tie-breaking
give. Published scores come from a JSON file under clirbench/tasks/references/ that names its
source (there: MTEB's Tatoeba scores of multilingual-e5-small, from embeddings-benchmark/results).
"""

import json
from dataclasses import dataclass
from pathlib import Path

from clirbench.core.errors import ClirbenchError
from clirbench.eval.results import ResultsFile

REFERENCES = Path(__file__).resolve().parent.parent / "tasks" / "references"


@dataclass(frozen=True)
class Published:
    source: str  # repository, commit and path, as the file names them
    scores: dict[str, float]  # pair key -> published value


def read_published(path: Path, field: str = "accuracy") -> Published:
    """A references JSON file (`source`, `scores`: {language: {field: value}}, keyed by the
    non-English language of a `<lang>-eng` pair, MTEB's direction) as pair key -> value."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        source = raw["source"]
        scores = {f"{lang}-eng": float(values[field]) for lang, values in raw["scores"].items()}
    except (OSError, ValueError) as e:
        raise ClirbenchError(f"{path}: cannot read published scores ({e})",
                             "give a JSON file like clirbench/tasks/references/mteb_tatoeba_multilingual-e5-small.json") from None
    except (KeyError, TypeError) as e:
        raise ClirbenchError(f"{path}: no field {e} in `source` or in a language of `scores`",
                             f"each language of `scores` needs {field!r}; the file needs `source`") from None
    where = f"{source.get('repository', '?')} at {source.get('commit', '?')}: {source.get('path', '?')}"
    return Published(where, scores)


@dataclass(frozen=True)
class Agreement:
    metric: str
    compared: dict[str, tuple[float, float]]  # pair -> (ours, published)
    missing: list[str]  # published pairs the run does not have

    def differences(self) -> dict[str, float]:
        return {pair: ours - theirs for pair, (ours, theirs) in self.compared.items()}

    @property
    def mean_difference(self) -> float:
        diffs = self.differences().values()
        return sum(diffs) / len(diffs)

    @property
    def mean_absolute(self) -> float:
        diffs = self.differences().values()
        return sum(map(abs, diffs)) / len(diffs)

    @property
    def max_absolute(self) -> tuple[str, float]:
        pair, diff = max(self.differences().items(), key=lambda kv: abs(kv[1]))
        return pair, diff


def agreement(results: ResultsFile, published: Published, metric: str) -> Agreement:
    """The run's `metric` against the published value, pair by pair."""
    if metric not in results.metrics:
        raise ClirbenchError(f"{results.model.name} on {results.task} has no measure {metric}",
                             f"its measures: {', '.join(results.metrics)}")
    compared = {pair: (results.pairs[pair].metrics[metric], value)
                for pair, value in sorted(published.scores.items()) if pair in results.pairs}
    if not compared:
        raise ClirbenchError(f"no pair of the published scores is in the results of {results.model.name}",
                             f"published pairs look like {next(iter(published.scores), '?')}; run them first")
    return Agreement(metric, compared, sorted(set(published.scores) - set(compared)))
