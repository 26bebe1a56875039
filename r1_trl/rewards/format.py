"""`format`: is the completion exactly the response shape the template asks for?"""

from __future__ import annotations

from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from .base import Reward

__all__ = ["FormatReward"]


class FormatReward(Reward):
    """1.0 for one non-empty `<think>` block followed by one non-empty `<answer>` block and nothing else, else 0.0.

    Strict by default (the newlines exactly as the template shows them); `lenient=True` takes any whitespace and
    is registered as `format_lenient`, so both can be logged side by side.
    """

    name = "format"

    def __init__(self, response_format: ResponseFormat = TAG_FORMAT, lenient: bool = False):
        super().__init__()
        self.response_format = response_format
        self.lenient = bool(lenient)
        self.__name__ = "format_lenient" if self.lenient else "format"

    def score(self, text: str, **row: Any) -> float:
        return 1.0 if self.response_format.parse(text, self.lenient) is not None else 0.0
