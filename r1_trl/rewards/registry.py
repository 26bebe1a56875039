"""Reward names as recipes write them, resolved through one table; dotted import paths reach user rewards.

Modules load on first use, so a recipe that never names `reward_model` never imports a model class for it.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from .format import FormatReward

__all__ = ["REWARDS", "RewardFunc", "check_reward_name", "get_reward_func", "get_reward_funcs"]

RewardFunc = Callable[..., list[float | None]]


# Each factory takes the recipe's own field names (`cosine_max_len`, `repetition_n_grams`, ...), so one flat set of
# params from the recipe configures every reward, and a param meant for one reward cannot leak into another.
def _accuracy(response_format: ResponseFormat = TAG_FORMAT, timeout_s: float = 5.0, require_tags: bool = True):
    from .accuracy import AccuracyReward

    return AccuracyReward(response_format, timeout_s=timeout_s, require_tags=require_tags)


def _format(response_format: ResponseFormat = TAG_FORMAT):
    # The name picks the variant: a shared `strict` param must not turn `format` into `format_strict`.
    return FormatReward(response_format, strict=False)


def _format_strict(response_format: ResponseFormat = TAG_FORMAT):
    return FormatReward(response_format, strict=True)


def _tag_count(response_format: ResponseFormat = TAG_FORMAT):
    from .tags import TagCountReward

    return TagCountReward(response_format)


def _reasoning_steps():
    from .tags import ReasoningStepsReward

    return ReasoningStepsReward()


def _length(response_format: ResponseFormat = TAG_FORMAT, timeout_s: float = 5.0):
    from .length import LengthReward

    return LengthReward(response_format=response_format, timeout_s=timeout_s)


def _cosine(
    response_format: ResponseFormat = TAG_FORMAT,
    timeout_s: float = 5.0,
    cosine_min_value_wrong: float = -1.0,
    cosine_max_value_wrong: float = -0.5,
    cosine_min_value_correct: float = 0.5,
    cosine_max_value_correct: float = 1.0,
    cosine_max_len: int = 1000,
):
    from .length import CosineReward

    return CosineReward(
        min_value_wrong=cosine_min_value_wrong,
        max_value_wrong=cosine_max_value_wrong,
        min_value_correct=cosine_min_value_correct,
        max_value_correct=cosine_max_value_correct,
        max_len=cosine_max_len,
        response_format=response_format,
        timeout_s=timeout_s,
    )


def _repetition_penalty(
    repetition_n_grams: int = 3, repetition_max_penalty: float = -1.0, repetition_language: str = "en"
):
    from .repetition import RepetitionPenaltyReward

    return RepetitionPenaltyReward(
        ngram_size=repetition_n_grams, max_penalty=repetition_max_penalty, language=repetition_language
    )


def _soft_overlong_punishment(max_completion_len: int = 1024, soft_punish_cache: int = 256):
    from .length import SoftOverlongPunishment

    return SoftOverlongPunishment(max_completion_len=max_completion_len, soft_punish_cache=soft_punish_cache)


def _language_consistency(response_format: ResponseFormat = TAG_FORMAT):
    from .language import LanguageConsistencyReward

    return LanguageConsistencyReward(response_format=response_format)


def _reward_model(
    reward_model_name_or_path: str | None = None,
    reward_model_scope: str = "summary",
    response_format: ResponseFormat = TAG_FORMAT,
    trust_remote_code: bool = False,
):
    from .reward_model import RewardModelReward

    if not reward_model_name_or_path:
        raise ValueError("reward 'reward_model' needs reward_model_name_or_path (a local path or Hub id)")
    return RewardModelReward(
        reward_model_name_or_path,
        scope=reward_model_scope,
        response_format=response_format,
        trust_remote_code=trust_remote_code,
    )


def _named_reward_model(name: str, scope: str, field: str) -> Callable[..., RewardFunc]:
    """The all-scenarios stage's two reward models under their own names, so metrics read
    `rewards/helpfulness/mean` and `rewards/harmlessness/mean` and one recipe can carry both."""

    def factory(
        helpfulness_model_name_or_path: str | None = None,
        harmlessness_model_name_or_path: str | None = None,
        response_format: ResponseFormat = TAG_FORMAT,
        trust_remote_code: bool = False,
    ):
        from .reward_model import RewardModelReward

        path = {"helpfulness": helpfulness_model_name_or_path, "harmlessness": harmlessness_model_name_or_path}[name]
        if not path:
            raise ValueError(f"reward {name!r} needs {field} (the reward_model stage's {name} model, or a Hub id)")
        reward = RewardModelReward(
            path, scope=scope, response_format=response_format, trust_remote_code=trust_remote_code
        )
        reward.__name__ = name
        return reward

    factory.__name__ = f"_{name}"
    return factory


def _code_execution(kind: str) -> Callable[..., RewardFunc]:
    """open-r1's `code`, `binary_code` and `cf_code`, run in the local sandbox (`rewards/code_exec.py`)."""

    def factory(
        code_provider: str = "local",
        code_time_limit_s: float = 5.0,
        code_memory_limit_mb: int = 512,
        parallel_code_exec_per_proc: int = 2,
        code_eval_scoring_mode: str = "weighted_sum",
        enforce_same_language: bool = False,
        code_unsupported_language: str = "none",
    ):
        from .code_exec import CodeforcesReward, CodeReward

        sandbox = {
            "time_limit_s": code_time_limit_s,
            "memory_limit_mb": code_memory_limit_mb,
            "workers": parallel_code_exec_per_proc,
            "unsupported_language": code_unsupported_language,
            "code_provider": code_provider,
        }
        if kind == "cf_code":
            return CodeforcesReward(scoring_mode=code_eval_scoring_mode, **sandbox)
        return CodeReward(binary=kind == "binary_code", enforce_same_language=enforce_same_language, **sandbox)

    factory.__name__ = f"_{kind}"
    return factory


