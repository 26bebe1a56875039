"""open-r1's reward functions with its names, call shapes and defaults, so reward code written for open-r1 runs here.

`get_reward_funcs(script_args)` takes open-r1's script arguments (its `GRPOScriptArguments`, or the
`OpenR1ScriptArguments` below, exported under that name too); `get_reward_funcs(names, **params)` takes the
registry names and the same fields as keywords. Every function also takes open-r1's positional calls
(`accuracy_reward(completions, solution)`, `reward(completion_ids)` for the overlong punishment). Lengths are in
characters, as in open-r1; r1-trl's own `length` and `cosine` rewards count tokens. `language_consistency_reward` is
r1-trl's, named the open-r1 way.

What still differs from open-r1, each on purpose:

- The answer. `accuracy_reward`, `len_reward` and the cosine reward read it from the single `<answer>` block (its
  last `\\boxed{}` if it has one), else from the last `\\boxed{}` anywhere; numbers are compared exactly, anything
  else goes to math-verify. open-r1 takes math-verify's first LaTeX match anywhere, so a plain
  `<answer>\\n14\\n</answer>`, which the R1-Zero template asks for, scores 0 there.
- `len_reward` and the cosine reward call `verify(gold, answer)`; open-r1 calls `verify(answer, gold)`, which
  math-verify does not promise to be symmetric (it simplifies intervals and assignments on the gold side only), so
  some right answers were scored wrong there.
- Whether a gold answer can be read is decided as in `accuracy_reward`, which reads plain numbers and bare LaTeX
  (`14`, `x \\le 2`). open-r1's length and cosine rewards parse the gold with LaTeX extraction only, which reads
  neither, and so count every completion of such a prompt as right. A gold answer that cannot be read is treated as
  open-r1 treats it: right in `len_reward`, 1.0 in the cosine reward, None in `accuracy_reward`.
- `format_reward` and `code_format_reward` refuse repeated or nested tags and a blank think or answer block, and
  `accuracy_reward` scores 0 for several answer blocks: open-r1's lazy regex and first-match extraction accept them,
  and a policy learns to exploit that.
- `get_repetition_penalty_reward(language="zh")` segments with jieba as open-r1 does, but where jieba is not
  installed it splits into single ideographs (logging one warning) instead of refusing to build.
- The rewards that execute completions' code (`code`, `binary_code`, `cf_code`) run in r1-trl's local sandbox
  (`rewards/code_exec.py`), not E2B, Morph or Piston; outputs must match line for line (open-r1 zips the lines, so a
  program that prints only the first line of a longer answer passes there). `ioi_code`, which needs IOI's graders,
  is refused by name. An unknown name raises ValueError, not KeyError.
- No reward raises on a completion or prints: symbolic checks run under a time bound in a helper process, so they
  also work off the main thread, and one that overruns or fails counts as wrong (and is logged). Completions may be
  strings or conversations, whose last assistant message is scored; open-r1 reads a conversation's first message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..templates import TAG_FORMAT
from ._text import completion_text
from .accuracy import AccuracyReward, answers_match, extract_answer
from .base import Reward
from .code_format import CodeFormatReward, open_r1_blocks
from .language import LanguageConsistencyReward
from .length import SoftOverlongPunishment
from .repetition import RepetitionPenaltyReward
from .tags import ReasoningStepsReward

__all__ = [
    "CODE_EXECUTION_REWARDS",
    "OPEN_R1_REWARDS",
    "OPEN_R1_STEP_MARKERS",
    "REWARD_PARAMS",
    "GRPOScriptArguments",
    "OpenR1ScriptArguments",
    "accuracy_reward",
    "format_reward",
    "get_code_format_reward",
    "get_cosine_scaled_reward",
    "get_repetition_penalty_reward",
    "get_reward_funcs",
    "get_soft_overlong_punishment",
    "language_consistency_reward",
    "len_reward",
    "reasoning_steps_reward",
    "tag_count_reward",
]

# open-r1's `(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)` in r1-trl's marker notation (tags.py);
# r1-trl's own default adds Chinese markers, which open-r1 does not count.
OPEN_R1_STEP_MARKERS = ("Step {n}:", "^{n}.", "\n-", "\n*", "First,", "Second,", "Next,", "Finally,")

# open-r1's registry names for the rewards that run the completion's code: where open-r1 runs them. r1-trl runs
# all but `ioi_code` in its local sandbox.
CODE_EXECUTION_REWARDS = {
    "code": "E2B/Morph",
    "binary_code": "E2B/Morph",
    "ioi_code": "Piston/Morph",
    "cf_code": "Piston",
}
UNSUPPORTED_CODE_REWARDS = ("ioi_code",)


@dataclass
class OpenR1ScriptArguments:
    """The shape of open-r1's `GRPOScriptArguments` as far as rewards go: `dataset_name`, `reward_funcs` and the
    reward parameters, with open-r1's field names and defaults (note `cosine_min_value_wrong` = 0.0 there, while
    `get_cosine_scaled_reward` itself defaults to -1.0; both are open-r1's). Any object with these attributes,
    open-r1's own class included, works with `get_reward_funcs`."""

    dataset_name: str | None = field(default=None, metadata={"help": "Dataset name (not read by the rewards)."})
    reward_funcs: list[str] = field(
        default_factory=lambda: ["accuracy", "format", "tag_count"],
        metadata={"help": "open-r1 reward names, in order."},
    )
    cosine_min_value_wrong: float = field(default=0.0, metadata={"help": "cosine: wrong answer, longest."})
    cosine_max_value_wrong: float = field(default=-0.5, metadata={"help": "cosine: wrong answer, shortest."})
    cosine_min_value_correct: float = field(default=0.5, metadata={"help": "cosine: right answer, longest."})
    cosine_max_value_correct: float = field(default=1.0, metadata={"help": "cosine: right answer, shortest."})
    cosine_max_len: int = field(default=1000, metadata={"help": "cosine: length (characters) the curve spans."})
    repetition_n_grams: int = field(default=3, metadata={"help": "repetition_penalty: n-gram size."})
    repetition_max_penalty: float = field(default=-1.0, metadata={"help": "repetition_penalty: penalty (<= 0)."})
    code_language: str = field(default="python", metadata={"help": "code_format: the code block's language."})
    parallel_code_exec_per_proc: int = field(default=2, metadata={"help": "code rewards: tests run at once."})
    code_provider: str = field(default="local", metadata={"help": "code rewards: `local`, r1-trl's sandbox."})
    enforce_same_language: bool = field(default=False, metadata={"help": "code: refuse rows mixing languages."})
    code_eval_scoring_mode: str = field(
        default="weighted_sum", metadata={"help": "cf_code: pass_fail, partial or weighted_sum."}
    )
    max_completion_len: int = field(default=16384, metadata={"help": "soft_overlong_punishment: L_max (tokens)."})
    soft_punish_cache: int = field(default=4096, metadata={"help": "soft_overlong_punishment: ramp (tokens)."})


