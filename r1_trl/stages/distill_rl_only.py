"""Stage 10, `distill_rl_only`: the paper's control for distillation. The same student base, trained by
R1-Zero-style RL alone on the same prompts for the wall-clock distillation spent (`time_budget_of`), traces
included. Its figures are also written into the `distill` entry as `rl_only_*`."""

from __future__ import annotations

from collections.abc import Sequence

from .grpo import RECIPE_TYPES, run_grpo

__all__ = ["RECIPE_TYPES", "main"]


def main(argv: Sequence[str], stage: str = "distill_rl_only") -> dict:
    return run_grpo(stage, argv)
