"""The stage table: each command name maps to the function that runs it, the recipe groups it parses, and the
options bound to it. The comparison runs are entries with their switch bound, not modules of their own."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STAGES", "Stage", "get_stage"]

# Recipe groups by class name in `r1_trl.configs`, resolved on first use: importing them pulls in TRL, and
# `r1-trl --help` should not wait for it.
_TRAINED = ("TaskArguments", "EvalArguments", "ReportArguments", "HubArguments")
GRPO = (*_TRAINED, "RewardArguments", "PromptFilterArguments", "R1GRPOConfig", "R1ModelConfig")
SFT = (*_TRAINED, "SFTDataArguments", "R1SFTConfig", "R1ModelConfig")
BASE = (*_TRAINED, "BaseModelArguments", "R1SFTConfig")


@dataclass(frozen=True)
class Stage:
    """`run` is `module:function`, called as `function(argv, stage=name, **options)`; `groups` are the dataclasses
    its recipe is parsed into (empty: the stage reads its own arguments); `recipe` is the recipe file the pipeline
    looks for beside the pipeline file when there is none named after the stage."""

    run: str
    groups: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    recipe: str | None = None
    help: str = ""

    def load(self) -> Callable[..., Any]:
        module, _, name = self.run.partition(":")
        return getattr(importlib.import_module(module), name)


STAGES: dict[str, Stage] = {
    "base": Stage("r1_trl.stages.base:main", BASE, help="pre-train the embedded DeepSeek-V3 MoE from scratch"),
    "student_base": Stage(
        "r1_trl.stages.base:main", BASE, help="the distillation student's base: same corpus and tokens, smaller"
    ),
    "r1_zero": Stage("r1_trl.stages.grpo:run_grpo", GRPO, help="pure GRPO from the base, rule rewards, no SFT first"),
    "r1_zero_filtered": Stage(
        "r1_trl.stages.grpo:run_grpo",
        GRPO,
        options={"filter_prompts": True},
        recipe="r1_zero",
        help="comparison: r1_zero's recipe on the prompts whose pass rate at the base lies in (0, 1)",
    ),
    "filter_prompts": Stage(
        "r1_trl.stages.filter_prompts:main",
        ("TaskArguments", "ReportArguments", "FilterPromptsArguments"),
        help="a model's pass rate on each prompt, and the prompts in a pass-rate interval",
    ),
    "cold_start_data": Stage(
        "r1_trl.stages.cold_start_data:main",
        ("TaskArguments", "ReportArguments", "ColdStartArguments"),
        help="readable long-CoT examples by the seed's three methods",
    ),
    "cold_start_sft": Stage("r1_trl.stages.cold_start_sft:run_sft", SFT, help="SFT of the base on the cold start"),
    "reasoning_rl": Stage(
        "r1_trl.stages.grpo:run_grpo",
        (*GRPO, "LanguageSwitchArguments"),
        help="GRPO from the cold-start model with the language-consistency reward",
    ),
    "reasoning_rl_no_lc": Stage(
        "r1_trl.stages.grpo:run_grpo",
        (*GRPO, "LanguageSwitchArguments"),
        options={"use_language_consistency": False},
        recipe="reasoning_rl",
        help="comparison: reasoning_rl's recipe without the language-consistency reward",
    ),
    "rejection_sampling": Stage(
        "r1_trl.stages.rejection_sampling:main",
        ("TaskArguments", "ReportArguments", "RejectionSamplingArguments"),
        help="correct, readable answers of the RL model plus non-reasoning data",
    ),
    "sft": Stage("r1_trl.stages.cold_start_sft:run_sft", SFT, help="SFT of the base on the rejection-sampled set"),
    "reward_model": Stage(
        "r1_trl.stages.reward_model:main",
        ("RewardModelArguments", "R1RewardConfig", "R1ModelConfig"),
        help="helpfulness and harmlessness reward models",
    ),
    "all_scenarios_rl": Stage(
        "r1_trl.stages.grpo:run_grpo", GRPO, help="GRPO over reasoning and general prompts, rewards routed by task"
    ),
    "distill": Stage(
        "r1_trl.stages.distill:main",
        (*_TRAINED, "DistillArguments", "R1SFTConfig", "R1ModelConfig"),
        help="a smaller dense student learns the final model's verified traces",
    ),
    "distill_on_policy": Stage(
        "r1_trl.stages.distill:main",
        (*_TRAINED, "DistillArguments", "BudgetArguments", "R1SFTConfig", "R1ModelConfig"),
        help="comparison: on-policy distillation (TRL's DistillationTrainer), for distillation's wall-clock",
    ),
    "distill_rl_only": Stage(
        "r1_trl.stages.grpo:run_grpo",
        (*GRPO, "BudgetArguments"),
        help="comparison: the student by RL alone, for distillation's wall-clock",
    ),
    "eval": Stage("r1_trl.stages.evaluate:main", help="evaluate any model with a recipe's held-out prompts"),
    "pipeline": Stage("r1_trl.stages.pipeline:main", help="every stage in order, then the report"),
    "env": Stage("r1_trl.stages.env:main", help="versions, devices and the accelerate config in effect"),
}


def get_stage(name: str) -> Callable[[Sequence[str]], Any]:
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    spec = STAGES[name]
    if not spec.groups:
        return spec.load()
    return functools.partial(spec.load(), stage=name, **spec.options)
