"""Rewards for GRPO, one module per family, all reachable by name through `REWARDS` (see `registry.py`).

Every reward takes TRL's call, `completions` (strings or conversations) plus the dataset columns as keyword
arguments, and returns one float per completion, or None where it does not apply. None ever raises on a
completion or evaluates model text. `r1_trl.rewards.open_r1` keeps open-r1's function names and call shapes.
"""

from ._text import completion_text, last_boxed, last_number, parse_number
from ._timeout import run_bounded, shutdown_worker
from .accuracy import AccuracyReward, answers_match, extract_answer
from .base import Reward
from .format import FormatReward
from .guard import GuardedReward, RewardFailureError, guard_rewards
from .language import LanguageConsistencyReward, detect_language
from .length import CosineReward, LengthReward, SoftOverlongPunishment
from .open_r1 import (
    accuracy_reward,
    format_reward,
    get_cosine_scaled_reward,
    get_repetition_penalty_reward,
    get_soft_overlong_punishment,
    language_consistency_reward,
    len_reward,
    reasoning_steps_reward,
    tag_count_reward,
)
from .registry import REWARDS, RewardFunc, check_reward_name, get_reward_func, get_reward_funcs
from .repetition import RepetitionPenaltyReward
from .reward_model import RewardModelReward
from .tags import ReasoningStepsReward, TagCountReward

__all__ = [
    "REWARDS",
    "AccuracyReward",
    "CosineReward",
    "FormatReward",
    "GuardedReward",
    "LanguageConsistencyReward",
    "LengthReward",
    "ReasoningStepsReward",
    "RepetitionPenaltyReward",
    "Reward",
    "RewardFailureError",
    "RewardFunc",
    "RewardModelReward",
    "SoftOverlongPunishment",
    "TagCountReward",
    "accuracy_reward",
    "answers_match",
    "check_reward_name",
    "completion_text",
    "detect_language",
    "extract_answer",
    "format_reward",
    "get_cosine_scaled_reward",
    "get_repetition_penalty_reward",
    "get_reward_func",
    "get_reward_funcs",
    "get_soft_overlong_punishment",
    "guard_rewards",
    "language_consistency_reward",
    "last_boxed",
    "last_number",
    "len_reward",
    "parse_number",
    "reasoning_steps_reward",
    "run_bounded",
    "shutdown_worker",
    "tag_count_reward",
]
