"""One module per pipeline stage; `STAGES` maps the command names to them."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Sequence

__all__ = ["STAGES", "get_stage"]

# Imported on demand: each stage pulls in TRL, and `r1-trl --help` should not wait for it.
STAGES: dict[str, str] = {
    "base": "r1_trl.stages.base",
    # The distillation student's own base: the same corpus and token count, a smaller dense model.
    "student_base": "r1_trl.stages.base",
    "r1_zero": "r1_trl.stages.r1_zero",
    "cold_start_data": "r1_trl.stages.cold_start_data",
    "cold_start_sft": "r1_trl.stages.cold_start_sft",
    "rejection_sampling": "r1_trl.stages.rejection_sampling",
    "reasoning_rl": "r1_trl.stages.reasoning_rl",
    # The same stage without the language-consistency reward; its recipe sets use_language_consistency: false.
    "reasoning_rl_no_lc": "r1_trl.stages.reasoning_rl",
    "sft": "r1_trl.stages.sft",
    "reward_model": "r1_trl.stages.reward_model",
    # GRPO over reasoning and general prompts, rewards routed per sample by the `task` column.
    "all_scenarios_rl": "r1_trl.stages.all_scenarios_rl",
    "distill": "r1_trl.stages.distill",
    # R1-Zero-style RL of the distillation student's base for distillation's wall-clock: the paper's comparison.
    "distill_rl_only": "r1_trl.stages.distill_rl_only",
    "eval": "r1_trl.stages.evaluate",
    "pipeline": "r1_trl.stages.pipeline",
    "env": "r1_trl.stages.env",
}


def get_stage(name: str) -> Callable[[Sequence[str]], dict]:
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    main = importlib.import_module(STAGES[name]).main
    # One module can serve several stages (`student_base` is `base` with another recipe); it records its run under
    # the name it was called by.
    if "stage" in inspect.signature(main).parameters:
        return functools.partial(main, stage=name)
    return main
