"""Thin subclasses of TRL's trainers and the run tail shared by every stage."""

from .grpo import PrefixedReward, R1GRPOTrainer, apply_template, check_reward_columns
from .run import STAGE_FILE, finish_stage, train_resumable
from .sft import R1SFTTrainer, align_eos

__all__ = [
    "STAGE_FILE",
    "PrefixedReward",
    "R1GRPOTrainer",
    "R1SFTTrainer",
    "align_eos",
    "apply_template",
    "check_reward_columns",
    "finish_stage",
    "train_resumable",
]
