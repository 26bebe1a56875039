"""A deterministic rule-based refiner that turns R1-Zero completions into readable cold-start responses.

DeepSeek-R1 collects part of its cold-start data by taking DeepSeek-R1-Zero outputs and refining them into a
readable format; the paper has human annotators do that post-processing. No annotators come with this project, so for
its embedded arithmetic task (`r1_trl.data.arithmetic`) this module is the honest stand-in: it reads the arithmetic
steps out of a messy, possibly language-mixed completion, keeps only those that check out exactly, and rewrites them
in the corpus's own style in the question's language:

    ummm... 3 乘以 4... 得到 12... 然後加上 2... 14   ->   |special_token|
                                                         首先 3 * 4 = 12。然後 12 + 2 = 14。
                                                         |special_token|
                                                         14

It only rewrites work the completion shows. It never adds a step, never fixes one, and never invents a number: a
completion whose checked steps do not reach the final answer, or that uses an operand found neither in the question
nor in an earlier step's result, cannot be refined (None). It handles this task's vocabulary only, not general text.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from ..templates import READABLE_FORMAT, TAG_FORMAT, ReadableFormat, ResponseFormat
from .arithmetic import CONNECTIVES, Problem

__all__ = ["MAX_STEPS", "RuleBasedRefiner", "extract_steps", "refine"]

logger = logging.getLogger(__name__)

Step = tuple[int, str, int, int]
Token = tuple[str, int | str | None]

# A readable response is short; a completion with more checked steps than this is a loop, not a solution.
MAX_STEPS = 64
# Longer digit runs cannot be an operand of this task, and int() of a huge digit string is slow (and raises past
# Python's 4300-digit limit), so they become unusable numbers instead.
_MAX_DIGITS = 18
# No operator word is longer; longer letter runs are skipped without lowercasing them.
_MAX_WORD = 12

# Token kinds. NUM carries an int, or None for a number no step may use (a decimal, an absurdly long digit run).
NUM, OP, EQ, TO, FROM, BY = "num", "op", "eq", "to", "from", "by"
_LINKS = (TO, FROM, BY)

# One alternation of literals and simple character classes, tried once per position: linear in the text, with no
# nested quantifier to backtrack on. A decimal is matched whole so that `2.2 + 3 = 5.2` cannot pass for
# `2 + 3 = 5`. Longer Chinese words come before their prefixes (加上 before 加) because alternation is ordered.
_TOKEN_RE = re.compile(
    r"(?P<num>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<zh>加上|加|減去|減|减去|减|乘以|乘|除以|得到|等於|等于|是)"
    r"|(?P<sym>[-+*/×÷=])"
)
_SYMBOLS = {"+": (OP, "+"), "-": (OP, "-"), "*": (OP, "*"), "×": (OP, "*"), "/": (OP, "/"), "÷": (OP, "/")}
_SYMBOLS["="] = (EQ, None)
_WORDS = {
    **dict.fromkeys(("plus", "add", "adds", "added", "adding"), (OP, "+")),
    **dict.fromkeys(("minus", "subtract", "subtracts", "subtracted", "subtracting"), (OP, "-")),
    **dict.fromkeys(("times", "x", "multiply", "multiplied", "multiplying"), (OP, "*")),
    **dict.fromkeys(("divide", "divided", "dividing"), (OP, "/")),
    **dict.fromkeys(("is", "gives", "equals", "equal", "get", "gets", "makes"), (EQ, None)),
    # Kept as tokens because they fix operand order: `subtract 3 from 12` is 12 - 3, `divide 12 by 3` is 12 / 3.
    "to": (TO, None),
    "from": (FROM, None),
    "by": (BY, None),
}
_ZH_WORDS = {
    **dict.fromkeys(("加上", "加"), (OP, "+")),
    **dict.fromkeys(("減去", "減", "减去", "减"), (OP, "-")),
    **dict.fromkeys(("乘以", "乘"), (OP, "*")),
    "除以": (OP, "/"),
    **dict.fromkeys(("得到", "等於", "等于", "是"), (EQ, None)),
}
# Which link word may sit between an operator and its right operand, and whether it swaps the operands when the
# verb comes first (`add 2 to 12` is 12 + 2, `multiply 3 by 4` is 3 * 4).
_LINK_OPS = {TO: ("+",), FROM: ("-",), BY: ("*", "/")}
_PREFIX_SWAPS = {TO: True, FROM: True, BY: False}


def _classify(match: re.Match[str]) -> Token | None:
    group = match.lastgroup
    text = match.group()
    if group == "num":
        if "." in text or len(text) > _MAX_DIGITS:
            return (NUM, None)
        return (NUM, int(text))
    if group == "word":
        return _WORDS.get(text.lower()) if len(text) <= _MAX_WORD else None
    if group == "zh":
        return _ZH_WORDS[text]
    return _SYMBOLS[text]


def _tokens(text: str) -> Iterator[Token]:
    """The text as numbers, operators and link words; everything else (filler, punctuation, tags) is dropped.

    Runs of result markers and `to` merge into one token, so `is equal to 14` and `to get 14` each put a single
    marker before the result and the patterns below stay a fixed, small number of tokens long.
    """
    pending: str | None = None
    for match in _TOKEN_RE.finditer(text):
        token = _classify(match)
        if token is None:
            continue
        kind = token[0]
        if kind in (EQ, TO):
            pending = kind if pending is None or pending == kind else EQ
            continue
        if pending is not None:
            yield (pending, None)
            pending = None
        yield token
    if pending is not None:
        yield (pending, None)


class _Window:
    """A bounded look-ahead over the token stream: the tokens are never all held at once, so a huge input costs
    time in proportion to its length and almost no memory."""

    def __init__(self, tokens: Iterator[Token]) -> None:
        self._tokens = tokens
        self._buffer: deque[Token] = deque()
        self._done = False

    def peek(self, k: int) -> Token | None:
        while len(self._buffer) <= k and not self._done:
            token = next(self._tokens, None)
            if token is None:
                self._done = True
            else:
                self._buffer.append(token)
        return self._buffer[k] if k < len(self._buffer) else None

    def pop(self, n: int) -> None:
        for _ in range(n):
            self._buffer.popleft()


def _kind(token: Token | None) -> str | None:
    return token[0] if token is not None else None


def _number(token: Token | None) -> int | None:
    return token[1] if token is not None and token[0] == NUM else None


def _result(window: _Window, at: int) -> tuple[int, int] | None:
    """(result, tokens used up to and including it) for a result that starts at `at`, marker optional."""
    # `to` alone also leads to a result: `3 times 4 comes to 12`.
    if _kind(window.peek(at)) in (EQ, TO):
        at += 1
    r = _number(window.peek(at))
    return (r, at + 1) if r is not None else None


def _match_infix(window: _Window) -> tuple[Step, int] | None:
    """`a op [link] b [=] r`: `3 * 4 = 12`, `3 multiplied by 4 is 12`, `3 subtracted from 12 gives 9`."""
    a, op = _number(window.peek(0)), window.peek(1)
    if a is None or _kind(op) != OP:
        return None
    at, link = 2, _kind(window.peek(2))
    if link in _LINKS:
        if op[1] not in _LINK_OPS[link]:
            return None
        at = 3
    b = _number(window.peek(at))
    found = _result(window, at + 1) if b is not None else None
    if found is None:
        return None
    r, used = found
    x, y = (b, a) if link == FROM else (a, b)
    return (x, op[1], y, r), used


def _match_prefix(window: _Window) -> tuple[Step, int] | None:
    """`op x link y [=] r` with the verb first: `add 2 to 12 gives 14`, `divide 12 by 3 to get 4`."""
    op, x, link = window.peek(0), _number(window.peek(1)), _kind(window.peek(2))
    if x is None or link not in _LINKS or op[1] not in _LINK_OPS[link]:
        return None
    y = _number(window.peek(3))
    found = _result(window, 4) if y is not None else None
    if found is None:
        return None
    r, used = found
    a, b = (y, x) if _PREFIX_SWAPS[link] else (x, y)
    return (a, op[1], b, r), used


def _match_continuation(window: _Window, previous: int) -> tuple[Step, int] | None:
    """`op b [=] r` with the left operand left out (`然後加上 2... 14`): it is the previous step's result."""
    op, b = window.peek(0), _number(window.peek(1))
    found = _result(window, 2) if b is not None else None
    if found is None:
        return None
    r, used = found
    return (previous, op[1], b, r), used


