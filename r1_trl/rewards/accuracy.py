"""`accuracy`: is the completion's answer the gold answer? Exact for numbers, math-verify (gold first) for LaTeX."""

from __future__ import annotations

import functools
from typing import Any

from ..templates import TAG_FORMAT, ReadableFormat, ResponseFormat
from ._text import completion_text, last_boxed, last_number, parse_number
from ._timeout import run_bounded
from .base import Reward

__all__ = ["AccuracyReward", "answers_match", "extract_answer", "log_length_by_outcome"]

# A real answer is short; a long one is a hack or a ramble, and symbolic parsing of it only burns the time bound.
MAX_SYMBOLIC_ANSWER_CHARS = 1000
_MATH_DELIMITERS = ("$", "\\(", "\\[", "\\boxed")


def extract_answer(
    text: str, response_format: ResponseFormat | ReadableFormat = TAG_FORMAT, require_tags: bool = True
) -> str | None:
    """The answer a completion gives: the content of its single `<answer>` block (the last `\\boxed{}` in it if
    any), or, when `require_tags` is off and there is no answer tag at all, the last `\\boxed{}` anywhere.

    None when there is no answer, when it is empty, or when the completion has several answer blocks or stray
    answer tags (several answers are a known reward hack). Reasoning tags left inside the answer are stripped.
    """
    if not isinstance(text, str):
        return None
    if response_format.marks_answer(text):
        span = response_format.answer_span(text)
        if span is None:
            return None
    elif require_tags:
        # The template asked for tags: a right number outside them is not an answer.
        return None
    else:
        span = last_boxed(text)
        if span is None:
            return None
    boxed = last_boxed(span)
    answer = boxed if boxed is not None else span
    if boxed is None and getattr(response_format, "answer_in_prose", False) and parse_number(answer) is None:
        # A readable summary states its answer in a sentence ("The answer is 14."); its last number is the answer.
        answer = last_number(answer) or answer
    for tag in response_format.tags:
        answer = answer.replace(tag, " ")
    return answer.strip() or None


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


def log_length_by_outcome(log_metric: Any, scores: list[float | None], lengths: list[int]) -> None:
    """Log `length/correct` and `length/incorrect`: mean token length of the completions scored 1 and 0."""
    for name, outcome in (("length/correct", 1.0), ("length/incorrect", 0.0)):
        picked = [n for s, n in zip(scores, lengths, strict=True) if s == outcome]
        if picked:
            log_metric(name, sum(picked) / len(picked))


class AccuracyReward(Reward):
    """1.0 when the completion's answer is the gold answer, 0.0 otherwise, None when the gold answer is unreadable.

    The answer is the single `<answer>` block's content (or its last `\\boxed{}`); with `require_tags=False`, for
    templates that do not ask for tags, a completion without answer tags is judged by its last `\\boxed{}`.
    Needs the dataset's `solution` column.
    """

    name = "accuracy"
    required_columns = ("solution",)

    def __init__(
        self, response_format: ResponseFormat = TAG_FORMAT, timeout_s: float = 5.0, require_tags: bool = True
    ):
        super().__init__()
        if timeout_s <= 0:
            raise ValueError(f"accuracy: timeout_s must be positive, got {timeout_s}")
        self.response_format = response_format
        self.timeout_s = float(timeout_s)
        self.require_tags = bool(require_tags)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        scores = super().__call__(completions, **kwargs)
        log_metric, ids = kwargs.get("log_metric"), kwargs.get("completion_ids")
        solutions = kwargs.get("solution")
        if callable(log_metric) and ids is not None and solutions is not None and len(ids) == len(scores):
            # The paper's Figure 3 plots length by step; split by outcome it shows whether *right* answers grew,
            # and the format-free accuracy shows reasoning apart from the format the other rewards teach.
            texts = [completion_text(c) for c in completions]
            log_length_by_outcome(log_metric, scores, [len(i) for i in ids])
            lenient = [answers_match(g, last_number(t)) for g, t in zip(solutions, texts, strict=True)]
            known = [float(x) for x in lenient if x is not None]
            if known:
                log_metric("accuracy_lenient", sum(known) / len(known))
            # Completions that write out an equation: whether the policy reasons step by step or answers directly,
            # the mode R1-Zero's length growth comes from.
            log_metric("equation_share", sum("=" in t for t in texts) / len(texts))
        return scores

    def score(self, text: str, solution: Any = None, **row: Any) -> float | None:
        answer = extract_answer(text, self.response_format, self.require_tags)
        match = answers_match(solution, answer, self.timeout_s)
        return None if match is None else float(match)
