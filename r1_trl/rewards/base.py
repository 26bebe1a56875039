"""The shape every r1-trl reward shares: TRL's call in, one float or None per completion out, never an exception.

A reward scored one completion at a time subclasses `Reward` and implements `score(text, **row)`, where `row` holds
that completion's dataset columns (and `completion_ids`, `prompts`) as TRL passes them. Rewards that compare
completions with each other (group length rewards) override `__call__` instead.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ._text import completion_text

__all__ = ["Reward", "row_kwargs", "token_lengths"]

logger = logging.getLogger(__name__)


def row_kwargs(kwargs: dict[str, Any], n: int, i: int) -> dict[str, Any]:
    """Completion `i`'s share of TRL's keyword arguments: list-valued columns of length `n` are indexed, anything
    else (trainer_state, log_metric, ...) is passed as it is."""
    return {k: (v[i] if isinstance(v, list | tuple) and len(v) == n else v) for k, v in kwargs.items()}


def token_lengths(reward_name: str, completions: list[Any], completion_ids: list[Any] | None) -> list[int]:
    """Completion lengths in tokens, from the `completion_ids` TRL passes to every reward.

    Every length-based reward in r1-trl counts tokens, so their ranges can be set against `max_completion_length`
    in the same units; the open-r1 compatible ones count characters, as open-r1 does.
    """
    if completion_ids is None:
        raise ValueError(
            f"reward {reward_name!r} measures length in tokens and needs the `completion_ids` keyword that "
            "GRPOTrainer passes; pass completion_ids=[[token ids], ...] when calling it directly"
        )
    if len(completion_ids) != len(completions):
        raise ValueError(
            f"reward {reward_name!r}: got {len(completion_ids)} completion_ids for {len(completions)} completions"
        )
    return [len(ids) for ids in completion_ids]


class Reward:
    """Base class: `__name__` for TRL's `rewards/<name>/mean`, `required_columns` checked before training, and a
    per-completion `score` whose failures are logged and scored `error_value` instead of stopping training."""

    name: ClassVar[str] = "reward"
    required_columns: ClassVar[tuple[str, ...]] = ()
    # What an unexpected failure scores: the "no credit" value of the reward.
    error_value: ClassVar[float | None] = 0.0

    def __init__(self) -> None:
        self.__name__ = self.name

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({params})"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        self.check_columns(kwargs)
        n = len(completions)
        return [self._safe_score(completion_text(c), row_kwargs(kwargs, n, i)) for i, c in enumerate(completions)]

    def check_columns(self, kwargs: dict[str, Any]) -> None:
        for column in self.required_columns:
            if kwargs.get(column) is None:
                raise ValueError(
                    f"reward {self.__name__!r} needs a {column!r} column in the dataset; the call passed "
                    f"{sorted(k for k in kwargs if k not in ('trainer_state', 'log_extra', 'log_metric'))}"
                )

    def _safe_score(self, text: str, row: dict[str, Any]) -> float | None:
        try:
            return self.score(text, **row)
        except Exception:  # a reward must never take training down
            logger.exception("reward %s failed on a completion; scoring it %s", self.__name__, self.error_value)
            return self.error_value

    def score(self, text: str, **row: Any) -> float | None:
        raise NotImplementedError
