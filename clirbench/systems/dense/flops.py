"""Floating-point operations of a transformer encoder's forward pass, counted from its
configuration and the real (unpadded) token length of each text.

Per layer and sequence of L tokens, hidden size h, feed-forward size f, a multiply-add
counting as 2 operations:
    projections Q, K, V and output   4 · 2·L·h·h
    feed-forward in and out          2 · 2·L·h·f
    attention scores and values      2 · 2·L·L·h
Embedding lookups, layer norms, activations, softmax and pooling are not matrix products and
are left out (together well under 1% of the total for me5-small's 38-token sentences). Padding
is not counted: its work is waste, so throughput in these FLOPs is what the hardware did that
the texts needed. A training step (forward and backward) is about 3 forwards.
"""

from collections.abc import Iterable


def sequence_flops(tokens: int, hidden: int, ffn: int, layers: int) -> int:
    per_layer = 2 * tokens * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * tokens * tokens * hidden
    return layers * per_layer


def encoder_flops(config, lengths: Iterable[int]) -> int:
    """Forward FLOPs of a BERT/XLM-R-style `config` (transformers) over texts of `lengths` tokens."""
    hidden, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return sum(sequence_flops(int(n), hidden, ffn, layers) for n in lengths)
