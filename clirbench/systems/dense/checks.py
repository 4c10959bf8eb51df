"""What clirbench demands of an encoder's output, with errors a plugin author can act on."""

import numpy as np

from clirbench.core.errors import ClirbenchError

_FIX = "fix the plugin's {method} (see submissions/README.md for the contract)"


def check_vectors(vectors, num_texts: int, plugin: str, method: str) -> np.ndarray:
    """`vectors` as returned by `plugin.method(texts)`: a finite float32 (num_texts, dim) array."""
    where = f"{plugin}.{method}"
    hint = _FIX.format(method=method)
    if not isinstance(vectors, np.ndarray):
        kind = type(vectors).__module__.split(".")[0] + "." + type(vectors).__name__
        extra = " (a torch tensor: return tensor.float().cpu().numpy())" if kind.startswith("torch.") else ""
        raise ClirbenchError(f"{where} returned a {kind}, not a numpy array{extra}", hint)
    if vectors.ndim != 2:
        raise ClirbenchError(f"{where} returned an array of shape {vectors.shape}; expected (number of texts, dim)", hint)
    if vectors.shape[0] != num_texts:
        raise ClirbenchError(f"{where} returned {vectors.shape[0]} rows for {num_texts} texts: one row per text", hint)
    if vectors.shape[1] == 0:
        raise ClirbenchError(f"{where} returned vectors of size 0", hint)
    if vectors.dtype != np.float32:
        raise ClirbenchError(f"{where} returned {vectors.dtype} vectors; clirbench stores and searches float32",
                             f"return `vectors.astype(np.float32)` from {method}")
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ClirbenchError(f"{where} returned NaN or infinite values in {len(rows)} of {num_texts} rows "
                             f"(first: row {rows[0]})", hint)
    return vectors


def check_same_size(query_dim: int, doc_dim: int, plugin: str) -> None:
    if query_dim != doc_dim:
        raise ClirbenchError(f"{plugin}: query vectors have size {query_dim} but document vectors {doc_dim}",
                             "encode_queries and encode_documents must return vectors of one size")
