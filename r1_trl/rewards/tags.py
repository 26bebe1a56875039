"""Shaping rewards that read the surface of a completion: `tag_count` (partial credit for the response tags) and
`reasoning_steps` (how many step markers the reasoning shows)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from .base import Reward

__all__ = ["DEFAULT_STEP_MARKERS", "ReasoningStepsReward", "TagCountReward", "count_markers"]

# Marker notation: a literal string, except that `{n}` stands for one or more decimal digits (regex `\d`, as in
# open-r1), `{zh_n}` for one or more Chinese numerals or decimal digits, and a leading `^` anchors the marker to
# the start of the text (open-r1's `^\d+\.` runs without MULTILINE, so it only ever matches there).
_DIGITS = "{n}"
_ZH_DIGITS = "{zh_n}"
_ZH_NUMERALS = "〇零一二三四五六七八九十百千两兩"

# The first eight are open-r1's `(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)` in its order. The
# Chinese ones share no character with them, so English text counts exactly as it does in open-r1.
DEFAULT_STEP_MARKERS: tuple[str, ...] = (
    "Step {n}:",
    "^{n}.",
    "\n-",
    "\n*",
    "First,",
    "Second,",
    "Next,",
    "Finally,",
    "首先",
    "其次",
    "然後",
    "然后",
    "接著",
    "接着",
    "最後",
    "最后",
    "第{zh_n}步",
)


def _marker_regex(marker: str) -> str:
    anchored = marker.startswith("^")
    body = marker[1:] if anchored else marker
    parts: list[str] = []
    rest = body
    while rest:
        cut = min((i for i in (rest.find(_DIGITS), rest.find(_ZH_DIGITS)) if i >= 0), default=-1)
        if cut < 0:
            parts.append(re.escape(rest))
            break
        parts.append(re.escape(rest[:cut]))
        if rest.startswith(_DIGITS, cut):
            parts.append(r"\d+")
            rest = rest[cut + len(_DIGITS) :]
        else:
            parts.append(f"[\\d{_ZH_NUMERALS}]+")
            rest = rest[cut + len(_ZH_DIGITS) :]
    pattern = "".join(parts)
    if anchored:
        return r"\A" + pattern
    # A run is only tried from its first character: trying every digit of a long run, each attempt scanning to
    # the run's end, is quadratic. The leftmost match starts there anyway, since the run can stretch to any end.
    if body.startswith(_DIGITS):
        return r"(?<!\d)" + pattern
    if body.startswith(_ZH_DIGITS):
        return f"(?<![\\d{_ZH_NUMERALS}])" + pattern
    return pattern


@functools.lru_cache(maxsize=64)
def _compiled(markers: tuple[str, ...]) -> re.Pattern[str]:
    # One alternation in marker order: leftmost non-overlapping matches, the first marker winning a tie, exactly
    # as `re.findall` counts open-r1's pattern. Every branch is a literal or a bounded digit run, so the scan is
    # linear in the text.
    return re.compile("|".join(f"(?:{_marker_regex(m)})" for m in markers))


def count_markers(text: str, markers: tuple[str, ...] = DEFAULT_STEP_MARKERS) -> int:
    """How many non-overlapping step markers `text` holds (see the module's marker notation)."""
    if not isinstance(text, str) or not text:
        return 0
    return sum(1 for _ in _compiled(tuple(markers)).finditer(text))


class TagCountReward(Reward):
    """0.25 for each of the four response tags that appears exactly once, anywhere: partial credit on the way to
    the full format, so a policy that has not found the whole shape yet still sees a gradient."""

    name = "tag_count"

    def __init__(self, response_format: ResponseFormat = TAG_FORMAT):
        super().__init__()
        self.response_format = response_format

    def score(self, text: str, **row: Any) -> float:
        # Each distinct tag must appear as often as the format uses it: once per R1-Zero tag, twice for the
        # readable format's separator.
        expected = Counter(self.response_format.tags)
        return sum(text.count(tag) == n for tag, n in expected.items()) / len(expected)


class ReasoningStepsReward(Reward):
    """min(1, n / target) for n step markers ("Step 1:", "First,", a bulleted line, 首先, 第二步, ...).

    `markers` replaces the default set (`DEFAULT_STEP_MARKERS`, open-r1's English markers plus Chinese ones); extend
    it with `DEFAULT_STEP_MARKERS + ("Then,",)`. Markers are literals with `{n}`, `{zh_n}` and a leading `^` as
    described at the top of this module, never user regexes, so no marker set can make the scan backtrack.
    """

    name = "reasoning_steps"

    def __init__(self, markers: tuple[str, ...] | None = None, target: int = 3):
        super().__init__()
        markers = DEFAULT_STEP_MARKERS if markers is None else tuple(markers)
        if not markers or not all(isinstance(m, str) and m.strip("^") for m in markers):
            raise ValueError(f"reasoning_steps markers must be non-empty strings, got {markers!r}")
        if isinstance(target, bool) or not isinstance(target, int) or target < 1:
            raise ValueError(f"reasoning_steps target must be an integer >= 1, got {target!r}")
        self.markers = markers
        self.target = target

    def score(self, text: str, **row: Any) -> float:
        return min(1.0, count_markers(text, self.markers) / self.target)
