"""open-r1's reward names and call shapes, so recipes and scripts written for open-r1 keep working.

The numbers follow open-r1's definitions (`len_reward` and `get_cosine_scaled_reward` count characters, as there;
r1-trl's own `length` and `cosine` rewards count tokens), with these deliberate differences:

- `len_reward` and the cosine reward call `verify(gold, answer)`; open-r1 calls `verify(answer, gold)`, which
  math-verify does not promise to be symmetric (it simplifies intervals and assignments on the gold side only),
  so some right answers were scored wrong there.
- A gold answer that cannot be parsed gives None ("does not apply"), where open-r1 gives 1.0 or counts it as right.
- `format_reward` and `accuracy_reward` refuse repeated or nested tag blocks, which open-r1's lazy regex accepts.
- `get_repetition_penalty_reward(language="zh")` segments Chinese per character instead of with jieba, so it needs
  no extra package or download.
"""

from __future__ import annotations

import math
from typing import Any

from ..templates import TAG_FORMAT
from ._text import completion_text
from .accuracy import AccuracyReward, answers_match, extract_answer
from .base import Reward
from .format import FormatReward
from .language import LanguageConsistencyReward
from .length import SoftOverlongPunishment
from .repetition import RepetitionPenaltyReward
from .tags import ReasoningStepsReward

__all__ = [
    "OPEN_R1_REWARDS",
    "accuracy_reward",
    "format_reward",
    "get_cosine_scaled_reward",
    "get_repetition_penalty_reward",
    "get_reward_funcs",
    "get_soft_overlong_punishment",
    "language_consistency_reward",
    "len_reward",
    "reasoning_steps_reward",
    "tag_count_reward",
]


def _named(reward: Any, name: str) -> Any:
    reward.__name__ = name
    return reward


def _correct(text: str, gold: Any, timeout_s: float = 5.0) -> bool | None:
    # open-r1 reads the answer from anywhere in the completion, so tags are not required here either.
    return answers_match(gold, extract_answer(text, TAG_FORMAT, require_tags=False), timeout_s)


class _OpenR1TagCount(Reward):
    """open-r1's `tag_count_reward`: 0.25 for each of `<think>\\n`, `\\n</think>\\n`, `\\n<answer>\\n`, `\\n</answer>`
    that appears exactly once (the newlines are part of what it counts)."""

    name = "tag_count_reward"
    PIECES = ("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>")

    def score(self, text: str, **row: Any) -> float:
        return sum(0.25 for piece in self.PIECES if text.count(piece) == 1)


