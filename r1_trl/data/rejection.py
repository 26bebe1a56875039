"""Rejection sampling for the SFT stage: scored samples written in resumable shards, the filters, the ranking.

The reasoning-RL model answers each training prompt n times; every sample is scored with the rewards RL used
(accuracy and format) and written, per shard of prompts, as a plain JSON row. The filters (`FILTERS`, in order)
and the per-prompt ranking run over all shards at the end, so changing a threshold never needs new samples.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..rewards import LanguageConsistencyReward, get_reward_funcs
from ..templates import READABLE_FORMAT, ReadableFormat, ResponseFormat
from .filters import check_filter_bounds, dedup_check, paragraphs_within, run_filters

__all__ = [
    "FILTERS",
    "RANKS",
    "apply_filters",
    "has_code_block",
    "score_samples",
    "select_per_prompt",
]

logger = logging.getLogger(__name__)

FILTERS = ("format", "correct", "language", "paragraph_length", "code_block", "duplicate")
RANKS = ("shortest", "longest", "first")

# An indented line that is not a continuation of prose: four spaces or a tab, then something.
_INDENTED_CODE_RE = re.compile(r"^(?: {4}|\t)\S", re.MULTILINE)


# ---------------------------------------------------------------------------------------------------------------
# Scoring and filters


def score_samples(
    rows: list[dict[str, Any]],
    response_format: ResponseFormat | ReadableFormat = READABLE_FORMAT,
    timeout_s: float = 5.0,
) -> list[dict[str, Any]]:
    """`rows` (with `prompt`, `response`, `solution`, `lang`) with `accuracy`, `format` and `language` added.

    Accuracy and format are the registry's rewards, built as reasoning RL builds them, so a kept sample is one RL
    would have given full marks; language consistency is stored for the `language` filter. A reward's None (does
    not apply) is stored as None.
    """
    if not rows:
        return []
    accuracy, fmt = get_reward_funcs(["accuracy", "format"], response_format=response_format, timeout_s=timeout_s)
    language = LanguageConsistencyReward(response_format=response_format)
    kwargs = {
        "solution": [str(r["solution"]) for r in rows],
        # No `lang` lets the language reward take the prompt's language, as it does in RL.
        "lang": [r.get("lang") for r in rows],
        "prompts": [r["prompt"] for r in rows],
    }
    texts = [r["response"] for r in rows]
    scores = {name: reward(texts, **kwargs) for name, reward in (("accuracy", accuracy), ("format", fmt))}
    scores["language"] = language(texts, **kwargs)
    return [
        {**row, "accuracy": a, "format": f, "language": g}
        for row, a, f, g in zip(rows, scores["accuracy"], scores["format"], scores["language"], strict=True)
    ]


def has_code_block(text: str) -> bool:
    """Whether the text holds code: a ``` fence, or a line indented by four spaces or a tab (Markdown's code)."""
    return "```" in text or _INDENTED_CODE_RE.search(text) is not None


def _filter_checks(language_threshold: float, max_paragraph_chars: int) -> list[tuple[str, Callable[[dict], bool]]]:
    """The checks in `FILTERS` order; True keeps the sample. `duplicate` remembers what it let through, so the list
    is built fresh for each `apply_filters` call."""
    checks: dict[str, Callable[[dict], bool]] = {
        "format": lambda r: r["format"] == 1.0,
        "correct": lambda r: r["accuracy"] == 1.0,
        # None (no known script to judge) is no evidence of one language: drop it.
        "language": lambda r: r["language"] is not None and r["language"] >= language_threshold,
        "paragraph_length": lambda r: paragraphs_within(r["response"], max_paragraph_chars),
        "code_block": lambda r: not has_code_block(r["response"]),
        "duplicate": dedup_check(lambda r: r["prompt"], lambda r: r["response"]),
    }
    return [(name, checks[name]) for name in FILTERS]


def apply_filters(
    rows: Iterable[dict[str, Any]], *, language_threshold: float = 1.0, max_paragraph_chars: int = 400
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The scored samples (see `score_samples`) that pass every filter, in input order, and the counts
    `{"input": n, <filter>: rejected, ..., "kept": n}`: each rejection counts once, under the first filter (in
    `FILTERS` order) that rejects it. Duplicates are the same prompt with the same whitespace-normalized response;
    the first is kept."""
    check_filter_bounds("rejection sampling", language_threshold, max_paragraph_chars)
    rows = list(rows)
    for row in rows:
        missing = [k for k in ("prompt", "response", "accuracy", "format", "language") if k not in row]
        if missing:
            raise ValueError(f"rejection sampling: sample is missing {missing}; score it with score_samples first")
    kept, counts = run_filters(rows, _filter_checks(language_threshold, max_paragraph_chars))
    return kept, counts.get("all", {"input": 0, **dict.fromkeys(FILTERS, 0), "kept": 0})


def select_per_prompt(rows: Iterable[dict[str, Any]], keep: int, rank_by: str = "shortest") -> list[dict[str, Any]]:
    """At most `keep` rows per prompt, prompts in order of first appearance.

    `shortest` and `longest` rank by the response's length in characters (a stand-in for tokens that needs no
    tokenizer; on the demo's bilingual task the two order answers alike), ties in sample order; `first` keeps
    sample order. Rows of one prompt share `prompt_id` when present, else the same `prompt` text and `lang`.
    """
    if rank_by not in RANKS:
        raise ValueError(f"rejection sampling: rank_by must be one of {', '.join(RANKS)}, got {rank_by!r}")
    if keep < 1:
        raise ValueError(f"rejection sampling: keep must be at least 1, got {keep}")
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        key = row["prompt_id"] if "prompt_id" in row else (row["prompt"], row.get("lang"))
        groups.setdefault(key, []).append(row)
    out = []
    for group in groups.values():
        if rank_by == "shortest":
            group = sorted(group, key=lambda r: len(r["response"]))
        elif rank_by == "longest":
            group = sorted(group, key=lambda r: -len(r["response"]))
        out.extend(group[:keep])
    return out
