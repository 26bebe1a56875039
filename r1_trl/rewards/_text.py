"""Text helpers shared by the rewards: the text of a completion, the last number in it, exact number parsing.

Everything here is plain string work on untrusted model output: nothing is evaluated, every scan is bounded, and
no function raises on any string.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

__all__ = ["completion_text", "last_boxed", "last_number", "parse_number"]

# An answer is a number someone wrote down; anything longer is not one, and Fraction on a huge digit string is slow.
MAX_NUMBER_CHARS = 100
# Far enough back to find the last number of any real completion, short enough that a hostile one costs nothing.
LAST_NUMBER_WINDOW = 2000
BOXED_SCAN_CHARS = 10_000

_BOXED = "\\boxed{"
# Thousands separators only in groups of three: `1,234` is a number, `1,2` is a list.
_NUMBER = r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:\s*/\s*[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER)
_DECIMAL_RE = re.compile(r"[-+]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)")
# Unicode minus signs and dashes models write for a negative sign.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


def completion_text(completion: Any) -> str:
    """The text of a completion as TRL passes it: a string, or a conversation whose last assistant message holds it.

    Content given as a list of parts (`[{"type": "text", "text": ...}]`) is joined; anything unreadable is ''.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content_text(completion.get("content"))
    if isinstance(completion, list | tuple):
        for message in reversed(completion):
            # Messages without a role come from hand-built lists; the completion is the model's turn either way.
            if isinstance(message, dict) and message.get("role", "assistant") == "assistant":
                return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}`, braces balanced; None when there is none or it never closes."""
    if not isinstance(text, str):
        return None
    start = text.rfind(_BOXED)
    if start < 0:
        return None
    begin = start + len(_BOXED)
    depth = 1
    for i in range(begin, min(len(text), begin + BOXED_SCAN_CHARS)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[begin:i]
    return None


def last_number(text: str | None) -> str | None:
    """The last integer, decimal or fraction written anywhere (`-3`, `2.5`, `1,234`, `1/2`): the lenient reading
    of an answer. None when there is no number."""
    if not isinstance(text, str) or not text:
        return None
    cut = max(0, len(text) - LAST_NUMBER_WINDOW)
    last = None
    for m in _NUMBER_RE.finditer(text, cut):
        last = m
    if last is None:
        return None
    if last.start() == cut and cut > 0:
        # The window may have cut the number in two; read it again from a little further back.
        for m in _NUMBER_RE.finditer(text, max(0, cut - MAX_NUMBER_CHARS)):
            last = m
    return re.sub(r"\s+", "", last.group(0))


def parse_number(s: str | None) -> Fraction | None:
    """The exact value of `14`, `-3`, `+2.5`, `.5`, `1,234`, `1/2`, `\\boxed{14}`, `$14$`, `14.`; None otherwise.

    Plain string parsing only: model text is never evaluated.
    """
    if not isinstance(s, str) or len(s) > MAX_NUMBER_CHARS:
        return None
    s = s.strip()
    boxed = last_boxed(s)
    if boxed is not None:
        s = boxed
    # Math delimiters and a sentence-final period (or the Chinese one) are punctuation, not part of the number.
    s = s.translate(_MINUS).strip().strip("$").strip().rstrip("。.").strip().strip("$").strip()
    if "/" in s:
        num, _, den = s.partition("/")
        den = den.strip()
        if den.startswith(("-", "+")):
            return None
        a, b = _parse_decimal(num.strip()), _parse_decimal(den)
        if a is None or b is None or b == 0:
            return None
        return a / b
    return _parse_decimal(s)


def _parse_decimal(s: str) -> Fraction | None:
    if not _DECIMAL_RE.fullmatch(s):
        return None
    try:
        return Fraction(s.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None
