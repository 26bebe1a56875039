"""The shape every r1-trl reward shares: TRL's call in, one float or None per completion out, never an exception.

A reward scored one completion at a time subclasses `Reward` and implements `score(text, **row)`, where `row` holds
that completion's dataset columns (and `completion_ids`, `prompts`) as TRL passes them. Rewards that compare
completions with each other (group length rewards) override `__call__` instead.

A completion whose scoring raises scores `error_value` and is counted on the instance (`take_failures`), so the
trainer's guard (`r1_trl.rewards.guard`) can report the count and stop a run whose reward is broken rather than
silently scoring it zero.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ._text import completion_text

__all__ = ["Reward", "failure_summary", "row_kwargs", "token_lengths"]

logger = logging.getLogger(__name__)


def failure_summary(err: BaseException, limit: int = 300) -> str:
    """`ZeroDivisionError: division by zero`, on one line and cut to `limit` characters, for one-line errors."""
    message = " ".join(str(err).split())
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    per-completion `score` whose failures score `error_value` and are counted for `take_failures`; the first one's
    traceback is logged, later ones only counted."""

    name: ClassVar[str] = "reward"
    required_columns: ClassVar[tuple[str, ...]] = ()
    # What an unexpected failure scores: the "no credit" value of the reward.
    error_value: ClassVar[float | None] = 0.0
    # Class-level defaults, so subclasses that skip `super().__init__()` still count; private, so `repr` and
    # equality of configs ignore them. Strings and ints only: a reward must stay picklable after a failure.
    _failures: int = 0
    _failure: str | None = None
    _traceback_logged: bool = False

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
        except Exception as err:  # one hostile completion must not take training down; the guard judges the rate
            self.record_failure(err)
            return self.error_value

    def record_failure(self, err: BaseException, count: int = 1) -> None:
        """Count `count` completions that failed with `err`; subclasses that catch failures in their own
        `__call__` (a batch at a time) call this too, so the guard sees them."""
        if not self._traceback_logged:
            # One traceback per reward: a systematic bug would otherwise print one for every completion.
            self._traceback_logged = True
            logger.error(
                "reward %s failed on a completion; scoring it %s. Later failures are only counted "
                "(reward_failures/%s)",
                self.__name__,
                self.error_value,
                self.__name__,
                exc_info=err,
            )
        self._failures += count
        if self._failure is None:
            self._failure = failure_summary(err)

    def take_failures(self) -> tuple[int, str | None]:
        """(completions failed since the last call, the first failure as `Type: message`), and reset both."""
        count, first = self._failures, self._failure
        self._failures, self._failure = 0, None
        return count, first

    def score(self, text: str, **row: Any) -> float | None:
        raise NotImplementedError
