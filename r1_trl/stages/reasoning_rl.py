"""Stage 4, `reasoning_rl`: GRPO from the cold-start model on the readable format, with accuracy, format and the
language-consistency reward.

`use_language_consistency: false` runs the same stage without the language-consistency reward and records it as
`reasoning_rl_no_lc`, so the reward's effect is measured from the same start on the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from .grpo import LC_REWARD, RECIPE_TYPES, run_grpo

__all__ = ["LC_REWARD", "RECIPE_TYPES", "main"]


def main(argv: Sequence[str]) -> dict:
    return run_grpo("reasoning_rl", argv, lc_switch=True)
