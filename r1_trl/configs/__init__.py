"""Recipe dataclasses: TRL's own configs, extended with the few fields r1-trl needs and validated early, and the
small groups each stage composes its parser from (see `r1_trl.stages.STAGES`)."""

from .data import COLD_START_METHODS, BaseModelArguments, ColdStartArguments, RejectionSamplingArguments
from .distill import DistillArguments
from .filter import FilterPromptsArguments, PromptFilterArguments, PromptFilterSettings
from .model import R1ModelConfig
from .reward_model import R1RewardConfig, RewardModelArguments
from .rewards import RewardArguments
from .sampling import SamplingSettings
from .script import (
    BACKENDS,
    EMBEDDED_DATASET,
    BudgetArguments,
    EvalArguments,
    HubArguments,
    LanguageSwitchArguments,
    R1ScriptArguments,
    ReportArguments,
    SFTDataArguments,
    TaskArguments,
    check_backend,
)
from .training import R1GRPOConfig, R1SFTConfig

__all__ = [
    "BACKENDS",
    "BaseModelArguments",
    "BudgetArguments",
    "COLD_START_METHODS",
    "ColdStartArguments",
    "DistillArguments",
    "EMBEDDED_DATASET",
    "EvalArguments",
    "FilterPromptsArguments",
    "HubArguments",
    "LanguageSwitchArguments",
    "PromptFilterArguments",
    "PromptFilterSettings",
    "R1GRPOConfig",
    "R1ModelConfig",
    "R1RewardConfig",
    "R1ScriptArguments",
    "R1SFTConfig",
    "RejectionSamplingArguments",
    "ReportArguments",
    "RewardArguments",
    "RewardModelArguments",
    "SFTDataArguments",
    "SamplingSettings",
    "TaskArguments",
    "check_backend",
]
