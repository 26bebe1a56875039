"""Reward names as recipes write them, resolved through one table; dotted import paths reach user rewards."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from .accuracy import AccuracyReward
from .format import FormatReward

__all__ = ["REWARDS", "RewardFunc", "get_reward_func", "get_reward_funcs"]

RewardFunc = Callable[..., list[float | None]]


def _format(response_format: ResponseFormat = TAG_FORMAT) -> FormatReward:
    # The name picks the variant: a shared `lenient` param must not turn `format` into `format_lenient`.
    return FormatReward(response_format, lenient=False)


def _format_lenient(response_format: ResponseFormat = TAG_FORMAT) -> FormatReward:
    return FormatReward(response_format, lenient=True)


# Factories, not instances: each trainer gets rewards built with its own template's response format and bounds.
REWARDS: dict[str, Callable[..., RewardFunc]] = {
    "accuracy": AccuracyReward,
    "format": _format,
    "format_lenient": _format_lenient,
}

_DOTTED_HINT = "or a dotted import path like my_pkg.rewards.fn"


def _known() -> str:
    return f"known rewards: {', '.join(sorted(REWARDS))}, {_DOTTED_HINT}"


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
        raise ValueError(f"unknown reward {name!r}; {_known()}")
    obj = _import(name)
    if inspect.isclass(obj):
        obj = obj(**_accepted(obj, params))
    if not callable(obj):
        raise ValueError(f"reward {name!r} is a {type(obj).__name__}, not a function or a reward class")
    return obj


def get_reward_funcs(names: list[str], **params: Any) -> list[RewardFunc]:
    """`get_reward_func` for each name, in order, with the same params."""
    return [get_reward_func(name, **params) for name in names]
