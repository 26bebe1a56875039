"""Rule-based rewards for GRPO: accuracy against a gold answer and the response format, plus the registry that
resolves the names recipes use. Every reward takes TRL's `completions` (strings or conversations) and returns one
float (or None) per completion."""

from ._text import completion_text, last_boxed, last_number, parse_number
from ._timeout import run_bounded, shutdown_worker
from .accuracy import AccuracyReward, accuracy_reward, answers_match, extract_answer
from .format import FormatReward, format_reward
from .registry import REWARDS, RewardFunc, get_reward_func, get_reward_funcs

__all__ = [
    "REWARDS",
    "AccuracyReward",
    "FormatReward",
    "RewardFunc",
    "accuracy_reward",
    "answers_match",
    "completion_text",
    "extract_answer",
    "format_reward",
    "get_reward_func",
    "get_reward_funcs",
    "last_boxed",
    "last_number",
    "parse_number",
    "run_bounded",
    "shutdown_worker",
]
