"""Per-sample reward routing for mixed prompt sets: a reward applies to the rows of some tasks, from some step on.

DeepSeek-R1's all-scenarios RL mixes reasoning prompts (rule rewards: accuracy, format) with general prompts
(reward-model rewards), and adds the general data and preference rewards only in the last part of training. A
routed reward scores the rows whose `task` column it serves and returns None for the others, which TRL leaves out of
the weighted sum, so a reasoning prompt is never judged by a reward model and a general prompt never by the
accuracy check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ALL_TASKS", "TASK_COLUMN", "TaskRouted", "route_rewards"]

TASK_COLUMN = "task"
ALL_TASKS = "all"


class TaskRouted:
    """`func` applied only to the completions whose `task` is in `tasks` (every task when `tasks` is None), and only
    from training step `start_step` on; every other completion scores None.

    The wrapped reward sees just its own rows, with every per-row column cut down to match, so a costly reward
    (a reward model) spends nothing on rows it does not judge. The name stays the wrapped reward's, so TRL logs
    `rewards/<name>/mean` as before.
    """

    def __init__(self, func: Callable[..., list[float | None]], tasks: Sequence[str] | None, start_step: int = 0):
        if start_step < 0:
            raise ValueError(f"reward start step must be >= 0, got {start_step}")
        self.func = func
        self.tasks = None if tasks is None else frozenset(tasks)
        self.start_step = start_step
        self.__name__ = getattr(func, "__name__", type(func).__name__)
        own = tuple(getattr(func, "required_columns", ()))
        self.required_columns = own + ((TASK_COLUMN,) if self.tasks is not None else ())

    def __repr__(self) -> str:
        tasks = "all" if self.tasks is None else sorted(self.tasks)
        return f"TaskRouted({self.__name__}, tasks={tasks}, start_step={self.start_step})"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        state = kwargs.get("trainer_state")
        if self.start_step and state is not None and state.global_step < self.start_step:
            return [None] * n
        if self.tasks is None:
            return self.func(completions, **kwargs)
        tasks = kwargs.get(TASK_COLUMN)
        if tasks is None or len(tasks) != n:
            raise ValueError(
                f"reward {self.__name__!r} is routed by task and needs a {TASK_COLUMN!r} column with one value per "
                f"completion; got {None if tasks is None else len(tasks)} values for {n} completions"
            )
        rows = [i for i, task in enumerate(tasks) if task in self.tasks]
        out: list[float | None] = [None] * n
        if not rows:
            return out
        sub = {
            k: ([v[i] for i in rows] if isinstance(v, list | tuple) and len(v) == n else v) for k, v in kwargs.items()
        }
        scores = self.func([completions[i] for i in rows], **sub)
        for i, score in zip(rows, scores, strict=True):
            out[i] = score
        return out


def route_rewards(
    funcs: Sequence[Callable[..., list[float | None]]],
    tasks: Sequence[str] | None = None,
    start_steps: Sequence[int] | None = None,
) -> list[Callable[..., list[float | None]]]:
    """Wrap each reward with its entry of `tasks` (a task name, several joined by `+`, or `all`) and of
    `start_steps`; rewards with neither are returned as they are."""
    if tasks is not None and len(tasks) != len(funcs):
        raise ValueError(f"reward_tasks has {len(tasks)} entries for {len(funcs)} reward_funcs")
    if start_steps is not None and len(start_steps) != len(funcs):
        raise ValueError(f"reward_start_steps has {len(start_steps)} entries for {len(funcs)} reward_funcs")
    routed = []
    for i, func in enumerate(funcs):
        spec = tasks[i] if tasks is not None else ALL_TASKS
        start = start_steps[i] if start_steps is not None else 0
        names = None if spec == ALL_TASKS else [t for t in spec.split("+") if t]
        if names is not None and not names:
            raise ValueError(f"reward_tasks entry {spec!r} for reward {i} names no task")
        routed.append(func if names is None and not start else TaskRouted(func, names, start))
    return routed
