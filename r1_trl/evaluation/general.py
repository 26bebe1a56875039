"""Held-out general prompts scored by the reward models: the all-scenarios stage's measure of helpfulness and
harmlessness, read through the same reward objects GRPO trains on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ..generation import SamplingSettings, sample_completions
from ..templates import Template

__all__ = ["GENERAL_REWARDS", "score_general"]

logger = logging.getLogger(__name__)

GENERAL_REWARDS = ("helpfulness", "harmlessness")


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def score_general(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[dict[str, Any]],
    rewards: dict[str, Callable[..., list[float | None]]],
    template: Template,
    settings: SamplingSettings,
    chat: bool = False,
    prefix: str = "",
) -> dict[str, Any]:
    """Mean score of each reward over `settings.n` samples per prompt, overall and per prompt `category`."""
    asked = [
        template.as_conversation(p["prompt"], p.get("lang"))
        if chat
        else template.format_prompt(p["prompt"], p.get("lang"))
        for p in prompts
    ]
    groups = sample_completions(model, tokenizer, asked, settings, desc="general prompts")
    texts = [prefix + c.text for group in groups for c in group]
    # Per completion, as TRL passes them: the prompt as asked and every dataset column.
    repeat = lambda values: [v for v in values for _ in range(settings.n)]  # noqa: E731
    columns = {
        "prompts": repeat(asked),
        "lang": repeat([p.get("lang") for p in prompts]),
        "category": repeat([p.get("category") for p in prompts]),
        "task": repeat([p.get("task", "general") for p in prompts]),
    }
    result: dict[str, Any] = {"num_prompts": len(prompts), "k": settings.n}
    for name, reward in rewards.items():
        scores = reward(texts, **columns)
        result[name] = _mean([s for s in scores if s is not None])
        by_category: dict[str, list[float]] = {}
        for score, category in zip(scores, columns["category"], strict=True):
            if score is not None:
                by_category.setdefault(str(category), []).append(score)
        result[f"{name}_by_category"] = {c: _mean(v) for c, v in sorted(by_category.items())}
    result["examples"] = [
        {"prompt": p["prompt"], "category": p.get("category"), "completion": g[0].text}
        for p, g in list(zip(prompts, groups, strict=True))[:4]
    ]
    logger.info("general prompts: %s", ", ".join(f"{n} {result[n]}" for n in rewards if result.get(n) is not None))
    return result