def _checks_out(step: Step) -> bool:
    """Exact integer arithmetic in the task's own rules: no negative differences, no remainders."""
    a, op, b, r = step
    if op == "+":
        return a + b == r
    if op == "-":
        return a >= b and a - b == r
    if op == "*":
        return a * b == r
    return b != 0 and a % b == 0 and a // b == r


def _iter_steps(text: str) -> Iterator[Step]:
    window = _Window(_tokens(text))
    previous_token: Token | None = None
    previous_is_result = False
    last_result: int | None = None
    while (token := window.peek(0)) is not None:
        found = None
        if token[0] == NUM:
            found = _match_infix(window)
        elif token[0] == OP:
            found = _match_prefix(window)
            # A left operand is only taken as left out when no number stands right before the operator, or the
            # number there is the previous result itself. Otherwise `5 + 2 = 14` after a step giving 12 would be
            # re-read as `12 + 2 = 14`, work the completion never wrote.
            left_out = _kind(previous_token) != NUM or previous_is_result
            if found is None and last_result is not None and left_out:
                found = _match_continuation(window, last_result)
        if found is not None and _checks_out(found[0]):
            step, used = found
            yield step
            last_result = step[3]
            previous_token, previous_is_result = window.peek(used - 1), True
            window.pop(used)
        else:
            previous_token, previous_is_result = token, False
            window.pop(1)


