"""Hashed character n-grams: a dense encoder with no training and no model files.

Each text becomes the counts of its character n-grams, hashed into `dim` buckets, log-scaled
and L2-normalised. Across languages it matches what is written alike: names, numbers,
cognates and loanwords. It is a floor that a learned encoder must clear, and an example of
the plugin contract (see submissions/README.md).
"""

import zlib

import numpy as np

from clirbench.core.contract import Encoder
from clirbench.systems.textnorm import normalise


class HashedNgrams(Encoder):
    batch_size = 256

    def __init__(self, dim: int = 1024, min_n: int = 3, max_n: int = 4):
        if not (1 <= min_n <= max_n):
            raise ValueError(f"need 1 <= min_n <= max_n, got {min_n}, {max_n}")
        self.dim, self.min_n, self.max_n = dim, min_n, max_n

    def _encode(self, texts: list[str], lang: str) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f" {' '.join(normalise(text, lang).split())} "
            buckets = [zlib.crc32(padded[i : i + n].encode()) % self.dim
                       for n in range(self.min_n, self.max_n + 1) for i in range(len(padded) - n + 1)]
            np.add.at(out[row], buckets, 1.0)
        np.log1p(out, out=out)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        return self._encode(texts, lang)

    def encode_documents(self, texts: list[str], lang: str) -> np.ndarray:
        return self._encode(texts, lang)
