"""Tokenizer builder, tiny model presets and guarded loading."""

from .loading import load_causal_lm, load_tokenizer, resolve_model_path
from .tiny import PRESETS, build_config, build_model, build_reward_model
from .tokenizer import REASONING_TAGS, SPECIAL_TOKENS, build_tokenizer

__all__ = [
    "PRESETS",
    "REASONING_TAGS",
    "SPECIAL_TOKENS",
    "build_config",
    "build_model",
    "build_reward_model",
    "build_tokenizer",
    "load_causal_lm",
    "load_tokenizer",
    "resolve_model_path",
]
