"""Hybrid batches (Elmahdy et al. 2024, arXiv 2408.10536): a whole batch is monolingual with
probability alpha (every question and passage in one language, drawn per batch), otherwise
cross-lingual (each question in a language X, its passages in a language Y != X, drawn per
question). alpha = 1 is X-X training, alpha = 0 is X-Y. A batch is a function of (seed, step)
alone, so a resumed run draws the same batches."""

from dataclasses import dataclass

import numpy as np

from clirbench.train.retrieval_data import ParallelQuestion

MONOLINGUAL, CROSS_LINGUAL = "monolingual", "cross-lingual"


@dataclass(frozen=True)
class Example:
    question: ParallelQuestion
    query_lang: str
    doc_lang: str


def hybrid_batch(questions: list[ParallelQuestion], langs: list[str], size: int, alpha: float, seed: int,
                 step: int) -> tuple[str, list[Example]]:
    """(kind, examples) of one batch: `size` distinct questions, monolingual with probability alpha."""
    rng = np.random.default_rng([seed, step])
    chosen = rng.choice(len(questions), size=min(size, len(questions)), replace=False)
    if rng.random() < alpha:
        lang = langs[rng.integers(len(langs))]
        return MONOLINGUAL, [Example(questions[i], lang, lang) for i in chosen]
    examples = []
    for i in chosen:
        x = langs[rng.integers(len(langs))]
        others = [lang for lang in langs if lang != x]
        examples.append(Example(questions[i], x, others[rng.integers(len(others))]))
    return CROSS_LINGUAL, examples
