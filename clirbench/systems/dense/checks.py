"""What clirbench demands of an encoder's output, with errors a plugin author can act on."""

import numpy as np

from clirbench.core.errors import ClirbenchError

_FIX = "fix the plugin's {method} (see submissions/README.md for the contract)"


def vector_problems(vectors, num_texts: int, plugin: str, method: str) -> list[tuple[str, str]]:
    """What is wrong with `vectors` as returned by `plugin.method(texts)`, against a finite
    float32 (num_texts, dim) array: (problem, fix) pairs, empty when nothing is."""
    where = f"{plugin}.{method}"
    hint = _FIX.format(method=method)
    if not isinstance(vectors, np.ndarray):
        kind = type(vectors).__module__.split(".")[0] + "." + type(vectors).__name__
        extra = " (a torch tensor: return tensor.float().cpu().numpy())" if kind.startswith("torch.") else ""
        return [(f"{where} returned a {kind}, not a numpy array{extra}", hint)]
    if vectors.ndim != 2:
        return [(f"{where} returned an array of shape {vectors.shape}; expected (number of texts, dim)", hint)]
    problems = []
    if vectors.shape[0] != num_texts:
        problems.append((f"{where} returned {vectors.shape[0]} rows for {num_texts} texts: one row per text", hint))
    if vectors.shape[1] == 0:
        problems.append((f"{where} returned vectors of size 0", hint))
    if vectors.dtype != np.float32:
        problems.append((f"{where} returned {vectors.dtype} vectors; clirbench stores and searches float32",
                         f"return `vectors.astype(np.float32)` from {method}"))
    if np.issubdtype(vectors.dtype, np.number) and vectors.size:
        finite = np.isfinite(np.asarray(vectors)).all(axis=1)  # the values themselves, even those a mask hides
        if not finite.all():
            rows = np.flatnonzero(~finite)
            problems.append((f"{where} returned NaN or infinite values in {len(rows)} of {vectors.shape[0]} rows "
                             f"(first: row {rows[0]})", hint))
    return problems


def check_vectors(vectors, num_texts: int, plugin: str, method: str) -> np.ndarray:
    """`vectors` as returned by `plugin.method(texts)`: a finite float32 (num_texts, dim) array."""
    problems = vector_problems(vectors, num_texts, plugin, method)
    if problems:
        raise ClirbenchError(*problems[0])
    return vectors


def check_same_size(query_dim: int, doc_dim: int, plugin: str) -> None:
    if query_dim != doc_dim:
        raise ClirbenchError(f"{plugin}: query vectors have size {query_dim} but document vectors {doc_dim}",
                             "encode_queries and encode_documents must return vectors of one size")
