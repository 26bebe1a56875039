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

__all__ = ["main", "run_grpo"]

logger = logging.getLogger(__name__)


def run_grpo(stage: str, argv: Sequence[str]) -> dict:
    """The GRPO stages differ only in their recipe: model, prompts, template and rewards."""
    script_args, training_args, model_args = parse_recipe((R1ScriptArguments, R1GRPOConfig, ModelConfig), argv)
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
