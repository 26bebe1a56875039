"""`format`: is the completion exactly the response shape the template asks for?"""

from __future__ import annotations

import logging
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from ._text import completion_text

__all__ = ["FormatReward", "format_reward"]

logger = logging.getLogger(__name__)


class FormatReward:
    """1.0 for one non-empty `<think>` block followed by one non-empty `<answer>` block and nothing else, else 0.0.

    Strict by default (the newlines exactly as the template shows them); `lenient=True` takes any whitespace and
    is registered as `format_lenient`, so both can be logged side by side.
    """

    def __init__(self, response_format: ResponseFormat = TAG_FORMAT, lenient: bool = False):
        self.response_format = response_format
        self.lenient = bool(lenient)
        self.__name__ = "format_lenient" if self.lenient else "format"

    def __repr__(self) -> str:
        return f"FormatReward(response_format={self.response_format!r}, lenient={self.lenient})"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [self._score(completion_text(c)) for c in completions]

    def _score(self, text: str) -> float:
        try:
            return 1.0 if self.response_format.parse(text, self.lenient) is not None else 0.0
        except Exception:  # a reward must never take training down
            logger.exception("format check failed on a completion; scoring it 0")
            return 0.0


format_reward = FormatReward()
