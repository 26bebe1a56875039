"""A wall-clock training budget, for comparisons that must spend the same time (RL-only against distillation)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from .run import STAGE_FILE

__all__ = ["BUDGET_KEY", "TimeBudgetCallback", "budget_of"]

logger = logging.getLogger(__name__)

BUDGET_KEY = "budget_seconds"
_SPENT_FILE = "time_budget.json"


def budget_of(stage_dir: str) -> float:
    """The `budget_seconds` a finished stage recorded in its stage record: the time a comparison run may spend."""
    path = Path(stage_dir) / STAGE_FILE
    if not path.exists():
        raise ValueError(f"time_budget_of: {stage_dir!r} has no {STAGE_FILE}; run that stage first")
    entry = json.loads(path.read_text())
    if not isinstance(entry.get(BUDGET_KEY), int | float):
        raise ValueError(f"time_budget_of: {path} records no {BUDGET_KEY!r}")
    return float(entry[BUDGET_KEY])


class TimeBudgetCallback(TrainerCallback):
    """Stops training once `seconds` of training have been spent, counting the time before a resume.

    The seconds spent are saved with each checkpoint, so a run killed and resumed gets the budget that was left at
    its last checkpoint, not a fresh one.
    """

    def __init__(self, seconds: float):
        if seconds <= 0:
            raise ValueError(f"time budget must be positive, got {seconds}")
        self.seconds = seconds
        self.spent_before = 0.0
        self.started = time.monotonic()

    def spent(self) -> float:
        return self.spent_before + time.monotonic() - self.started

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.monotonic()
        saved = Path(args.output_dir) / f"checkpoint-{state.global_step}" / _SPENT_FILE
        if state.global_step and saved.exists():
            self.spent_before = float(json.loads(saved.read_text())["spent_seconds"])
            logger.info("time budget: %.0f of %.0f s spent before the resume", self.spent_before, self.seconds)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.spent() >= self.seconds:
            logger.info("time budget of %.0f s spent at step %d; stopping", self.seconds, state.global_step)
            control.should_training_stop = True
            control.should_save = True

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            (folder / _SPENT_FILE).write_text(json.dumps({"spent_seconds": round(self.spent(), 2)}))
