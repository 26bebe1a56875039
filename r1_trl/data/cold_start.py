"""DeepSeek-R1 cold-start data: prompts that elicit readable long chains of thought, filters, resumable shards.

The paper builds its cold-start set three ways, kept apart here by `method`:

- `few_shot`: a base model continues k worked examples written in the readable format;
- `reflection`: a base model is asked to solve step by step and then verify, and shown examples that do;
- `refine`: R1-Zero outputs rewritten into the readable format (by a model or a rule-based refiner).

Every candidate goes through the same filters (`FILTERS`, in order): the readable format parses, the answer is
right, the chain of thought stays in one language, no paragraph is a wall of text, reflection examples really
verify, and nothing is kept twice. Generation is slow and gets killed, so it is written in fixed shards that a
rerun skips (`build_resumable`, on `r1_trl.data.shards`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..rewards import AccuracyReward, LanguageConsistencyReward
from ..templates import READABLE_FORMAT, ReadableFormat
from .arithmetic import CONNECTIVES, JOINER, Problem
from .filters import check_filter_bounds, dedup_check, paragraphs_within, run_filters
from .shards import RowShards, build_row_shards

__all__ = [
    "FEW_SHOT_PREFIX",
    "FILTERS",
    "LABELS",
    "METHODS",
    "REFLECTION_INSTRUCTIONS",
    "ColdStartExample",
    "ShardWriter",
    "apply_filters",
    "build_resumable",
    "exemplar_response",
    "few_shot_prompt",
    "has_verification",
    "mix_summary",
    "reflection_prompt",
    "response_from_continuation",
]

logger = logging.getLogger(__name__)

METHODS = ("few_shot", "reflection", "refine")
FILTERS = ("format", "correct", "language", "paragraph_length", "verification", "duplicate")
LANGS = ("en", "zh")

# Field labels of the plain-text prompts, in the question's language so the prompt never mixes languages.
LABELS = {
    "en": {"question": "Question:", "response": "Response:"},
    "zh": {"question": "問題:", "response": "回答:"},
}
# The prompt ends with the opening separator already written, so the model starts inside the reasoning instead of
# choosing (or not) to open the format; callers prepend this to the continuation.
FEW_SHOT_PREFIX = f"{READABLE_FORMAT.separator}\n"
REFLECTION_INSTRUCTIONS = {
    "en": (
        "Solve each problem step by step. Then verify the result by checking the last step again, "
        "and give the final answer after the reasoning."
    ),
    "zh": "請逐步解答每道題。然後再檢查最後一步以驗證結果,並在推理之後給出最終答案。",
}
VERIFY_LABEL = {"en": "Check:", "zh": "驗證:"}
_VERIFY_MARKERS = {
    # Matched case-insensitively: "verify", "Verified", "verification" all mark a check.
    "en": ("check:", "check\uff1a", "verif"),
    "zh": ("驗證", "验证", "檢查", "检查"),
}


@dataclass(frozen=True)
class ColdStartExample:
    """One cold-start candidate: the bare question and its readable-format response.

    `source` says where the response came from (the generator or R1-Zero checkpoint path, or `rule_based` for the
    rule-based refiner), so a bad batch can be traced and dropped after the fact.
    """

    prompt: str
    response: str
    lang: str
    solution: str
    method: str
    source: str

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"cold start: unknown method {self.method!r}; known: {', '.join(METHODS)}")

    def to_row(self) -> dict[str, Any]:
        """The SFT dataset row: a one-turn chat plus the columns the filters and the mix report read."""
        return {
            "messages": [
                {"role": "user", "content": self.prompt},
                {"role": "assistant", "content": self.response},
            ],
            "prompt": self.prompt,
            "solution": self.solution,
            "lang": self.lang,
            "method": self.method,
            "source": self.source,
        }

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColdStartExample:
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"cold start: example is missing {missing}; got keys {sorted(data)}")
        return cls(**{n: data[n] for n in names})


# ---------------------------------------------------------------------------------------------------------------
# Prompts


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"cold start: lang must be one of {LANGS}, got {lang!r}")


def has_verification(text: str) -> bool:
    """Whether the reasoning holds a verification (`Check:`, `verify`, `驗證`, `检查`, ...), in either language.

    `text` is a bare reasoning or a whole readable response; in a response only the reasoning counts, so a summary
    that merely says "verified" does not make a chain of thought reflective.
    """
    parsed = READABLE_FORMAT.parse(text)
    reasoning = parsed[0] if parsed is not None else text
    folded = reasoning.casefold()
    return any(marker in folded for markers in _VERIFY_MARKERS.values() for marker in markers)


def _verification(problem: Problem, lang: str) -> str:
    """A sentence that re-checks the last step by a different computation: the commuted sum or product, or the
    inverse operation for a difference or a quotient."""
    a, op, b, r = problem.steps[-1]
    check = {
        "+": f"{b} + {a} = {r}",
        "*": f"{b} * {a} = {r}",
        "-": f"{r} + {b} = {a}",
        "/": f"{r} * {b} = {a}",
    }[op]
    stop = CONNECTIVES[lang]["stop"]
    return f"{VERIFY_LABEL[lang]}{JOINER[lang]}{check}{stop}"


def exemplar_response(
    problem: Problem, lang: str, verify: bool = False, response_format: ReadableFormat = READABLE_FORMAT
) -> str:
    """A readable-format exemplar: the problem's worked chain as the reasoning, its answer as the summary; with
    `verify`, a sentence re-checking the last step ends the reasoning (`Check: 12 + 2 = 14.`). `response_format`
    sets the separator (the pre-training corpus writes worksheets with separators of their own)."""
    _check_lang(lang)
    if not problem.steps:
        raise ValueError(f"cold start: problem {problem.expression!r} has no steps to write a chain of thought for")
    reasoning = problem.chain(lang)
    if verify:
        reasoning = reasoning + JOINER[lang] + _verification(problem, lang)
    return response_format.render(reasoning, str(problem.answer))


def _shots(lang: str, exemplars: list[tuple[str, str]], response_format: ReadableFormat) -> list[str]:
    labels = LABELS[lang]
    if not exemplars:
        raise ValueError("cold start: a prompt needs at least one exemplar; a base model has nothing else to copy")
    blocks = []
    for question, response in exemplars:
        # An exemplar that is not itself well-formed teaches the model the wrong shape.
        if response_format.parse(response, strict=True) is None:
            raise ValueError(f"cold start: exemplar response is not in the prompt's format: {response[:200]!r}")
        blocks.append(f"{labels['question']} {question.strip()}\n{labels['response']} {response.strip()}")
    return blocks


def _open_question(question: str, lang: str, response_format: ReadableFormat) -> str:
    labels = LABELS[lang]
    return f"{labels['question']} {question.strip()}\n{labels['response']} {response_format.separator}\n"


def few_shot_prompt(
    question: str, lang: str, exemplars: list[tuple[str, str]], response_format: ReadableFormat = READABLE_FORMAT
) -> str:
    """A plain-text few-shot prompt for a base model (no chat template).

    Layout, with labels in the question's language (`問題:` / `回答:` for Chinese)::

        Question: What is 2 + 3?
        Response: |special_token|
        2 + 3 = 5.
        |special_token|
        5

        Question: <the new question>
        Response: |special_token|

    Blocks are separated by one blank line. The prompt ends right after `FEW_SHOT_PREFIX` (the opening separator
    and its newline), so the model's continuation is the rest of the response: `response_from_continuation`
    prepends the prefix and cuts the continuation where the model starts a next question. With another
    `response_format` (a separator the base has seen), the exemplars and the open response use its separator.
    """
    _check_lang(lang)
    return "\n\n".join([*_shots(lang, exemplars, response_format), _open_question(question, lang, response_format)])


def reflection_prompt(
    question: str, lang: str, exemplars: list[tuple[str, str]], response_format: ReadableFormat = READABLE_FORMAT
) -> str:
    """The "solve step by step, then verify" prompt: `REFLECTION_INSTRUCTIONS[lang]`, a blank line, then the
    few-shot layout of `few_shot_prompt`. Every exemplar's reasoning must verify its result (see
    `exemplar_response(..., verify=True)`), since the exemplars, more than the instruction, are what a base model
    copies."""
    _check_lang(lang)
    for _, response in exemplars:
        if not has_verification(response):
            raise ValueError(f"cold start: reflection exemplar does not verify its result: {response[:200]!r}")
    blocks = _shots(lang, exemplars, response_format)
    return "\n\n".join([REFLECTION_INSTRUCTIONS[lang], *blocks, _open_question(question, lang, response_format)])


def response_from_continuation(continuation: str, lang: str, response_format: ReadableFormat = READABLE_FORMAT) -> str:
    """The full response from a base model's continuation of a few-shot or reflection prompt: the opening separator
    plus the continuation up to the next `Question:` block the model starts on its own (or the end). Written with
    another `response_format`, a well-formed response is rewritten into the readable format; anything else is
    returned as it is, for the format filter to count."""
    _check_lang(lang)
    stop = continuation.find(f"\n\n{LABELS[lang]['question']}")
    text = f"{response_format.separator}\n" + (continuation if stop < 0 else continuation[:stop]).rstrip()
    if response_format == READABLE_FORMAT:
        return text
    parsed = response_format.parse(text, strict=True)
    return READABLE_FORMAT.render(*parsed) if parsed else text


# ---------------------------------------------------------------------------------------------------------------
# Filters


def _filter_checks(
    language_threshold: float, max_paragraph_chars: int
) -> list[tuple[str, Callable[[ColdStartExample], bool]]]:
    """The checks in `FILTERS` order; True keeps the example. `duplicate` remembers what it has let through, so
    the list is built fresh for every `apply_filters` call."""
    accuracy = AccuracyReward(READABLE_FORMAT)
    language = LanguageConsistencyReward(response_format=READABLE_FORMAT)

    def score(reward: Callable[..., list[float | None]], ex: ColdStartExample) -> float | None:
        return reward([ex.response], solution=[ex.solution], lang=[ex.lang], prompts=[ex.prompt])[0]

    def fmt(ex: ColdStartExample) -> bool:
        return READABLE_FORMAT.parse(ex.response, strict=True) is not None

    def correct(ex: ColdStartExample) -> bool:
        return score(accuracy, ex) == 1.0

    def lang(ex: ColdStartExample) -> bool:
        value = score(language, ex)
        # None (unknown language, nothing to judge) is not evidence of one language: drop it.
        return value is not None and value >= language_threshold

    def paragraph_length(ex: ColdStartExample) -> bool:
        return paragraphs_within(ex.response, max_paragraph_chars)

    def verification(ex: ColdStartExample) -> bool:
        if ex.method != "reflection":
            return True
        parsed = READABLE_FORMAT.parse(ex.response, strict=True)
        return parsed is not None and has_verification(parsed[0])

    checks = {
        "format": fmt,
        "correct": correct,
        "language": lang,
        "paragraph_length": paragraph_length,
        "verification": verification,
        "duplicate": dedup_check(lambda ex: ex.prompt, lambda ex: ex.response),
    }
    return [(name, checks[name]) for name in FILTERS]


def apply_filters(
    examples: Iterable[ColdStartExample], *, language_threshold: float = 1.0, max_paragraph_chars: int = 400
) -> tuple[list[ColdStartExample], dict[str, dict[str, int]]]:
    """Keep the examples that pass every filter in `FILTERS`, in input order.

    Each rejection is counted once, under the first filter that rejects it (the checks run in `FILTERS` order and
    stop at the first failure). Duplicates are judged across methods on (prompt, whitespace-normalized response);
    the first occurrence is kept and the later one is counted under its own method. Returns the kept examples and
    `{method: {"input": n, <filter>: rejected, ..., "kept": n}}` for every method seen, plus `"total"`.
    """
    check_filter_bounds("cold start", language_threshold, max_paragraph_chars)
    checks = _filter_checks(language_threshold, max_paragraph_chars)
    kept, counts = run_filters(examples, checks, group=lambda ex: ex.method)
    total = {"input": 0, **dict.fromkeys(FILTERS, 0), "kept": 0}
    for per_method in counts.values():
        for key, value in per_method.items():
            total[key] += value
    for method, per_method in sorted(counts.items()):
        rejections = ", ".join(f"{name} {per_method[name]}" for name in FILTERS)
        logger.info(
            "cold start %s: kept %d of %d (rejected: %s)", method, per_method["kept"], per_method["input"], rejections
        )
    counts["total"] = total
    return kept, counts


class ShardWriter(RowShards):
    """`RowShards` holding `ColdStartExample`s."""

    def write(self, key: str, examples: Iterable[ColdStartExample]) -> None:
        super().write(key, [ex.to_dict() for ex in examples])

    def read(self, key: str) -> list[ColdStartExample]:
        return [ColdStartExample.from_dict(row) for row in super().read(key)]


def build_resumable(
    directory: str | os.PathLike,
    method: str,
    jobs: list[dict],
    produce: Callable[[list[dict]], list[ColdStartExample]],
    shard_size: int,
) -> list[ColdStartExample]:
    """`build_row_shards` for one cold-start method: shards `f"{method}-{i:05d}"`, every example of the method
    returned in job order. A shard for which `produce` returns nothing is still finished."""
    if method not in METHODS:
        raise ValueError(f"cold start: unknown method {method!r}; known: {', '.join(METHODS)}")

    def checked(chunk: list[dict], _index: int) -> list[ColdStartExample]:
        examples = list(produce(chunk))
        for ex in examples:
            if not isinstance(ex, ColdStartExample) or ex.method != method:
                raise ValueError(
                    f"cold start: produce for {method!r} returned {ex!r}; expected ColdStartExample with "
                    f"method={method!r}"
                )
        return examples

    examples, _ = build_row_shards(directory, method, jobs, checked, shard_size, shards=ShardWriter(directory))
    return examples


def mix_summary(examples: Iterable[ColdStartExample]) -> dict[str, Any]:
    """How the set is made up: `{"total", "by_method", "by_lang", "by_method_lang": {method: {lang: n}}}`, nested
    rather than keyed by tuples so it goes straight into the JSON report."""
    by_method: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    by_method_lang: dict[str, Counter[str]] = {}
    for ex in examples:
        by_method[ex.method] += 1
        by_lang[ex.lang] += 1
        by_method_lang.setdefault(ex.method, Counter())[ex.lang] += 1
    return {
        "total": sum(by_method.values()),
        "by_method": dict(sorted(by_method.items())),
        "by_lang": dict(sorted(by_lang.items())),
        "by_method_lang": {m: dict(sorted(c.items())) for m, c in sorted(by_method_lang.items())},
    }
