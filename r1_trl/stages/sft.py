"""Stage 6, `sft`: fine-tune the **base** (not the RL model, as in the paper) on the rejection-sampled set."""

from __future__ import annotations

from collections.abc import Sequence

from .cold_start_sft import run_sft

__all__ = ["main"]


def main(argv: Sequence[str], stage: str = "sft") -> dict:
    return run_sft(stage, argv)
