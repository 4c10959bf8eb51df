"""Entropic optimal transport, batched, in the log domain (stable for small epsilon).

For each batch item: source weights a (n), target weights b (m), cost C (n, m). The plan is
P = diag(u) K diag(v) with K = exp(-C / eps); in the log domain f, g are the dual potentials and

    f <- eps * (log a - logsumexp((g - C) / eps, over targets))
    g <- eps * (log b - logsumexp((f - C) / eps, over sources))

Padding carries weight 0: its log weight is -inf and its rows/columns of the plan are 0.
Gradients flow through the unrolled iterations, or, with `detach_plan`, the plan is treated
as a constant (the envelope theorem's gradient of the OT value with respect to C)."""

import torch

_NEG = -1e9  # log of a zero weight, finite so that padded rows stay NaN-free


def log_sinkhorn(cost: torch.Tensor, a: torch.Tensor, b: torch.Tensor, eps: float, iters: int) -> torch.Tensor:
    """Transport plans (B, n, m) for costs (B, n, m) and weights a (B, n), b (B, m), each
    summing to 1 over its real entries (zeros for padding)."""
    log_a = torch.where(a > 0, a.clamp_min(1e-30).log(), torch.full_like(a, _NEG))
    log_b = torch.where(b > 0, b.clamp_min(1e-30).log(), torch.full_like(b, _NEG))
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    scaled = -cost / eps
    for _ in range(iters):
        f = eps * (log_a - torch.logsumexp(scaled + g.unsqueeze(1) / eps, dim=2))
        g = eps * (log_b - torch.logsumexp(scaled + f.unsqueeze(2) / eps, dim=1))
    log_plan = scaled + f.unsqueeze(2) / eps + g.unsqueeze(1) / eps
    return log_plan.exp() * (a.unsqueeze(2) > 0) * (b.unsqueeze(1) > 0)


def ot_cost(cost: torch.Tensor, a: torch.Tensor, b: torch.Tensor, eps: float, iters: int,
            detach_plan: bool = False) -> torch.Tensor:
    """<P, C>_F per batch item (B,): the transport cost under the entropic plan."""
    plan = log_sinkhorn(cost.detach() if detach_plan else cost, a, b, eps, iters)
    if detach_plan:
        plan = plan.detach()
    return (plan * cost).sum(dim=(1, 2))
