"""Tiny model presets: a DeepSeek-V3-architecture MoE (the embedded base) and a small dense student."""

from __future__ import annotations

from typing import Any

from transformers import AutoModelForCausalLM, DeepseekV3Config, PretrainedConfig, PreTrainedTokenizerBase, Qwen2Config

__all__ = ["PRESETS", "build_config", "build_model", "build_reward_model"]

PRESETS: dict[str, tuple[type[PretrainedConfig], dict[str, Any]]] = {
    # Router with top-2 of 8 routed experts plus one shared expert, first layer dense, MLA attention.
    "tiny-moe": (
        DeepseekV3Config,
        dict(
            hidden_size=128,
            intermediate_size=256,
            moe_intermediate_size=64,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=4,
            n_routed_experts=8,
            num_experts_per_tok=2,
            n_shared_experts=1,
            first_k_dense_replace=1,
            n_group=1,
            topk_group=1,
            routed_scaling_factor=1.0,
            q_lora_rank=64,
            kv_lora_rank=32,
            qk_rope_head_dim=16,
            qk_nope_head_dim=16,
            v_head_dim=32,
            max_position_embeddings=512,
            # Untied, as DeepSeek-V3's own: vLLM's DeepSeek model never ties, and would serve a tied checkpoint
            # (saved without lm_head.weight) with an untrained output layer.
            tie_word_embeddings=False,
            num_mtp_layers=0,
            # What transformers' DeepseekV3 router does anyway (sigmoid scores, a correction bias for top-k), written
            # out for vLLM, whose DeepSeek implementation reads them from the config.
            topk_method="noaux_tc",
            scoring_func="sigmoid",
        ),
    ),
    "tiny-dense": (
        Qwen2Config,
        dict(
            hidden_size=64,
            intermediate_size=192,
            num_hidden_layers=4,
            # Heads 32 wide, the narrowest vLLM's CPU attention accepts (4 heads of 16 do not load there); the
            # projections keep their sizes, so the parameter count is what 4 x 16 with 2 KV heads had.
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=512,
            tie_word_embeddings=True,
        ),
    ),
}


def build_config(preset: str, tokenizer: PreTrainedTokenizerBase, **overrides: Any) -> PretrainedConfig:
    if preset not in PRESETS:
        raise ValueError(f"unknown model preset {preset!r}; known presets: {', '.join(PRESETS)}")
    cls, kwargs = PRESETS[preset]
    ids = dict(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    return cls(**{**kwargs, **ids, **overrides})


def build_model(preset: str, tokenizer: PreTrainedTokenizerBase, seed: int = 0, **overrides: Any):
    import torch

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(build_config(preset, tokenizer, **overrides))
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


# A one-logit scorer for exercising the `reward_model` reward without a download; untrained, so its scores mean
# nothing, but they are deterministic for a seed.
TINY_REWARD_MODEL = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=1024,
    num_labels=1,
)


def build_reward_model(tokenizer: PreTrainedTokenizerBase, seed: int = 0, **overrides: Any):
    import torch
    from transformers import Qwen2ForSequenceClassification

    torch.manual_seed(seed)
    ids = dict(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    return Qwen2ForSequenceClassification(Qwen2Config(**{**TINY_REWARD_MODEL, **ids, **overrides}))
