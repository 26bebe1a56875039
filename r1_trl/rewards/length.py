"""Length rewards, in tokens: `length` (Kimi k1.5, within each prompt's group), `cosine` (length-scaled accuracy) and
`soft_overlong_punishment` (DAPO). Tokens, not characters, so their ranges line up with `max_completion_length`;
the character-counting open-r1 versions live in `open_r1.py`."""

from __future__ import annotations

import logging
import math
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from ._text import completion_text
from .accuracy import answers_match, extract_answer
from .base import Reward, token_lengths

__all__ = ["CosineReward", "LengthReward", "SoftOverlongPunishment"]

logger = logging.getLogger(__name__)


def _is_correct(
    reward_name: str, text: str, gold: Any, response_format: ResponseFormat, timeout_s: float
) -> bool | None:
    """True/False, or None when the gold answer is unreadable; a check that fails outright counts as wrong, so
    one broken completion costs its own credit and not the whole batch."""
    try:
        return answers_match(gold, extract_answer(text, response_format), timeout_s)
    except Exception:  # a reward must never take training down
        logger.exception("reward %s: answer check failed on a completion; counting it wrong", reward_name)
        return False


def _with_lengths(reward_name: str, completions: list[Any], kwargs: dict[str, Any]) -> list[int]:
    lengths = token_lengths(reward_name, completions, kwargs.get("completion_ids"))
    # Per-row indexing only splits lists; a tensor or array of ids becomes one row per completion here.
    kwargs["completion_ids"] = list(kwargs["completion_ids"])
    return lengths


def _group_key(prompt: Any) -> str:
    # Conversational prompts are lists of dicts, which do not hash; their repr is stable for equal prompts.
    return prompt if isinstance(prompt, str) else repr(prompt)


class LengthReward(Reward):
    """Kimi k1.5's length reward within each prompt's group of completions, in tokens.

    With m and M the shortest and longest completion of the group, λ = 0.5 − (len − m)/(M − m): a right answer gets
    λ (+0.5 for the shortest, −0.5 for the longest), a wrong one min(0, λ), so being short never pays for being
    wrong. A group whose completions all have one length scores 0. Completions whose gold answer is unreadable
    score None but still count towards m and M, since they were sampled for the same prompt. Groups come from the
    `prompts` keyword TRL passes; without it the whole call is one group.
    """

    name = "length"
    required_columns = ("solution",)

    def __init__(self, response_format: ResponseFormat = TAG_FORMAT, timeout_s: float = 5.0):
        super().__init__()
        if not timeout_s > 0:
            raise ValueError(f"length: timeout_s must be positive, got {timeout_s!r}")
        self.response_format = response_format
        self.timeout_s = float(timeout_s)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        self.check_columns(kwargs)
        lengths = token_lengths(self.__name__, completions, kwargs.get("completion_ids"))
        solutions = kwargs["solution"]
        prompts = kwargs.get("prompts")
        n = len(completions)
        if prompts is None:
            keys = [""] * n
        elif len(prompts) == n:
            keys = [_group_key(p) for p in prompts]
        else:
            raise ValueError(f"reward {self.__name__!r}: got {len(prompts)} prompts for {n} completions")
        correct = [
            _is_correct(self.__name__, completion_text(c), gold, self.response_format, self.timeout_s)
            for c, gold in zip(completions, solutions, strict=True)
        ]
        bounds: dict[str, tuple[int, int]] = {}
        for key, length in zip(keys, lengths, strict=True):
            lo, hi = bounds.get(key, (length, length))
            bounds[key] = (min(lo, length), max(hi, length))
        rewards: list[float | None] = []
        for key, length, ok in zip(keys, lengths, correct, strict=True):
            lo, hi = bounds[key]
            if ok is None:
                rewards.append(None)
            elif hi == lo:
                rewards.append(0.0)
            else:
                lam = 0.5 - (length - lo) / (hi - lo)
                rewards.append(lam if ok else min(0.0, lam))
        return rewards


class CosineReward(Reward):
    """Accuracy scaled by a cosine of the length in tokens: short right answers earn most, short wrong ones lose
    most (a long wrong answer at least explored).

    reward = lo + ½(hi − lo)(1 + cos(π·min(len/max_len, 1))), with (lo, hi) = (min_value_correct,
    max_value_correct) for a right answer and (max_value_wrong, min_value_wrong) for a wrong one. The progress is
    clamped at 1 (open-r1 does not clamp): past `max_len` the cosine would swing back up and start paying more for
    rambling, so every completion of `max_len` tokens or more scores the long end. None when the gold answer is
    unreadable.
    """

    name = "cosine"
    required_columns = ("solution",)
    # No answer check ran, so no credit and no blame: TRL ignores None in the sum of rewards.
    error_value = None

    def __init__(
        self,
        min_value_wrong: float = -1.0,
        max_value_wrong: float = -0.5,
        min_value_correct: float = 0.5,
        max_value_correct: float = 1.0,
        max_len: int = 1000,
        response_format: ResponseFormat = TAG_FORMAT,
        timeout_s: float = 5.0,
    ):
        super().__init__()
        if not max_len > 0:
            raise ValueError(f"cosine: max_len must be positive, got {max_len!r}")
        if not timeout_s > 0:
            raise ValueError(f"cosine: timeout_s must be positive, got {timeout_s!r}")
        self.min_value_wrong = float(min_value_wrong)
        self.max_value_wrong = float(max_value_wrong)
        self.min_value_correct = float(min_value_correct)
        self.max_value_correct = float(max_value_correct)
        self.max_len = max_len
        self.response_format = response_format
        self.timeout_s = float(timeout_s)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        self.check_columns(kwargs)
        _with_lengths(self.__name__, completions, kwargs)
        return super().__call__(completions, **kwargs)

    def score(self, text: str, solution: Any = None, completion_ids: Any = None, **row: Any) -> float | None:
        ok = _is_correct(self.__name__, text, solution, self.response_format, self.timeout_s)
        if ok is None:
            return None
        progress = min(len(completion_ids) / self.max_len, 1.0)
        cosine = math.cos(math.pi * progress)
        if ok:
            lo, hi = self.min_value_correct, self.max_value_correct
        else:
            # Swapped: the short end of a wrong answer is the harsher one.
            lo, hi = self.max_value_wrong, self.min_value_wrong
        return lo + 0.5 * (hi - lo) * (1.0 + cosine)


class SoftOverlongPunishment(Reward):
    """DAPO's soft overlong punishment, in tokens: 0 up to `max_completion_len − soft_punish_cache`, then a linear
    ramp down to −1 at `max_completion_len`, and −1 beyond it (a truncated completion)."""

    name = "soft_overlong_punishment"

    def __init__(self, max_completion_len: int = 1024, soft_punish_cache: int = 256):
        super().__init__()
        if not 0 <= soft_punish_cache < max_completion_len:
            raise ValueError(
                f"soft_overlong_punishment needs 0 <= soft_punish_cache < max_completion_len, got "
                f"soft_punish_cache={soft_punish_cache!r}, max_completion_len={max_completion_len!r}"
            )
        self.max_completion_len = max_completion_len
        self.soft_punish_cache = soft_punish_cache

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        _with_lengths(self.__name__, completions, kwargs)
        return super().__call__(completions, **kwargs)

    def score(self, text: str, completion_ids: Any = None, **row: Any) -> float:
        length = len(completion_ids)
        free = self.max_completion_len - self.soft_punish_cache
        if length <= free:
            return 0.0
        if length <= self.max_completion_len:
            return (free - length) / self.soft_punish_cache
        return -1.0
