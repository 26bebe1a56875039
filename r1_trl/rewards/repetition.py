"""`repetition_penalty`: the share of repeated word n-grams, scaled to a penalty (open-r1's definition).

Chinese has no spaces to split on, and a segmenter such as jieba is an extra package with a dictionary download;
`segment` instead makes every CJK ideograph its own token, which is enough to see a phrase repeated.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Reward

__all__ = ["LANGUAGES", "RepetitionPenaltyReward", "segment"]

LANGUAGES = ("en", "zh")

# CJK Unified Ideographs and their extensions, the compatibility blocks, and 〇 (U+3007, the ideographic zero).
_CJK_RANGES = (
    "\u3007",
    "\u3400-\u4dbf",
    "\u4e00-\u9fff",
    "\uf900-\ufaff",
    "\U00020000-\U0002a6df",
    "\U0002a700-\U0002ebef",
    "\U0002ebf0-\U0002ee5f",
    "\U0002f800-\U0002fa1f",
    "\U00030000-\U000323af",
)
_CJK = "".join(_CJK_RANGES)
# One ideograph, or a run of letters and digits that are not ideographs (`[^\W_]` is what str.isalnum accepts).
# Single character classes with no nesting: the scan cannot backtrack.
_ZH_TOKEN_RE = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def segment(text: str, language: str = "en") -> list[str]:
    """The lower-cased words of `text`: split on whitespace for "en" (open-r1's `text.lower().split()`), and for
    "zh" each CJK ideograph alone plus runs of other letters and digits, punctuation and whitespace dropped."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known languages: {', '.join(LANGUAGES)}")
    if not isinstance(text, str):
        return []
    if language == "en":
        return text.lower().split()
    # Lower-cased after splitting: lowering first can turn a letter into letter + combining mark ("İ"), a split.
    return [token.lower() for token in _ZH_TOKEN_RE.findall(text)]


class RepetitionPenaltyReward(Reward):
    """(1 − unique n-grams / all n-grams) × max_penalty over the words of the completion: 0 for no repetition,
    `max_penalty` in the limit of one n-gram repeated throughout. 0 for a completion shorter than one n-gram."""

    name = "repetition_penalty"

    def __init__(self, ngram_size: int = 3, max_penalty: float = -1.0, language: str = "en"):
        super().__init__()
        if isinstance(ngram_size, bool) or not isinstance(ngram_size, int) or ngram_size < 1:
            raise ValueError(f"repetition_penalty: ngram_size must be an integer >= 1, got {ngram_size!r}")
        if not max_penalty <= 0:
            raise ValueError(f"repetition_penalty: max_penalty must be <= 0 (a penalty), got {max_penalty!r}")
        if language not in LANGUAGES:
            raise ValueError(
                f"repetition_penalty: unknown language {language!r}; known languages: {', '.join(LANGUAGES)}"
            )
        self.ngram_size = ngram_size
        self.max_penalty = float(max_penalty)
        self.language = language

    def score(self, text: str, **row: Any) -> float:
        words = segment(text, self.language)
        n = self.ngram_size
        total = len(words) - n + 1
        if total < 1:
            return 0.0
        # n shifted views of equal length, zipped in C: the i-th tuple is the n-gram starting at word i.
        unique = len(set(zip(*(words[i : i + total] for i in range(n)), strict=True)))
        penalty = (1.0 - unique / total) * self.max_penalty
        # No repetition gives -0.0, which reads as a penalty in logs.
        return penalty if penalty else 0.0
