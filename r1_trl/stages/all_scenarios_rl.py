"""Stage 8, `all_scenarios_rl`: GRPO from the `sft` model over reasoning and general prompts together.

Rewards are routed per sample by the `task` column (`reward_tasks`): reasoning prompts get the rule rewards, general
prompts the helpfulness reward model on the final summary and the harmlessness reward model on the whole response,
and every prompt the language-consistency reward. `reward_start_steps` switches the reward models on only for the
last part of training, as the paper does. The held-out general prompts are scored before and after training.
"""

from __future__ import annotations

from collections.abc import Sequence

from .grpo import RECIPE_TYPES, run_grpo

__all__ = ["RECIPE_TYPES", "main"]


def main(argv: Sequence[str], stage: str = "all_scenarios_rl") -> dict:
    return run_grpo(stage, argv)
