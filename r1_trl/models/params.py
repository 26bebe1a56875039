"""Parameter counts that compare an MoE with a dense model: total, and active per token."""

from __future__ import annotations

from torch import nn

__all__ = ["active_parameters"]

# Config attributes naming the routed experts and how many each token uses, across the MoE families in transformers.
_EXPERTS = ("n_routed_experts", "num_local_experts", "num_experts")
_PER_TOKEN = ("num_experts_per_tok", "moe_topk")


def _first(config: object, names: tuple[str, ...]) -> int | None:
    for name in names:
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def active_parameters(model: nn.Module) -> int:
    """Parameters one token passes through: a routed expert's weights count k/n times (k of n experts per token).

    Routed experts are the parameters under an `experts` module, fused (`experts.gate_up_proj`, experts first) or
    one module each (`experts.3.w1`); shared experts and the router always count. A dense model returns its total.
    """
    config = getattr(model, "config", None)
    n, k = _first(config, _EXPERTS), _first(config, _PER_TOKEN)
    total = 0
    for name, p in model.named_parameters():
        routed = n is not None and k is not None and ".experts." in f".{name}"
        total += p.numel() * k // n if routed else p.numel()
    return total
