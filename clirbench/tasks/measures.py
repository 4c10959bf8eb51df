"""Measures as values: parsed once into ir-measures objects, each with one name.

A task writes its measures by name (`RR@10`) and sets a relevance threshold; what is computed
is the measure under that threshold (`RR(rel=2)@10` on WikiCLIR, where grade 2 is the linked
article). The name is what results files, the CLI and the app show and accept; the definition
is recorded beside it, so a results file says exactly what was computed."""

from dataclasses import dataclass

import ir_measures
from ir_measures import Measure

from clirbench.core.errors import ClirbenchError


@dataclass(frozen=True)
class TaskMeasure:
    name: str  # canonical spelling of the measure without the task's threshold: "RR@10"
    measure: Measure  # what is computed: RR(rel=2)@10 under a relevance threshold of 2

    @property
    def definition(self) -> str:
        return str(self.measure)


def known_measures(names: list[str], examples: str = "") -> list[str]:
    """`names`, when ir-measures parses every one; else a ValueError naming the first it does
    not (for the validators of task and results files)."""
    for name in names:
        try:
            parse_measure(name)
        except ClirbenchError:
            raise ValueError(f"{name!r} is not an ir-measures measure{examples}") from None
    return names


def parse_measure(text: str) -> Measure:
    try:
        return ir_measures.parse_measure(text)
    except Exception:
        raise ClirbenchError(f"{text!r} is not an ir-measures measure",
                             "write one like RR@10, nDCG@10, R@100 or AP") from None


def without_threshold(measure: Measure) -> Measure:
    """The measure with its `rel` parameter dropped: the name a thresholded measure goes by."""
    params = {k: v for k, v in measure.params.items() if k != "rel"}
    return getattr(ir_measures, measure.NAME)(**params)


def task_measures(names: list[str], relevance_threshold: int) -> list[TaskMeasure]:
    """The task's measures, the threshold applied to those that take one (RR, R, AP, P)."""
    out = []
    for text in names:
        base = without_threshold(parse_measure(text))
        measure = base(rel=relevance_threshold) if relevance_threshold != 1 and "rel" in base.SUPPORTED_PARAMS else base
        out.append(TaskMeasure(str(base), measure))
    return out


def resolve_measure(wanted: str, definitions: dict[str, str], where: str = "here") -> str:
    """The name, among `definitions` (name -> definition), that `wanted` means: the name itself,
    another spelling of it, or its full definition (`RR(rel=2)@10` means `RR@10` where that is
    how RR@10 is computed). `where` says, in the error, what holds the measures."""
    if wanted in definitions:
        return wanted
    try:
        parsed = ir_measures.parse_measure(wanted)
    except Exception:
        parsed = None
    for name, definition in definitions.items():
        if parsed is not None and parsed in (ir_measures.parse_measure(name), ir_measures.parse_measure(definition)):
            return name
    raise ClirbenchError(f"no measure {wanted!r} {where}",
                         f"use one of: {', '.join(definitions)}")
