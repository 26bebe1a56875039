"""`code_format`: the response shape with a fenced code block of the expected language in the answer, open-r1's
`get_code_format_reward`. A format check only: nothing in the completion is run.

The shape is open-r1's, newlines included: the text starts with `<think>\\n`, the reasoning ends with
`\\n</think>\\n<answer>\\n`, and `\\n</answer>` ends the text or a line of it. On top of that each of the four tags
appears exactly once (a repeated or nested block is refused) and neither block is blank. The check is a few
`str.count` and `str.find` scans, linear in the text: open-r1's lazy regex backtracks on long hostile completions.
"""

from __future__ import annotations

from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from .base import Reward

__all__ = ["CodeFormatReward", "has_code_block", "open_r1_blocks"]

FENCE = "```"


def open_r1_blocks(text: str, response_format: ResponseFormat = TAG_FORMAT) -> tuple[str, str] | None:
    """(reasoning, answer) when `text` has open-r1's response shape with each tag once and both blocks non-blank,
    else None. The blocks are returned as written, without the newlines that frame them."""
    fmt = response_format
    if not isinstance(text, str) or any(text.count(tag) != 1 for tag in fmt.tags):
        return None
    head = f"{fmt.think_open}\n"
    middle = f"\n{fmt.think_close}\n{fmt.answer_open}\n"
    tail = f"\n{fmt.answer_close}"
    if not text.startswith(head):
        return None
    # Searched from the end of `head`: `<think>\n</think>` has only one newline between the tags, not two.
    split = text.find(middle, len(head))
    if split < 0:
        return None
    answer_start = split + len(middle)
    end = text.find(tail, answer_start)
    # open-r1 matches with re.MULTILINE, so its closing `$` also accepts the end of a line: text may follow.
    if end < 0 or not (end + len(tail) == len(text) or text[end + len(tail)] == "\n"):
        return None
    reasoning, answer = text[len(head) : split], text[answer_start:end]
    return (reasoning, answer) if reasoning.strip() and answer.strip() else None


def has_code_block(answer: str, language: str) -> bool:
    """Whether `answer` holds ```` ```language ```` followed later by a closing ```` ``` ````. The language is a
    prefix, as in open-r1 (```` ```javascript ```` counts for "java")."""
    opening = f"{FENCE}{language}"
    start = answer.find(opening)
    return start >= 0 and answer.find(FENCE, start + len(opening)) >= 0


class CodeFormatReward(Reward):
    """1.0 when the completion has open-r1's response shape (see the module doc) and its answer block holds a fenced
    code block in `language`, else 0.0. A `language` column in the dataset overrides `language` row by row, as in
    open-r1, so one run can mix languages."""

    name = "code_format"

    def __init__(self, language: str = "python", response_format: ResponseFormat = TAG_FORMAT):
        super().__init__()
        if not isinstance(language, str) or not language or any(c.isspace() for c in language):
            raise ValueError(f"code_format: language must be a non-empty word such as 'python', got {language!r}")
        self.language = language
        self.response_format = response_format

    def score(self, text: str, **row: Any) -> float:
        # Present in the row means present in the dataset: open-r1 then uses the column's value as it is.
        language = row["language"] if "language" in row else self.language
        blocks = open_r1_blocks(text, self.response_format)
        return 1.0 if blocks is not None and has_code_block(blocks[1], f"{language}") else 0.0
