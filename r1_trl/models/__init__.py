"""Tokenizer builder, tiny model presets, guarded loading, and LoRA/QLoRA from recipe switches."""

from .loading import (
    ADAPTER_DIR,
    load_causal_lm,
    load_for_generation,
    load_sequence_classifier,
    load_tokenizer,
    load_trainable,
    model_load_error,
    resolve_model_path,
)
from .lora import lora_config, save_lora
from .params import active_parameters
from .quantization import check_lora_args, quantization_kwargs
from .tiny import PRESETS, build_config, build_model, build_reward_model
from .tokenizer import REASONING_TAGS, SPECIAL_TOKENS, build_tokenizer

__all__ = [
    "ADAPTER_DIR",
    "PRESETS",
    "REASONING_TAGS",
    "SPECIAL_TOKENS",
    "active_parameters",
    "build_config",
    "build_model",
    "build_reward_model",
    "build_tokenizer",
    "check_lora_args",
    "load_causal_lm",
    "load_for_generation",
    "load_sequence_classifier",
    "load_tokenizer",
    "load_trainable",
    "lora_config",
    "model_load_error",
    "quantization_kwargs",
    "resolve_model_path",
    "save_lora",
]
