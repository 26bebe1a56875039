"""Stage 1, `r1_zero`: pure GRPO from the base with the R1-Zero template and rule rewards, no SFT first."""

from __future__ import annotations

from collections.abc import Sequence

from .grpo import RECIPE_TYPES, run_grpo

__all__ = ["RECIPE_TYPES", "main"]


def main(argv: Sequence[str], stage: str = "r1_zero") -> dict:
    return run_grpo(stage, argv)
