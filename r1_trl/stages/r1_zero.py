"""Stage 1, `r1_zero`: pure GRPO from the base with the R1-Zero template and rule rewards, no SFT first."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from trl import ModelConfig

from ..configs import R1GRPOConfig, R1ScriptArguments
from ..data import load_prompts
from ..models import load_causal_lm, load_tokenizer
from ..trainers import R1GRPOTrainer, finish_stage, train_resumable
from .common import make_evaluator, parse_recipe

__all__ = ["LC_REWARD", "main", "run_grpo"]

LC_REWARD = "language_consistency"

logger = logging.getLogger(__name__)


def _drop_lc_reward(script_args: R1ScriptArguments, training_args: R1GRPOConfig) -> None:
    """Remove the language-consistency reward (and its weight) for the comparison run without it."""
    names = list(script_args.reward_funcs)
    if LC_REWARD not in names:
        return
    i = names.index(LC_REWARD)
    script_args.reward_funcs = names[:i] + names[i + 1 :]
    if training_args.reward_weights is not None:
        weights = list(training_args.reward_weights)
        training_args.reward_weights = weights[:i] + weights[i + 1 :]


def run_grpo(stage: str, argv: Sequence[str], lc_switch: bool = False) -> dict:
    """The GRPO stages differ only in their recipe: model, prompts, template and rewards.

    With `lc_switch`, `use_language_consistency: false` drops that reward and records the run as `<stage>_no_lc`.
    """
    script_args, training_args, model_args = parse_recipe((R1ScriptArguments, R1GRPOConfig, ModelConfig), argv)
    if lc_switch and not script_args.use_language_consistency:
        _drop_lc_reward(script_args, training_args)
        stage = f"{stage}_no_lc"
    if training_args.reward_weights is not None and len(training_args.reward_weights) != len(script_args.reward_funcs):
        raise ValueError(
            f"reward_weights has {len(training_args.reward_weights)} values for {len(script_args.reward_funcs)} "
            f"reward_funcs {script_args.reward_funcs}"
        )
    started = time.time()
    remote = training_args.trust_remote_code
    tokenizer = load_tokenizer(model_args.model_name_or_path, remote)
    model = load_causal_lm(
        model_args.model_name_or_path,
        remote,
        dtype=model_args.dtype or "auto",
        revision=model_args.model_revision,
        attn_implementation=model_args.attn_implementation,
    )
    train = load_prompts(script_args, "train")
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=script_args.reward_funcs,
        args=training_args,
        train_dataset=train,
        processing_class=tokenizer,
        template=script_args.template,
        chat=script_args.chat_format,
        reward_params=script_args.reward_params(training_args.max_completion_length),
        log_samples=script_args.log_samples,
    )
    train_resumable(trainer)
    evaluator = None
    if script_args.eval_after_training:
        evaluator = make_evaluator(script_args, tokenizer, chat=script_args.chat_format, prefix=trainer.prefix)
    return finish_stage(trainer, stage, evaluator, script_args.report_path, started)


def main(argv: Sequence[str]) -> dict:
    return run_grpo("r1_zero", argv)