def extract_steps(text: str) -> list[Step]:
    """The arithmetic steps (a, op, b, result) written in `text`, in order, keeping only those that check out.

    English or Chinese, symbols or words (`3 乘以 4 得到 12`, `12 divided by 3 is 4`, `subtract 3 from 12 gives 9`);
    the result may follow a marker (`=`, `is`, `得到`, ...) or simply be the next number. A step whose left operand
    is left out (`然後加上 2... 14`) continues from the previous step's result. A wrong step is dropped, not fixed.
    One pass over the text; any string is accepted and none raises.
    """
    if not isinstance(text, str):
        return []
    return list(_iter_steps(text))


def _final_number(value: str | int | None) -> int | None:
    """The integer an answer states: a bare integer, else the last number written (`答案是 14。`, `\\boxed{14}`)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    # A one-slot deque keeps only the last match, so a huge answer costs no memory.
    last = deque(re.finditer(r"-?[0-9]+(?:\.[0-9]+)?", value), maxlen=1)
    if not last:
        return None
    text = last[0].group()
    if "." in text or len(text.lstrip("-")) > _MAX_DIGITS:
        return None
    return int(text)


def _split_completion(text: str) -> tuple[str, str | None]:
    """(reasoning, the completion's own answer or None): the think block when there is one, else the whole text."""
    parsed = TAG_FORMAT.parse(text)
    if parsed is not None:
        return parsed
    opening, closing = TAG_FORMAT.think_open, TAG_FORMAT.think_close
    start = text.find(opening)
    end = text.find(closing, start + len(opening) if start != -1 else 0)
    if start == -1 and end == -1:
        return text, TAG_FORMAT.answer_span(text)
    # A truncated completion has no closing tag, and a prefilled one (`<think>\n` written by the chat template)
    # no opening tag; what is between is still the reasoning.
    begin = start + len(opening) if start != -1 else 0
    return text[begin : end if end != -1 else len(text)], TAG_FORMAT.answer_span(text)


def _grounded(steps: list[Step], question: str) -> bool:
    """Whether every operand is a number of the question or the result of an earlier step."""
    known = {value for token in _tokens(question) if (value := _number(token)) is not None}
    for a, _, b, r in steps:
        if a not in known or b not in known:
            return False
        known.add(r)
    return True


def refine(
    text: str,
    question: str,
    lang: str,
    answer: str | int | None = None,
    response_format: ResponseFormat | ReadableFormat = READABLE_FORMAT,
) -> str | None:
    """An R1-Zero completion rewritten as a clean response in `lang` only, or None when it cannot be refined.

    The steps come from the think block of a tagged completion, else from the whole text, and are rendered with
    the corpus's own connectives (`首先 3 * 4 = 12。然後 12 + 2 = 14。`) whatever language the completion drifted
    into. The summary is the final answer as a bare number: `answer` when given, else the completion's `<answer>`,
    else the last step's result. None when no step checks out, when the last step's result is not the final
    answer, when an operand appears neither in `question` nor in an earlier result, or when there are more than
    `MAX_STEPS` steps. Raises ValueError for a language the task has no connectives for.
    """
    if lang not in CONNECTIVES:
        raise ValueError(f"cannot refine into language {lang!r}; known languages: {', '.join(sorted(CONNECTIVES))}")
    if not isinstance(text, str) or not isinstance(question, str):
        return None
    reasoning, own_answer = _split_completion(text)
    steps = extract_steps(reasoning)
    if not steps:
        logger.debug("not refined: no step checks out")
        return None
    if len(steps) > MAX_STEPS:
        logger.debug("not refined: %d steps is a loop, not a readable solution", len(steps))
        return None
    if answer is not None:
        final = _final_number(answer)
    elif own_answer is not None:
        final = _final_number(own_answer)
    else:
        final = steps[-1][3]
    if final is None or steps[-1][3] != final:
        logger.debug("not refined: the steps end at %d, the final answer is %r", steps[-1][3], final)
        return None
    if not _grounded(steps, question):
        logger.debug("not refined: an operand comes from neither the question nor an earlier step")
        return None
    # The corpus's own chain writer, so refined responses and the corpus can never differ in style.
    chain = Problem(expression="", answer=final, steps=tuple(steps), difficulty=len(steps)).chain(lang)
    return response_format.render(chain, str(final))


@dataclass(frozen=True)
class RuleBasedRefiner:
    """`refiner(completion, row)`: `refine` for a dataset row with `prompt` (the bare question), `lang` and
    optionally `solution`. A plain frozen dataclass so it pickles into dataset-map worker processes."""

    response_format: ResponseFormat | ReadableFormat = READABLE_FORMAT

    # Read through instances (the class keeps its own name, which pickling needs): names it in logs and reports
    # the way reward functions are named.
    __name__ = "rule_based"

    def __call__(self, completion: str, row: dict) -> str | None:
        return refine(
            completion,
            row["prompt"],
            row.get("lang") or "en",
            row.get("solution"),
            response_format=self.response_format,
        )
