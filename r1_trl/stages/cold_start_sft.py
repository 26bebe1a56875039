"""Stages 3 and 6, `cold_start_sft` and `sft`: fine-tune the base (not an RL model, as in the paper) on the cold-start
set or the rejection-sampled set, loss on the responses only.

The set is conversational (`messages`), so the model learns the readable format as an assistant turn of its chat
template, and the end-of-sequence token is aligned in the tokenizer, model config and generation config so the
fine-tuned model stops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from ..configs import EMBEDDED_DATASET
from ..data import load_sft_data
from ..evaluation.evaluator import check_lora_eval
from ..models import load_trainable, lora_config
from ..trainers import R1SFTTrainer
from ..trainers.hub import hub_callbacks
from .recipe import Recipe, parse_stage
from .training import run_training_stage, stage_evaluator

__all__ = ["apply_stage_options", "check_recipe", "run_sft", "sft_data_source"]

logger = logging.getLogger(__name__)


def sft_data_source(recipe: Recipe) -> tuple[str, str | None]:
    """(dataset, config) of the SFT data: `sft_dataset`, or a real `dataset_name` as open-r1's SFT recipes give it."""
    if recipe.sft_data.sft_dataset:
        return recipe.sft_data.sft_dataset, None
    return recipe.task.dataset_name, recipe.task.dataset_config


def apply_stage_options(recipe: Recipe) -> None:
    """open-r1's layout, where the SFT data is `dataset_name`: there are no held-out prompts to evaluate on, so the
    final evaluation is switched off (unless the recipe asks for it, which `check_recipe` refuses)."""
    task, evaluation = recipe.task, recipe.evaluation
    if recipe.sft_data.sft_dataset or task.dataset_name in (None, EMBEDDED_DATASET):
        return
    if "eval_after_training" not in recipe.explicit:
        logger.warning(
            "%s: no sft_dataset; training on dataset_name %r (open-r1's layout), without the held-out evaluation",
            recipe.stage,
            task.dataset_name,
        )
        evaluation.eval_after_training = False


def check_recipe(recipe: Recipe) -> None:
    """The SFT stages' cross-field rules, changing nothing; the run and `--dry-run` both call this (through
    `parse_stage`), after `apply_stage_options`."""
    task = recipe.task
    if not recipe.sft_data.sft_dataset:
        if task.dataset_name in (None, EMBEDDED_DATASET):
            raise ValueError(
                f"{recipe.stage}: sft_dataset is required (the previous data stage's train.jsonl, a jsonl file or Hub "
                "id), or a dataset_name with a messages column"
            )
        if recipe.evaluation.eval_after_training:
            raise ValueError(
                f"{recipe.stage}: dataset_name {task.dataset_name!r} is the SFT data here (no sft_dataset), so the "
                "held-out evaluation has no prompts; set sft_dataset to the data and dataset_name to the evaluation "
                "prompts, or eval_after_training: false"
            )
    check_lora_eval(recipe, recipe.model)


def run_sft(argv: Sequence[str], stage: str = "cold_start_sft") -> dict:
    """The SFT-shaped stages differ only in their recipe: model, data and template."""
    started = time.time()
    recipe = parse_stage(stage, argv)
    training_args, model_args = recipe.train, recipe.model
    peft_config = lora_config(model_args)
    # The data first: a wrong path should fail before a large model is loaded.
    data, data_config = sft_data_source(recipe)
    train = load_sft_data(data, recipe.task.dataset_train_split, data_config)
    model, tokenizer = load_trainable(model_args, training_args)
    logger.info("%s: %d conversations from %s", stage, len(train), data)
    trainer = R1SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=hub_callbacks(recipe.hub, training_args),
    )
    evaluator = stage_evaluator(recipe, tokenizer, chat=recipe.task.chat_format)
    return run_training_stage(trainer, recipe, stage, evaluator, started, extra={"num_train_examples": len(train)})
