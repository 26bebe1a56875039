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

from ..configs import EMBEDDED_DATASET, R1ModelConfig, R1SFTConfig
from ..data import load_sft_data
from ..evaluation.evaluator import check_lora_eval, make_evaluator
from ..models import load_trainable, lora_config
from ..trainers import R1SFTTrainer, finish_stage, train_resumable
from ..trainers.hub import hub_callbacks
from .recipe import Recipe, parse_stage

__all__ = ["check_recipe", "run_sft", "sft_data_source"]

logger = logging.getLogger(__name__)


def sft_data_source(recipe: Recipe) -> tuple[str, str | None]:
    """(dataset, config) of the SFT data: `sft_dataset`, or a real `dataset_name` as open-r1's SFT recipes give it."""
    if recipe.sft_dataset:
        return recipe.sft_dataset, None
    return recipe.dataset_name, recipe.dataset_config


def check_recipe(recipe: Recipe) -> None:
    """The SFT stages' cross-field rules; the run and `--dry-run` both call this (through `parse_stage`)."""
    if not recipe.sft_dataset:
        if recipe.dataset_name in (None, EMBEDDED_DATASET):
            raise ValueError(
                f"{recipe.stage}: sft_dataset is required (the previous data stage's train.jsonl, a jsonl file or Hub "
                "id), or a dataset_name with a messages column"
            )
        # open-r1's layout: the SFT data is dataset_name, and there are no held-out prompts to evaluate on.
        if "eval_after_training" in recipe.explicit and recipe.eval_after_training:
            raise ValueError(
                f"{recipe.stage}: dataset_name {recipe.dataset_name!r} is the SFT data here (no sft_dataset), so the "
                "held-out evaluation has no prompts; set sft_dataset to the data and dataset_name to the evaluation "
                "prompts, or eval_after_training: false"
            )
        logger.warning(
            "%s: no sft_dataset; training on dataset_name %r (open-r1's layout), without the held-out evaluation",
            recipe.stage,
            recipe.dataset_name,
        )
        recipe.eval_after_training = False
    check_lora_eval(recipe, recipe.part(R1ModelConfig))


def run_sft(argv: Sequence[str], stage: str = "cold_start_sft") -> dict:
    """The SFT-shaped stages differ only in their recipe: model, data and template."""
    started = time.time()
    recipe = parse_stage(stage, argv)
    training_args, model_args = recipe.part(R1SFTConfig), recipe.part(R1ModelConfig)
    peft_config = lora_config(model_args)
    # The data first: a wrong path should fail before a large model is loaded.
    data, data_config = sft_data_source(recipe)
    train = load_sft_data(data, recipe.dataset_train_split, data_config)
    model, tokenizer = load_trainable(model_args, training_args)
    logger.info("%s: %d conversations from %s", stage, len(train), data)
    trainer = R1SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=hub_callbacks(recipe, training_args),
    )
    # Built before training so that an evaluation that cannot run (eval_backend vllm without vLLM) fails now.
    evaluator = None
    if recipe.eval_after_training:
        evaluator = make_evaluator(
            recipe,
            tokenizer,
            chat=recipe.chat_format,
            model_dir=training_args.output_dir,
            trust_remote_code=training_args.trust_remote_code,
        )
    train_resumable(trainer)
    return finish_stage(
        trainer,
        stage,
        evaluator,
        recipe.report_path,
        started,
        extra={"num_train_examples": len(train)},
        merge_lora=model_args.merge_lora,
        script_args=recipe,
    )
