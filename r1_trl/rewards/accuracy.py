"""`accuracy`: does the one `<answer>` block hold the gold answer? Exact for numbers, math-verify for LaTeX."""

from __future__ import annotations

import functools
import logging
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from ._text import completion_text, last_boxed, parse_number
from ._timeout import run_bounded

__all__ = ["AccuracyReward", "accuracy_reward", "answers_match", "extract_answer"]

logger = logging.getLogger(__name__)

# A real answer is short; a long one is a hack or a ramble, and symbolic parsing of it only burns the time bound.
MAX_SYMBOLIC_ANSWER_CHARS = 1000
_MATH_DELIMITERS = ("$", "\\(", "\\[", "\\boxed")


def extract_answer(text: str, response_format: ResponseFormat = TAG_FORMAT) -> str | None:
    """The content of the single `<answer>` block, or of the last `\\boxed{}` inside it; None when there is no
    block or several (several answers are a known reward hack) or it is empty."""
    if not isinstance(text, str):
        return None
    span = response_format.answer_span(text)
    if span is None:
        return None
    boxed = last_boxed(span)
    answer = (boxed if boxed is not None else span).strip()
    return answer or None


@functools.lru_cache(maxsize=4096)
def _parse_math(text: str) -> list[Any]:
    from math_verify import parse

    # A bare expression such as `\sqrt{2}` or `2\pi` is invisible to math-verify (or read as `2`) until it sits in
    # math delimiters; text that already has them is parsed as written. Cached: a gold answer is checked against
    # every completion in its group, and the parsed values are immutable.
    unescaped = text.replace("\\$", "")
    latex = text if any(d in unescaped for d in _MATH_DELIMITERS) else f"${text}$"
    return parse(latex, parsing_timeout=None)


def _gold_readable(gold: str) -> bool:
    # math-verify falls back to the raw string when it cannot read LaTeX; a gold answer needs a real value.
    return any(not isinstance(v, str) for v in _parse_math(gold))


def _symbolic_match(gold: str, answer: str) -> bool | None:
    """Runs in the helper process. None when the gold answer cannot be read."""
    from math_verify import verify

    if not _gold_readable(gold):
        return None
    answer_parsed = _parse_math(answer)
    if not answer_parsed:
        return False
    # verify is asymmetric (assignments and intervals are simplified on the gold side): gold first.
    return bool(verify(_parse_math(gold), answer_parsed, timeout_seconds=None))


@functools.lru_cache(maxsize=4096)
def _gold_readable_bounded(gold: str, timeout_s: float) -> bool:
    # A gold answer that cannot be read in time is treated as readable, so the group still scores 0 for a missing
    # answer rather than a mix of 0s and Nones.
    return bool(run_bounded(_gold_readable, (gold,), timeout_s, default=True))


def answers_match(gold: Any, answer: str | None, timeout_s: float = 5.0) -> bool | None:
    """Whether `answer` is the gold answer: True/False, or None when the gold answer itself cannot be read.

    Numbers on both sides are compared exactly (`0.5` is `1/2`, `1,234` is `1234`) without leaving this process.
    Anything LaTeX goes to math-verify under a `timeout_s` bound, and an overrun counts as a mismatch.
    """
    if gold is None:
        return None
    gold = str(gold).strip()
    if not gold:
        return None
    answer = answer.strip() if isinstance(answer, str) else None
    gold_value = parse_number(gold)
    if gold_value is not None:
        if not answer:
            return False
        value = parse_number(answer)
        if value is not None:
            return value == gold_value
        # `\frac{1}{2}` for 0.5 or `\$14` for 14 is right; a plain non-number such as `14 apples` is not checked.
        if "\\" not in answer or len(answer) > MAX_SYMBOLIC_ANSWER_CHARS:
            return False
        return bool(run_bounded(_symbolic_match, (gold, answer), timeout_s, default=False))
    if not answer:
        # Every completion of a prompt gets None when its gold answer is unreadable, answered or not.
        return False if _gold_readable_bounded(gold, timeout_s) else None
    if len(answer) > max(MAX_SYMBOLIC_ANSWER_CHARS, 4 * len(gold)):
        return False if _gold_readable_bounded(gold, timeout_s) else None
    return run_bounded(_symbolic_match, (gold, answer), timeout_s, default=False)


class AccuracyReward:
    """1.0 when the single `<answer>` block holds the gold answer, 0.0 otherwise (an answer outside the tags does
    not count), None when the gold answer is unreadable. Needs the dataset's `solution` column."""

    required_columns = ("solution",)

    def __init__(self, response_format: ResponseFormat = TAG_FORMAT, timeout_s: float = 5.0):
        self.response_format = response_format
        self.timeout_s = float(timeout_s)
        self.__name__ = "accuracy"

    def __repr__(self) -> str:
        return f"AccuracyReward(response_format={self.response_format!r}, timeout_s={self.timeout_s})"

    def __call__(self, completions: list[Any], solution: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        if solution is None:
            raise ValueError(
                "accuracy reward needs a 'solution' column with the gold answers; the dataset passed none"
            )
        scores: list[float | None] = []
        for completion, gold in zip(completions, solution, strict=True):
            try:
                answer = extract_answer(completion_text(completion), self.response_format)
                match = answers_match(gold, answer, self.timeout_s)
            except Exception:  # a reward must never take training down; an unreadable answer scores 0
                logger.exception("accuracy check failed on a completion; scoring it 0")
                match = False
            scores.append(None if match is None else float(match))
        return scores


accuracy_reward = AccuracyReward()
