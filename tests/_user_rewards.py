"""User rewards for tests that name them by dotted path, as a recipe would: `tests._user_rewards.<name>`."""

from __future__ import annotations

from typing import Any

from r1_trl.rewards import Reward

__all__ = ["FailsOnEvenRows", "always_raises"]


def always_raises(completions: list[Any], **kwargs: Any) -> list[float]:
    """A user reward with a bug that fires on every call."""
    return [len(str(c)) / 0 for c in completions]


class FailsOnEvenRows(Reward):
    """An r1-trl `Reward` whose `score` raises on every other completion: `_safe_score` catches and counts each."""

    name = "fails_on_even_rows"

    def __init__(self) -> None:
        super().__init__()
        self._calls = 0

    def score(self, text: str, **row: Any) -> float:
        self._calls += 1
        if self._calls % 2 == 0:
            raise ZeroDivisionError("division by zero")
        return 1.0
