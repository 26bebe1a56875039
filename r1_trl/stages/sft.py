"""Stage 6, `sft`: fine-tune the **base** (not the RL model, as in the paper) on the rejection-sampled set."""

from __future__ import annotations

from collections.abc import Sequence

from .cold_start_sft import RECIPE_TYPES, run_sft

__all__ = ["RECIPE_TYPES", "main"]


def main(argv: Sequence[str], stage: str = "sft") -> dict:
    return run_sft(stage, argv)
