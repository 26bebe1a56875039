"""Held-out evaluation: pass@1 over k samples, cons@k, lenient accuracy, format rate and length, per language.

Numbers drift with sampling settings and sample counts, so the settings are written into every result. cons@k is
the benchmarks' definition (`scoring.majority`): the most frequent answer, equivalent answers counted together, is
right.
"""

from __future__ import annotations

import logging
from typing import Any

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ..generation import Completion, SamplingSettings, sample_completions
from ..rewards import (
    AccuracyReward,
    LanguageConsistencyReward,
    answers_match,
    extract_answer,
    get_reward_func,
    last_number,
)
from ..templates import Template
from .scoring import majority

__all__ = ["evaluate", "summarize"]

logger = logging.getLogger(__name__)


def _mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def _rewards(template: Template) -> dict[str, Any]:
    # The same reward objects GRPO trains on, so "correct" means one thing in training and in evaluation.
    fmt = template.response_format
    return {
        "accuracy": AccuracyReward(fmt),
        # By registry name, so format_rate is the `format` reward a recipe names, whatever shape that accepts.
        "format": get_reward_func("format", response_format=fmt),
        "consistency": LanguageConsistencyReward(fmt),
    }


def _score(
    gold: str,
    samples: list[Completion],
    template: Template,
    rewards: dict[str, Any],
    prefix: str,
    lang: str | None,
    question: str,
) -> dict[str, Any]:
    fmt = template.response_format
    texts = [prefix + c.text for c in samples]
    n = len(texts)
    consistency = rewards["consistency"](texts, lang=[lang] * n, prompts=[question] * n)
    strict = [bool(r) for r in rewards["accuracy"](texts, solution=[gold] * n)]
    answers = [extract_answer(t, fmt) for t in texts]
    lenient = [bool(answers_match(gold, last_number(t))) for t in texts]
    voted = majority(answers)
    return {
        "strict": strict,
        "lenient": lenient,
        "format": rewards["format"](texts),
        "lengths": [c.num_tokens for c in samples],
        "truncated": [c.truncated for c in samples],
        "cons": bool(voted is not None and answers_match(gold, voted)),
        "consistency": [c for c in consistency if c is not None],
    }


def _length_given(scored: list[dict[str, Any]], right: bool) -> float | None:
    lengths = [n for s in scored for n, ok in zip(s["lengths"], s["lenient"], strict=True) if ok is right]
    # None, not 0: "no correct answer" must not read as "correct answers of length 0" in a ratio.
    return _mean([float(n) for n in lengths]) if lengths else None


def summarize(scored: list[dict[str, Any]]) -> dict[str, float | None]:
    flat = lambda key: [x for s in scored for x in s[key]]  # noqa: E731
    return {
        "pass@1": _mean([_mean([float(x) for x in s["strict"]]) for s in scored]),
        "accuracy_lenient": _mean([float(x) for x in flat("lenient")]),
        "cons@k": _mean([float(s["cons"]) for s in scored]),
        "format_rate": _mean(flat("format")),
        "mean_length": _mean([float(x) for x in flat("lengths")]),
        # Format-free correctness splits the length: did the answers that are right get longer (Figure 3)?
        "mean_length_correct": _length_given(scored, True),
        "mean_length_incorrect": _length_given(scored, False),
        "clipped_ratio": _mean([float(x) for x in flat("truncated")]),
        # The paper's language-consistency reward on the chain of thought, and the share of samples that mix.
        "language_consistency": _mean(flat("consistency")),
        "mixed_rate": _mean([float(x < 1.0) for x in flat("consistency")]),
        "num_prompts": len(scored),
    }


def evaluate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    dataset: Dataset,
    template: Template,
    settings: SamplingSettings,
    chat: bool = False,
    prefix: str = "",
) -> dict[str, Any]:
    """Sample `settings.n` answers for each row of `dataset` (columns `prompt`, `solution`, optional `lang`)."""
    langs = dataset["lang"] if "lang" in dataset.column_names else [None] * len(dataset)
    questions, golds = dataset["prompt"], dataset["solution"]
    prompts = [
        template.as_conversation(q, lang) if chat else template.format_prompt(q, lang)
        for q, lang in zip(questions, langs, strict=True)
    ]
    samples = sample_completions(model, tokenizer, prompts, settings, desc="eval")
    rewards = _rewards(template)
    scored = [
        _score(str(g), s, template, rewards, prefix, lang, q)
        for g, s, lang, q in zip(golds, samples, langs, questions, strict=True)
    ]
    result: dict[str, Any] = summarize(scored)
    if any(lang is not None for lang in langs):
        result["per_lang"] = {
            lang: summarize([s for s, lg in zip(scored, langs, strict=True) if lg == lang])
            for lang in sorted({lg for lg in langs if lg is not None})
        }
    if "difficulty" in dataset.column_names:
        # Where a gain sits: RL that teaches reasoning should move multi-step problems most.
        levels = dataset["difficulty"]
        result["per_difficulty"] = {
            str(d): summarize([s for s, lv in zip(scored, levels, strict=True) if lv == d])
            for d in sorted(set(levels))
        }
    result["sampling"] = {
        "k": settings.n,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "max_new_tokens": settings.max_new_tokens,
        "seed": settings.seed,
        "template": template.name,
    }
    result["examples"] = [
        {"prompt": p if isinstance(p, str) else p[-1]["content"], "completion": s[0].text, "solution": str(g)}
        for p, s, g in list(zip(prompts, samples, golds, strict=True))[:3]
    ]
    logger.info(
        "eval: pass@1 %.3f, lenient %.3f, format %.3f, cons@%d %.3f, language consistency %.3f, mean length %.1f",
        result["pass@1"],
        result["accuracy_lenient"],
        result["format_rate"],
        settings.n,
        result["cons@k"],
        result["language_consistency"],
        result["mean_length"],
    )
    return result
