"""The filter pipeline the data stages share (cold start, rejection sampling and distillation traces): named checks
run in order, each rejection counted once under the first check that fails, duplicates dropped."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

__all__ = ["check_filter_bounds", "dedup_check", "paragraphs_within", "run_filters"]

T = TypeVar("T")
Check = Callable[[T], bool]


def check_filter_bounds(stage: str, language_threshold: float, max_paragraph_chars: int) -> None:
    if not 0.0 <= language_threshold <= 1.0:
        raise ValueError(f"{stage}: language_threshold must be in [0, 1], got {language_threshold}")
    if max_paragraph_chars <= 0:
        raise ValueError(f"{stage}: max_paragraph_chars must be positive, got {max_paragraph_chars}")


def paragraphs_within(text: str, max_chars: int) -> bool:
    # A single newline counts as a break too: one overlong line is a wall of text however it is spaced.
    return all(len(line.strip()) <= max_chars for line in text.splitlines())


def dedup_check(prompt: Callable[[T], str], response: Callable[[T], str]) -> Check:
    """A check that passes the first item of each (prompt, whitespace-normalized response) and fails the rest; it
    remembers what it let through, so build one per pipeline run."""
    seen: set[tuple[str, str]] = set()

    def duplicate(item: T) -> bool:
        key = (prompt(item).strip(), " ".join(response(item).split()))
        if key in seen:
            return False
        seen.add(key)
        return True

    return duplicate


def run_filters(
    items: Iterable[T], checks: list[tuple[str, Check]], group: Callable[[T], Hashable] = lambda item: "all"
) -> tuple[list[T], dict[Any, dict[str, int]]]:
    """The items that pass every check, in input order, and per group `{"input": n, <check>: rejected, ...,
    "kept": n}`, each rejection counted under the first check (in list order) that fails."""
    names = [name for name, _ in checks]
    counts: dict[Any, dict[str, int]] = {}
    kept: list[T] = []
    for item in items:
        per_group = counts.setdefault(group(item), {"input": 0, **dict.fromkeys(names, 0), "kept": 0})
        per_group["input"] += 1
        rejected_by = next((name for name, check in checks if not check(item)), None)
        if rejected_by is None:
            per_group["kept"] += 1
            kept.append(item)
        else:
            per_group[rejected_by] += 1
    return kept, counts
