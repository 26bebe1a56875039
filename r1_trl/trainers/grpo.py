"""R1GRPOTrainer: TRL's GRPOTrainer plus what a recipe needs: rewards by name, the template applied to the dataset,
and rewards guarded so that a broken one stops training with its name (see `r1_trl.rewards.guard`).

Sample completions are TRL's own: `log_completions` and `num_completions_to_print` in the config."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from datasets import Dataset
from torch import nn
from transformers import PreTrainedTokenizerBase
from trl import GRPOTrainer

from ..generation import import_vllm
from ..rewards import get_reward_funcs, guard_rewards
from ..rewards.routing import route_rewards
from ..templates import Template, chat_prefix, get_template
from ..vllm_platform import prepare_colocate
from .checkpoint import ConvertingResumeMixin
from .hub import HubRepoMixin

__all__ = ["PrefixedReward", "R1GRPOTrainer", "apply_template", "check_reward_columns"]

logger = logging.getLogger(__name__)


class PrefixedReward:
    """Scores `prefix + completion`: for chat templates that prefill `<think>`, the completion alone would never
    match the response format and every format reward would be 0."""

    def __init__(self, func: Callable[..., list[float | None]], prefix: str):
        self.func, self.prefix = func, prefix
        self.__name__ = getattr(func, "__name__", type(func).__name__)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return self.func([self._prepend(c) for c in completions], **kwargs)

    def _prepend(self, completion: Any) -> Any:
        if isinstance(completion, str):
            return self.prefix + completion
        if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
            last = dict(completion[-1])
            last["content"] = self.prefix + str(last.get("content", ""))
            return [*completion[:-1], last]
        return completion


def apply_template(dataset: Dataset, template: Template, chat: bool = False) -> Dataset:
    """Rewrite `prompt` (the bare question) as the template's prompt, in the row's `lang` when there is one; the
    question is kept as `question`."""
    if "prompt" not in dataset.column_names:
        raise ValueError(f"the dataset has no 'prompt' column; its columns are {dataset.column_names}")
    has_lang = "lang" in dataset.column_names

    def fill(row: dict) -> dict:
        lang = row["lang"] if has_lang else None
        prompt = template.as_conversation(row["prompt"], lang) if chat else template.format_prompt(row["prompt"], lang)
        return {"question": row["prompt"], "prompt": prompt}

    return dataset.map(fill, desc=f"applying template {template.name}")


def check_reward_columns(dataset: Dataset, reward_funcs: Sequence[Callable]) -> None:
    for func in reward_funcs:
        for column in getattr(func, "required_columns", ()):
            if column not in dataset.column_names:
                raise ValueError(
                    f"the dataset has no {column!r} column, which reward {func.__name__!r} needs; "
                    f"its columns are {dataset.column_names}"
                )


class R1GRPOTrainer(HubRepoMixin, ConvertingResumeMixin, GRPOTrainer):
    def __init__(
        self,
        model: Any,
        reward_funcs: Sequence[str | Callable],
        args: Any,
        train_dataset: Dataset,
        processing_class: PreTrainedTokenizerBase,
        template: str | Template = "r1_zero",
        chat: bool = False,
        reward_params: dict[str, Any] | None = None,
        reward_tasks: Sequence[str] | None = None,
        reward_start_steps: Sequence[int] | None = None,
        max_reward_failure_share: float = 0.1,
        **kwargs: Any,
    ):
        self.template = get_template(template) if isinstance(template, str) else template
        params = {"response_format": self.template.response_format, **(reward_params or {})}
        funcs = [f if callable(f) else get_reward_funcs([f], **params)[0] for f in reward_funcs]
        funcs = route_rewards(funcs, reward_tasks, reward_start_steps)
        check_reward_columns(train_dataset, funcs)
        self.prefix = ""
        if chat:
            self.prefix = chat_prefix(processing_class, self.template)
            if self.prefix:
                logger.info("the chat template prefills %r; rewards see it prepended to each completion", self.prefix)
                funcs = [f if isinstance(f, nn.Module) else PrefixedReward(f, self.prefix) for f in funcs]
        # Outermost, so it sees exactly what TRL passes and what TRL gets back.
        funcs = guard_rewards(funcs, max_reward_failure_share)
        if getattr(args, "use_vllm", False) and getattr(args, "vllm_mode", None) == "colocate":
            import_vllm("use_vllm")
            prepare_colocate(args, model)
        # TRL's in-training evaluation (eval_strategy) must see the prompts as training does.
        if kwargs.get("eval_dataset") is not None:
            kwargs["eval_dataset"] = apply_template(kwargs["eval_dataset"], self.template, chat)
        super().__init__(
            model=model,
            reward_funcs=funcs,
            args=args,
            train_dataset=apply_template(train_dataset, self.template, chat),
            processing_class=processing_class,
            **kwargs,
        )