class _OpenR1Length(Reward):
    """open-r1's `len_reward` (Kimi k1.5) over the whole batch, in characters: λ = 0.5 − (len − min)/(max − min);
    right answers get λ, wrong ones min(0, λ); 0 for everyone when all lengths are equal."""

    name = "len_reward"
    required_columns = ("solution",)

    def __call__(self, completions: list[Any], solution: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        self.check_columns({"solution": solution})
        texts = [completion_text(c) for c in completions]
        correct = [_correct(t, g) for t, g in zip(texts, solution, strict=True)]
        lengths = [len(t) for t in texts]
        lo, hi = min(lengths, default=0), max(lengths, default=0)
        if hi == lo:
            return [None if ok is None else 0.0 for ok in correct]
        rewards: list[float | None] = []
        for n, ok in zip(lengths, correct, strict=True):
            lam = 0.5 - (n - lo) / (hi - lo)
            rewards.append(None if ok is None else (lam if ok else min(0.0, lam)))
        return rewards


class _OpenR1Cosine(Reward):
    """open-r1's cosine-scaled reward, in characters: short right answers earn most, short wrong ones lose most."""

    name = "cosine_scaled_reward"
    required_columns = ("solution",)
    error_value = None

    def __init__(
        self,
        min_value_wrong: float,
        max_value_wrong: float,
        min_value_correct: float,
        max_value_correct: float,
        max_len: int,
    ):
        super().__init__()
        if max_len <= 0:
            raise ValueError(f"get_cosine_scaled_reward: max_len must be positive, got {max_len}")
        self.min_value_wrong, self.max_value_wrong = min_value_wrong, max_value_wrong
        self.min_value_correct, self.max_value_correct = min_value_correct, max_value_correct
        self.max_len = max_len

    def score(self, text: str, solution: Any = None, **row: Any) -> float | None:
        ok = _correct(text, solution)
        if ok is None:
            return None
        cosine = math.cos(len(text) / self.max_len * math.pi)
        if ok:
            lo, hi = self.min_value_correct, self.max_value_correct
        else:
            # Swapped so that a long wrong answer is punished less than a short one, as in open-r1.
            lo, hi = self.max_value_wrong, self.min_value_wrong
        return lo + 0.5 * (hi - lo) * (1.0 + cosine)


class _OpenR1SoftOverlong(SoftOverlongPunishment):
    """Takes open-r1's call `f(completion_ids=...)` as well as TRL's `f(completions, completion_ids=...)`."""

    def __call__(self, completions: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        ids = kwargs.get("completion_ids")
        return super().__call__(completions if completions is not None else [""] * len(ids or []), **kwargs)


accuracy_reward = _named(AccuracyReward(require_tags=False), "accuracy_reward")
format_reward = _named(FormatReward(), "format_reward")
tag_count_reward = _OpenR1TagCount()
reasoning_steps_reward = _named(ReasoningStepsReward(), "reasoning_steps_reward")
len_reward = _OpenR1Length()
language_consistency_reward = _named(LanguageConsistencyReward(), "language_consistency_reward")


def get_cosine_scaled_reward(
    min_value_wrong: float = -1.0,
    max_value_wrong: float = -0.5,
    min_value_correct: float = 0.5,
    max_value_correct: float = 1.0,
    max_len: int = 1000,
) -> Reward:
    return _OpenR1Cosine(min_value_wrong, max_value_wrong, min_value_correct, max_value_correct, max_len)


def get_repetition_penalty_reward(ngram_size: int, max_penalty: float, language: str = "en") -> Reward:
    return _named(
        RepetitionPenaltyReward(ngram_size=ngram_size, max_penalty=max_penalty, language=language),
        "repetition_penalty_reward",
    )


def get_soft_overlong_punishment(max_completion_len: int, soft_punish_cache: int) -> Reward:
    reward = _OpenR1SoftOverlong(max_completion_len=max_completion_len, soft_punish_cache=soft_punish_cache)
    return _named(reward, "soft_overlong_punishment_reward")


# open-r1's registry keys with the script-argument names it reads for each.
OPEN_R1_REWARDS: dict[str, Any] = {
    "accuracy": lambda **p: accuracy_reward,
    "format": lambda **p: format_reward,
    "reasoning_steps": lambda **p: reasoning_steps_reward,
    "tag_count": lambda **p: tag_count_reward,
    "length": lambda **p: len_reward,
    "language_consistency": lambda **p: language_consistency_reward,
    "cosine": lambda **p: get_cosine_scaled_reward(
        min_value_wrong=p.get("cosine_min_value_wrong", -1.0),
        max_value_wrong=p.get("cosine_max_value_wrong", -0.5),
        min_value_correct=p.get("cosine_min_value_correct", 0.5),
        max_value_correct=p.get("cosine_max_value_correct", 1.0),
        max_len=p.get("cosine_max_len", 1000),
    ),
    "repetition_penalty": lambda **p: get_repetition_penalty_reward(
        ngram_size=p.get("repetition_n_grams", 3), max_penalty=p.get("repetition_max_penalty", -1.0)
    ),
    "soft_overlong_punishment": lambda **p: get_soft_overlong_punishment(
        max_completion_len=p.get("max_completion_len", 16384), soft_punish_cache=p.get("soft_punish_cache", 4096)
    ),
}


def get_reward_funcs(names: list[str], **params: Any) -> list[Any]:
    """open-r1's reward functions by its registry names, with its script-argument names as `params`
    (`cosine_max_len`, `repetition_n_grams`, `max_completion_len`, ...). The code-execution rewards are not here."""
    unknown = [n for n in names if n not in OPEN_R1_REWARDS]
    if unknown:
        raise ValueError(f"unknown open-r1 reward {unknown[0]!r}; known: {', '.join(sorted(OPEN_R1_REWARDS))}")
    return [OPEN_R1_REWARDS[n](**params) for n in names]
