"""The pieces of a transformers encoder that inference (`HFEncoder`) and training
(clirbench.train) share, written once: what precision `auto` means on a device, the autocast
that runs bfloat16, and pooling hidden states into sentence vectors. torch is imported inside
each function: this module loads where torch is missing (a system listed, not run)."""

from contextlib import nullcontext

# The precision rule, one for CPU and GPU, inference and training: `auto` is bfloat16 (autocast
# over float32 weights) where the device computes it natively (a CPU with AVX-512 BF16 or AMX,
# a GPU of compute capability 8 or more), else float32. Why bfloat16 on a GPU too, where
# inference once ran float16: training needs bfloat16's float32 range (float16 needs loss
# scaling, which the training loop does not do), and with one rule a student's dev scores come
# from the arithmetic it is evaluated with. The cost, measured on an H200 (docs/performance.md):
# float16 forward passes were 1.18x as fast and moved RR@10 less (.0026 from float32, against
# .0038); `precision: float16` keeps that path for inference.


def bf16_native() -> bool:
    """Whether this CPU computes bfloat16 natively (else torch emulates it, slowly)."""
    import torch

    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(check and check())


def gpu_bf16_native() -> bool:
    """Whether the current CUDA GPU computes bfloat16 natively (not emulated)."""
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)


def resolve_precision(precision: str, device: str) -> str:
    """The precision a setting means on `device` ("cpu", "cuda", "cuda:1", ...): itself, or
    for `auto`, the rule above."""
    if precision != "auto":
        return precision
    native = gpu_bf16_native() if device.startswith("cuda") else bf16_native()
    return "bfloat16" if native else "float32"


def autocast(precision: str, device: str):
    """The context a forward pass runs in: bfloat16 autocast, or nothing (float32 weights, or
    float16 / int8 ones that carry their precision themselves)."""
    import torch

    return torch.autocast(device.split(":")[0], dtype=torch.bfloat16) if precision == "bfloat16" else nullcontext()


def pool(hidden, attention_mask, pooling: str = "mean", normalize: bool = True):
    """Sentence vectors (float32) of a forward pass's last hidden states: the mean over every
    token the attention mask keeps (or the first token's, `cls`), L2-normalised unless told not."""
    import torch

    hidden = hidden.float()
    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    return torch.nn.functional.normalize(pooled, dim=-1) if normalize else pooled
