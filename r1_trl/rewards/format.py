"""`format`: is the completion exactly the response shape the template asks for?"""

from __future__ import annotations

from typing import Any

from ..templates import TAG_FORMAT, ReadableFormat, ResponseFormat
from .base import Reward

__all__ = ["FormatReward"]


class FormatReward(Reward):
    """1.0 for one non-empty `<think>` block followed by one non-empty `<answer>` block and nothing else, else 0.0.

    By default any whitespace, or none, between and around the blocks: the R1-Zero template shows
    `<think> ... </think> <answer> ... </answer>` with spaces. `strict=True` wants the newlines `render` writes
    (`<think>\\n...\\n</think>\\n<answer>\\n...\\n</answer>`) and is registered as `format_strict`, so both can be
    logged side by side. The readable format follows the same rule through its own `parse`.
    """

    name = "format"

    def __init__(self, response_format: ResponseFormat | ReadableFormat = TAG_FORMAT, strict: bool = False):
        super().__init__()
        self.response_format = response_format
        self.strict = bool(strict)
        self.__name__ = "format_strict" if self.strict else "format"

    def score(self, text: str, **row: Any) -> float:
        return 1.0 if self.response_format.parse(text, self.strict) is not None else 0.0
