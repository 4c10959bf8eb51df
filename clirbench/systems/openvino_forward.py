"""A transformers encoder's forward pass run by OpenVINO on the CPU (HFEncoder `backend: openvino`).

Why: on a CPU with native bfloat16 (AVX-512 BF16 / AMX), OpenVINO's fused kernels (attention,
layer norm and GELU folded into the matrix products) spend less time outside matrix multiplies
than eager PyTorch does on short texts; benchmarks/encode.py measures it against both.

How: the loaded PyTorch model is converted in memory (no file, no ONNX; seconds) and compiled
for the CPU at the requested inference precision. The encoder's forward passes of one batch
(HFEncoder cuts them by padded tokens) run concurrently on the plugin's streams, about one per
core.
"""

import warnings

import numpy as np

from clirbench.core.errors import ClirbenchError

# The converted graph's inputs: what `last_hidden_module` takes.
INPUTS = ("input_ids", "attention_mask")
# HFEncoder precision -> OpenVINO's inference precision hint.
PRECISIONS = {"float32": "f32", "bfloat16": "bf16"}


def last_hidden_module(model):
    """The model with its last hidden states as the only output, from input ids and attention
    mask: what pooling reads, and what an exporter traces."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return LastHidden(model).eval()


class OpenVINOForward:
    """Last hidden states (float32 numpy), as the transformers model would give them, computed
    by OpenVINO: `run(batches)` takes tokenized requests and runs them concurrently."""

    def __init__(self, model, tokenizer, precision: str, threads: int):
        """`precision`: a key of PRECISIONS (HFEncoder checks it before loading anything)."""
        try:
            import openvino as ov
        except ImportError:
            raise ClirbenchError("backend openvino needs the openvino package",
                                 "pip install 'clirbench[dense]' (or openvino), or set backend: transformers") from None
        import torch

        example = tokenizer(["a short text", "a somewhat longer text to trace the model with"], padding=True,
                            return_tensors="pt")
        dynamic = [(name, [-1, -1], ov.Type.i64) for name in INPUTS]
        if not (example["attention_mask"] == 0).any():  # a trace without padding would drop the mask
            raise ClirbenchError("backend openvino: the tokenizer padded neither of two texts of different lengths",
                                 "set backend: transformers for this model")
        # Tracing warns that Python values become constants (sizes, the causal flag): expected
        # here, where every input has the example's form.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            converted = ov.convert_model(last_hidden_module(model), input=dynamic,
                                         example_input={name: example[name] for name in INPUTS})
        config = {"INFERENCE_PRECISION_HINT": PRECISIONS[precision], "PERFORMANCE_HINT": "THROUGHPUT",
                  "INFERENCE_NUM_THREADS": max(1, threads)}
        compiled = ov.Core().compile_model(converted, "CPU", config)
        self._queue = ov.AsyncInferQueue(compiled, max(1, int(compiled.get_property("NUM_STREAMS"))))
        self._queue.set_callback(self._done)

    @staticmethod
    def _done(request, userdata) -> None:
        # Kept trivial: an error raised here would stay in the queue and fail every later call.
        out, slot = userdata
        out[slot] = request.get_output_tensor(0).data.copy()

    def run(self, requests: list[dict]) -> list[np.ndarray]:
        """Hidden states of each request (int64 arrays by input name; other tokenizer outputs
        such as token type ids are left out), in order."""
        out: list[np.ndarray | None] = [None] * len(requests)
        for slot, request in enumerate(requests):
            self._queue.start_async({name: request[name] for name in INPUTS}, (out, slot))
        self._queue.wait_all()
        missing = [slot for slot, hidden in enumerate(out) if hidden is None]
        if missing:
            raise ClirbenchError(f"OpenVINO returned no output for {len(missing)} of {len(requests)} forward passes",
                                 "rerun (vectors already cached are kept), or set backend: transformers")
        return out
