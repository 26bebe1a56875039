"""The 4/8-bit switches of TRL's `ModelConfig` (QLoRA): which combinations can train, and the `from_pretrained`
arguments they become through TRL's own `get_quantization_config`. Below both `loading` and `lora`, which use it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["check_lora_args", "quantization_kwargs"]

if TYPE_CHECKING:
    from trl import ModelConfig


def check_lora_args(model_args: ModelConfig) -> None:
    """One-line errors for the switch combinations that cannot train."""
    if model_args.load_in_4bit and model_args.load_in_8bit:
        raise ValueError("load_in_4bit and load_in_8bit are both set; choose one")
    if (model_args.load_in_4bit or model_args.load_in_8bit) and not model_args.use_peft:
        bits = 4 if model_args.load_in_4bit else 8
        raise ValueError(
            f"load_in_{bits}bit needs use_peft: true: a quantized model trains only through LoRA adapters (QLoRA)"
        )


def quantization_kwargs(model_args: ModelConfig, training_args: Any) -> dict[str, Any]:
    """`from_pretrained` keyword arguments that load the base in 4 or 8 bits on the process's own device
    (`training_args.device`, what TRL's former `get_kbit_device_map` gave); {} without `load_in_4bit`/`load_in_8bit`.

    The 4-bit compute dtype is the recipe's `dtype`; `auto` or unset computes in float32.
    """
    from trl import get_quantization_config

    check_lora_args(model_args)
    if not (model_args.load_in_4bit or model_args.load_in_8bit):
        return {}
    dtype = model_args.dtype
    try:
        model_args.dtype = None if dtype in (None, "auto") else dtype
        config = get_quantization_config(model_args)
    finally:
        model_args.dtype = dtype
    return {"quantization_config": config, "device_map": {"": str(training_args.device)}}
