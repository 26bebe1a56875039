"""`repetition_penalty`: the share of repeated word n-grams, scaled to a penalty (open-r1's definition).

Chinese has no spaces to split on. By default `segment` makes every CJK ideograph its own token, which is enough to
see a phrase repeated and gives the same numbers on every machine. `segmenter="jieba"` splits Chinese into words
with jieba instead, as open-r1 does (the `zh` extra installs it); where jieba is not installed it falls back to
per-ideograph tokens and says so once in the log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .base import Reward

__all__ = ["LANGUAGES", "SEGMENTERS", "RepetitionPenaltyReward", "jieba_words", "segment"]

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")
SEGMENTERS = ("char", "jieba")

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


# The jieba module once imported, or False once the import failed: a failed import searches the whole path again
# on every try, and this is asked once per completion.
_jieba: Any = None


def _import_jieba() -> Any | None:
    global _jieba
    if _jieba is None:
        try:
            import jieba
        except ImportError:
            _jieba = False
            logger.warning(
                "repetition_penalty: jieba is not installed (pip install 'r1-trl[zh]'), so Chinese is split into "
                "single ideographs instead of words; penalties differ from open-r1's"
            )
        else:
            _jieba = jieba
    return _jieba or None


def jieba_words(text: str) -> list[str] | None:
    """jieba's words of `text` exactly as open-r1 counts them (`list(jieba.cut(text))`: not lower-cased, spaces and
    punctuation kept as tokens), or None when jieba is not installed."""
    jieba = _import_jieba()
    if jieba is None:
        return None
    return list(jieba.cut(text)) if isinstance(text, str) else []


class RepetitionPenaltyReward(Reward):
    """(1 − unique n-grams / all n-grams) × max_penalty over the words of the completion: 0 for no repetition,
    `max_penalty` in the limit of one n-gram repeated throughout. 0 for a completion shorter than one n-gram.

    `segmenter` says how "zh" text is split: "char" (each ideograph a token, see `segment`) or "jieba" (jieba's
    words, as open-r1; per ideograph, with one logged warning, where jieba is not installed). "en" text is always
    split on whitespace.
    """

    name = "repetition_penalty"

    def __init__(self, ngram_size: int = 3, max_penalty: float = -1.0, language: str = "en", segmenter: str = "char"):
        super().__init__()
        if isinstance(ngram_size, bool) or not isinstance(ngram_size, int) or ngram_size < 1:
            raise ValueError(f"repetition_penalty: ngram_size must be an integer >= 1, got {ngram_size!r}")
        if not max_penalty <= 0:
            raise ValueError(f"repetition_penalty: max_penalty must be <= 0 (a penalty), got {max_penalty!r}")
        if language not in LANGUAGES:
            raise ValueError(
                f"repetition_penalty: unknown language {language!r}; known languages: {', '.join(LANGUAGES)}"
            )
        if segmenter not in SEGMENTERS:
            raise ValueError(
                f"repetition_penalty: unknown segmenter {segmenter!r}; known segmenters: {', '.join(SEGMENTERS)}"
            )
        self.ngram_size = ngram_size
        self.max_penalty = float(max_penalty)
        self.language = language
        self.segmenter = segmenter
        if language == "zh" and segmenter == "jieba":
            # Warn when the reward is built, not at the first batch, if jieba is missing.
            _import_jieba()

    def words(self, text: str) -> list[str]:
        if self.language == "zh" and self.segmenter == "jieba":
            words = jieba_words(text)
            if words is not None:
                return words
        return segment(text, self.language)

    def score(self, text: str, **row: Any) -> float:
        words = self.words(text)
        n = self.ngram_size
        total = len(words) - n + 1
        if total < 1:
            return 0.0
        # n shifted views of equal length, zipped in C: the i-th tuple is the n-gram starting at word i.
        unique = len(set(zip(*(words[i : i + total] for i in range(n)), strict=True)))
        penalty = (1.0 - unique / total) * self.max_penalty
        # No repetition gives -0.0, which reads as a penalty in logs.
        return penalty if penalty else 0.0