# Under open-r1's own name, so `GRPOScriptArguments(dataset_name=..., reward_funcs=[...])` reads as it does there.
GRPOScriptArguments = OpenR1ScriptArguments

REWARD_PARAMS: dict[str, Any] = {
    f.name: f.default for f in fields(OpenR1ScriptArguments) if f.name not in ("dataset_name", "reward_funcs")
}


def _named(reward: Any, name: str) -> Any:
    reward.__name__ = name
    return reward


def _correct(text: str, gold: Any, timeout_s: float = 5.0) -> bool | None:
    # Tags are not required: open-r1 reads the answer from anywhere in the completion.
    return answers_match(gold, extract_answer(text, TAG_FORMAT, require_tags=False), timeout_s)


def _with_solution(kwargs: dict[str, Any], solution: Any) -> dict[str, Any]:
    # open-r1 passes the column positionally; a missing one is left to the named-column error.
    if solution is not None:
        kwargs["solution"] = solution
    return kwargs


class _OpenR1Accuracy(AccuracyReward):
    """open-r1's `accuracy_reward`: 1.0 right, 0.0 wrong, None when the gold answer cannot be read."""

    name = "accuracy_reward"

    def __init__(self) -> None:
        super().__init__(require_tags=False)

    def __call__(self, completions: list[Any], solution: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        return super().__call__(completions, **_with_solution(kwargs, solution))


class _OpenR1Format(Reward):
    """open-r1's `format_reward`: `<think>\\n...\\n</think>\\n<answer>\\n...\\n</answer>`, newlines as shown, each tag
    once and neither block blank (see `code_format.open_r1_blocks`)."""

    name = "format_reward"

    def score(self, text: str, **row: Any) -> float:
        return 1.0 if open_r1_blocks(text) is not None else 0.0


class _OpenR1TagCount(Reward):
    """open-r1's `tag_count_reward`: 0.25 for each of `<think>\\n`, `\\n</think>\\n`, `\\n<answer>\\n`, `\\n</answer>`
    that appears exactly once (the newlines are part of what it counts)."""

    name = "tag_count_reward"
    PIECES = ("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>")

    def score(self, text: str, **row: Any) -> float:
        return sum(0.25 for piece in self.PIECES if text.count(piece) == 1)


class _OpenR1Length(Reward):
    """open-r1's `len_reward` (Kimi k1.5) over the whole batch, in characters: λ = 0.5 − (len − min)/(max − min);
    right answers get λ, wrong ones min(0, λ); 0 for everyone when all lengths are equal. A completion whose gold
    answer cannot be read counts as right, as in open-r1."""

    name = "len_reward"
    required_columns = ("solution",)

    def __call__(self, completions: list[Any], solution: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        self.check_columns(_with_solution(kwargs, solution))
        texts = [completion_text(c) for c in completions]
        correct = [_correct(t, g) is not False for t, g in zip(texts, kwargs["solution"], strict=True)]
        lengths = [len(t) for t in texts]
        lo, hi = min(lengths, default=0), max(lengths, default=0)
        if hi == lo:
            return [0.0] * len(texts)
        rewards: list[float | None] = []
        for n, ok in zip(lengths, correct, strict=True):
            lam = 0.5 - (n - lo) / (hi - lo)
            rewards.append(lam if ok else min(0.0, lam))
        return rewards


class _OpenR1Cosine(Reward):
    """open-r1's cosine-scaled reward, in characters: short right answers earn most, short wrong ones lose most; 1.0
    when the gold answer cannot be read, as in open-r1. The length is not clamped at `max_len` (open-r1's curve)."""

    name = "cosine_scaled_reward"
    required_columns = ("solution",)
    error_value = None

    def __init__(
        self,
        min_value_wrong: float,
        max_value_wrong: float,
        min_value_correct: float,
        max_value_correct: float,
        max_len: int,
    ):
        super().__init__()
        if max_len <= 0:
            raise ValueError(f"get_cosine_scaled_reward: max_len must be positive, got {max_len}")
        self.min_value_wrong, self.max_value_wrong = min_value_wrong, max_value_wrong
        self.min_value_correct, self.max_value_correct = min_value_correct, max_value_correct
        self.max_len = max_len

    def __call__(self, completions: list[Any], solution: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
        return super().__call__(completions, **_with_solution(kwargs, solution))

    def score(self, text: str, solution: Any = None, **row: Any) -> float | None:
        ok = _correct(text, solution)
        if ok is None:
            return 1.0
        cosine = math.cos(len(text) / self.max_len * math.pi)
        if ok:
            lo, hi = self.min_value_correct, self.max_value_correct
        else:
            # Swapped so that a long wrong answer is punished less than a short one, as in open-r1.
            lo, hi = self.max_value_wrong, self.min_value_wrong
        return lo + 0.5 * (hi - lo) * (1.0 + cosine)


def _looks_like_completions(batch: Any) -> bool:
    # Token ids are sequences of ints; completions are strings or conversations (lists of message dicts).
    first = next(iter(batch), None) if isinstance(batch, list | tuple) else None
    return isinstance(first, str) or (isinstance(first, list | tuple) and isinstance(next(iter(first), None), dict))


class _OpenR1SoftOverlong(SoftOverlongPunishment):
    """Takes open-r1's calls `f(completion_ids)` and `f(completion_ids=...)` as well as TRL's
    `f(completions, completion_ids=...)`: a lone positional argument is the completion ids unless `completion_ids`
    is also given by keyword or it holds strings or conversations."""

    def __call__(self, *args: Any, **kwargs: Any) -> list[float | None]:
        if len(args) > 1:
            raise TypeError(f"{self.__name__} takes completion_ids (or completions and completion_ids=...)")
        completions = kwargs.pop("completions", None)
        if args and ("completion_ids" in kwargs or _looks_like_completions(args[0])):
            completions = args[0]
        elif args:
            kwargs["completion_ids"] = args[0]
        ids = kwargs.get("completion_ids")
        if completions is None:
            completions = [""] * len(ids) if ids is not None else []
        return super().__call__(completions, **kwargs)


accuracy_reward = _OpenR1Accuracy()
format_reward = _OpenR1Format()
tag_count_reward = _OpenR1TagCount()
reasoning_steps_reward = _named(ReasoningStepsReward(markers=OPEN_R1_STEP_MARKERS), "reasoning_steps_reward")
len_reward = _OpenR1Length()
language_consistency_reward = _named(LanguageConsistencyReward(), "language_consistency_reward")


def get_cosine_scaled_reward(
    min_value_wrong: float = -1.0,
    max_value_wrong: float = -0.5,
    min_value_correct: float = 0.5,
    max_value_correct: float = 1.0,
    max_len: int = 1000,
) -> Reward:
    """open-r1's cosine-scaled reward, with its factory defaults (its script arguments default
    `cosine_min_value_wrong` to 0.0 instead; `get_reward_funcs` uses those)."""
    return _OpenR1Cosine(min_value_wrong, max_value_wrong, min_value_correct, max_value_correct, max_len)


def get_repetition_penalty_reward(ngram_size: int, max_penalty: float, language: str = "en") -> Reward:
    """open-r1's n-gram repetition penalty: words split on whitespace for "en", jieba's words for "zh" (single
    ideographs, with one logged warning, where jieba is not installed)."""
    if max_penalty > 0:
        raise ValueError(f"max_penalty {max_penalty} should not be positive")
    reward = RepetitionPenaltyReward(
        ngram_size=ngram_size, max_penalty=max_penalty, language=language, segmenter="jieba"
    )
    return _named(reward, "repetition_penalty_reward")


def get_soft_overlong_punishment(max_completion_len: int, soft_punish_cache: int) -> Reward:
    reward = _OpenR1SoftOverlong(max_completion_len=max_completion_len, soft_punish_cache=soft_punish_cache)
    return _named(reward, "soft_overlong_punishment_reward")


def get_code_format_reward(language: str = "python") -> Reward:
    """open-r1's code format check: the response shape with a ```` ```language ```` block in the answer (a
    `language` column overrides it per row). Nothing is executed."""
    return _named(CodeFormatReward(language=language), "code_format_reward")


# open-r1's registry names, each built from the reward parameters (REWARD_PARAMS's names, open-r1's defaults).
OPEN_R1_REWARDS: dict[str, Any] = {
    "accuracy": lambda p: accuracy_reward,
    "format": lambda p: format_reward,
    "reasoning_steps": lambda p: reasoning_steps_reward,
    "cosine": lambda p: get_cosine_scaled_reward(
        min_value_wrong=p["cosine_min_value_wrong"],
        max_value_wrong=p["cosine_max_value_wrong"],
        min_value_correct=p["cosine_min_value_correct"],
        max_value_correct=p["cosine_max_value_correct"],
        max_len=p["cosine_max_len"],
    ),
    "repetition_penalty": lambda p: get_repetition_penalty_reward(
        ngram_size=p["repetition_n_grams"], max_penalty=p["repetition_max_penalty"]
    ),
    "length": lambda p: len_reward,
    "code_format": lambda p: get_code_format_reward(language=p["code_language"]),
    "tag_count": lambda p: tag_count_reward,
    "soft_overlong_punishment": lambda p: get_soft_overlong_punishment(
        max_completion_len=p["max_completion_len"], soft_punish_cache=p["soft_punish_cache"]
    ),
    "language_consistency": lambda p: language_consistency_reward,
    "code": lambda p: _code_reward("code", p),
    "binary_code": lambda p: _code_reward("binary_code", p),
    "cf_code": lambda p: _code_reward("cf_code", p),
}


def _code_reward(name: str, p: dict[str, Any]) -> Reward:
    # r1-trl's registry builds them from the same open-r1 field names (and the sandbox's own limits).
    from .registry import get_reward_func

    return _named(get_reward_func(name, **p), f"{name}_reward")


def get_reward_funcs(script_args: Any, **params: Any) -> list[Any]:
    """open-r1's reward functions, in order, by its registry names.

    `script_args` is open-r1's script-arguments object (anything with `reward_funcs` and open-r1's reward parameter
    attributes, such as `GRPOScriptArguments` here or there), or a list of names with the parameters as keywords
    (`cosine_max_len=...`, `repetition_n_grams=...`). Parameters not given take open-r1's defaults; keywords override
    the object's attributes. The code-execution rewards run in the local sandbox; `ioi_code` is refused.
    """
    if isinstance(script_args, list | tuple):
        names = list(script_args)
        given: dict[str, Any] = {}
    elif hasattr(script_args, "reward_funcs"):
        names = list(script_args.reward_funcs)
        given = {k: getattr(script_args, k) for k in REWARD_PARAMS if hasattr(script_args, k)}
    else:
        raise TypeError(
            f"get_reward_funcs takes open-r1's script arguments (with reward_funcs) or a list of reward names, "
            f"got {type(script_args).__name__}"
        )
    for name in names:
        if name in UNSUPPORTED_CODE_REWARDS:
            raise ValueError(
                f"open-r1 reward {name!r} executes code in a sandbox ({CODE_EXECUTION_REWARDS[name]}) with IOI's "
                "graders, which r1-trl does not run; out of scope"
            )
        if name not in OPEN_R1_REWARDS:
            raise ValueError(f"unknown open-r1 reward {name!r}; known: {', '.join(sorted(OPEN_R1_REWARDS))}")
    merged = {**REWARD_PARAMS, **given, **params}
    return [OPEN_R1_REWARDS[name](merged) for name in names]
