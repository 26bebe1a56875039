"""A reward that raises must stop training with its name, not score 0.0 in silence or crash deep inside TRL.

`R1GRPOTrainer` wraps every reward function in `GuardedReward`. Per call it counts the completions whose score
failed: all of them when the call itself raised, or, for r1-trl `Reward`s (which score a failing completion
`error_value` so that one hostile completion cannot stop a run), the failures the reward counted. The count goes to
TRL's `log_metric` as `reward_failures/<name>`; a share of the batch above `max_failure_share` raises
`RewardFailureError`, a ValueError the CLI prints as one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .base import Reward, failure_summary

__all__ = ["AsyncGuardedReward", "GuardedReward", "RewardFailureError", "guard_rewards"]

logger = logging.getLogger(__name__)

METRIC_PREFIX = "reward_failures/"


class RewardFailureError(ValueError):
    """A reward failed on more of a batch than the trainer tolerates."""


def _counting_reward(func: Any) -> Reward | None:
    """The r1-trl `Reward` under the trainer's wrappers (`TaskRouted`, `PrefixedReward`, `functools.partial`: each
    keeps what it wraps as `.func`), whose failure counts the guard reads; None for a plain function."""
    seen: set[int] = set()
    while func is not None and id(func) not in seen:
        if isinstance(func, Reward):
            return func
        seen.add(id(func))
        func = getattr(func, "func", None)
    return None


class GuardedReward:
    """`func`, with its failures counted, logged as `reward_failures/<name>` and turned into a one-line
    `RewardFailureError` once they exceed `max_failure_share` of a call's completions.

    Carries the wrapped reward's `__name__` (TRL logs `rewards/<name>/mean` by it) and `required_columns`, and
    pickles whenever `func` does.
    """

    def __init__(self, func: Callable[..., Any], max_failure_share: float = 0.1):
        if isinstance(max_failure_share, bool) or not 0 <= max_failure_share < 1:
            raise ValueError(f"max_failure_share must be in [0, 1), got {max_failure_share!r}")
        self.func = func
        self.max_failure_share = float(max_failure_share)
        self.__name__ = getattr(func, "__name__", type(func).__name__)
        self.required_columns = tuple(getattr(func, "required_columns", ()))
        self._traceback_logged = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.func!r}, max_failure_share={self.max_failure_share})"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        reward = self._start()
        try:
            # By keyword, as TRL calls: a user reward may take `prompts` first.
            scores = self.func(completions=completions, **kwargs)
        except Exception as err:
            self._raised(err, len(completions), kwargs)
        return self._finish(reward, scores, len(completions), kwargs)

    def _start(self) -> Reward | None:
        reward = _counting_reward(self.func)
        if reward is not None:
            # Failures from calls outside training (an evaluation, a direct call) are not this batch's.
            reward.take_failures()
        return reward

    def _raised(self, err: Exception, n: int, kwargs: dict[str, Any]) -> NoReturn:
        if not self._traceback_logged:
            self._traceback_logged = True
            logger.error("reward %s raised on a call with %d completions", self.__name__, n, exc_info=err)
        self._log_metric(kwargs, n)
        # No scores come back from a call that raised, so no share is small enough to carry on with.
        raise RewardFailureError(self._message(n, n, failure_summary(err))) from err

    def _finish(self, reward: Reward | None, scores: Any, n: int, kwargs: dict[str, Any]) -> Any:
        failed, first = reward.take_failures() if reward is not None else (0, None)
        failed = min(failed, n)
        self._log_metric(kwargs, failed)
        if failed and failed > self.max_failure_share * n:
            raise RewardFailureError(self._message(failed, n, first or "unknown error"))
        if failed:
            logger.warning(
                "reward %s failed on %d of %d completions, which score its no-credit value (tolerated up to %g%%)",
                self.__name__,
                failed,
                n,
                100 * self.max_failure_share,
            )
        return scores

    def _log_metric(self, kwargs: dict[str, Any], failed: int) -> None:
        # Logged on every call, zeros included, so the logged mean is failures per batch over the logging step.
        log_metric = kwargs.get("log_metric")
        if callable(log_metric):
            log_metric(f"{METRIC_PREFIX}{self.__name__}", float(failed))

    def _message(self, failed: int, n: int, first: str) -> str:
        return (
            f"reward {self.__name__!r} failed on {failed} of {n} completions ({first}); fix the reward or see the "
            "traceback logged above"
        )


class AsyncGuardedReward(GuardedReward):
    """`GuardedReward` for an async reward: TRL awaits callables whose `__call__` is a coroutine function, so the
    guard must be one too."""

    async def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:  # type: ignore[override]
        reward = self._start()
        try:
            scores = await self.func(completions=completions, **kwargs)
        except Exception as err:
            self._raised(err, len(completions), kwargs)
        return self._finish(reward, scores, len(completions), kwargs)


def guard_rewards(funcs: Sequence[Any], max_failure_share: float = 0.1) -> list[Any]:
    """Each reward function guarded; reward models given as `nn.Module`s are left to TRL, which calls them on
    tokenized text rather than on completions."""
    from torch import nn
    from trl.trainer.utils import is_async_callable

    guarded: list[Any] = []
    for func in funcs:
        if isinstance(func, nn.Module):
            guarded.append(func)
        elif is_async_callable(func):
            guarded.append(AsyncGuardedReward(func, max_failure_share))
        else:
            guarded.append(GuardedReward(func, max_failure_share))
    return guarded