# Factories, not instances: each trainer gets rewards built with its own template's response format and params.
REWARDS: dict[str, Callable[..., RewardFunc]] = {
    "accuracy": _accuracy,
    "format": _format,
    "format_strict": _format_strict,
    "tag_count": _tag_count,
    "reasoning_steps": _reasoning_steps,
    "length": _length,
    "cosine": _cosine,
    "repetition_penalty": _repetition_penalty,
    "soft_overlong_punishment": _soft_overlong_punishment,
    "language_consistency": _language_consistency,
    "reward_model": _reward_model,
    # Helpfulness judges the final summary only, leaving the reasoning free; harmlessness reads the whole
    # response, so nothing harmful can hide in the reasoning (DeepSeek-R1, all-scenarios RL).
    "helpfulness": _named_reward_model("helpfulness", "summary", "helpfulness_model_name_or_path"),
    "harmlessness": _named_reward_model("harmlessness", "full", "harmlessness_model_name_or_path"),
    # open-r1's code-execution rewards, in r1-trl's local sandbox.
    "code": _code_execution("code"),
    "binary_code": _code_execution("binary_code"),
    "cf_code": _code_execution("cf_code"),
}

_DOTTED_HINT = "or a dotted import path like my_pkg.rewards.fn"

# Names recipes may still carry, with what became of them: a renamed reward should say so, not just be unknown.
_RENAMED = {
    "format_lenient": "`format_lenient` was renamed: `format` now accepts any whitespace; `format_strict` wants "
    "newlines",
    "ioi_code": "open-r1's `ioi_code` needs IOI's graders (Piston/Morph), which r1-trl does not run: not supported",
}


def _known() -> str:
    return f"known rewards: {', '.join(sorted(REWARDS))}, {_DOTTED_HINT}"


def _unknown(name: str) -> ValueError:
    hint = f"{_RENAMED[name]}; " if name in _RENAMED else ""
    return ValueError(f"unknown reward {name!r}; {hint}{_known()}")


def _accepted(factory: Callable[..., Any], params: dict[str, Any]) -> dict[str, Any]:
    """The subset of `params` the factory takes: recipes pass one set of params to every reward."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return dict(params)
    usable = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {k: v for k, v in params.items() if k in sig.parameters and sig.parameters[k].kind in usable}


def _import(path: str) -> Any:
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as err:  # any failure while importing user code is a bad reward name to the caller
        raise ValueError(
            f"cannot import reward {path!r}: module {module_name!r} failed to import ({err}); {_known()}"
        ) from err
    if not hasattr(module, attr):
        raise ValueError(
            f"cannot import reward {path!r}: module {module_name!r} has no attribute {attr!r}; {_known()}"
        )
    return getattr(module, attr)


def get_reward_func(name: str, **params: Any) -> RewardFunc:
    """A reward by registry name (`accuracy`) or dotted import path (`my_pkg.rewards.fn`).

    Registry factories and classes are built with the `params` their signature accepts (`response_format`,
    `timeout_s`, ...); a function or a callable object at a dotted path is returned as it is.
    """
    if not isinstance(name, str):
        raise ValueError(f"a reward name must be a string, got {name!r}")
    if name in REWARDS:
        factory = REWARDS[name]
        return factory(**_accepted(factory, params))
    module_name, _, attr = name.rpartition(".")
    if not module_name or not attr:
        raise _unknown(name)
    obj = _import(name)
    if inspect.isclass(obj):
        obj = obj(**_accepted(obj, params))
    if not callable(obj):
        raise ValueError(f"reward {name!r} is a {type(obj).__name__}, not a function or a reward class")
    return obj


def get_reward_funcs(names: list[str], **params: Any) -> list[RewardFunc]:
    """`get_reward_func` for each name, in order, with the same params."""
    return [get_reward_func(name, **params) for name in names]


def check_reward_name(name: str) -> None:
    """Raise the error `get_reward_func` would for a name that cannot resolve, without building the reward (a
    reward model would load its weights): a registry name, or a dotted path to something callable."""
    if not isinstance(name, str):
        raise ValueError(f"a reward name must be a string, got {name!r}")
    if name in REWARDS:
        return
    module_name, _, attr = name.rpartition(".")
    if not module_name or not attr:
        raise _unknown(name)
    if not callable(_import(name)):
        raise ValueError(f"reward {name!r} is not a function or a reward class")
