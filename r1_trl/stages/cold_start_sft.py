"""Stage 3, `cold_start_sft`: fine-tune the base (not R1-Zero) on the cold-start set, loss on the responses only.

The set is conversational (`messages`), so the model learns the readable format as an assistant turn of its chat
template, and the end-of-sequence token is aligned in the tokenizer, model config and generation config so the
fine-tuned model stops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from datasets import load_dataset
from trl import ModelConfig

from ..configs import R1ScriptArguments, R1SFTConfig
from ..models import load_causal_lm, load_tokenizer, lora_config, quantization_kwargs
from ..trainers import R1SFTTrainer, finish_stage, train_resumable
from ..trainers.hub import hub_callbacks
from .common import check_lora_eval, make_evaluator, parse_recipe

__all__ = ["load_sft_data", "main", "run_sft"]

logger = logging.getLogger(__name__)

# What a recipe of this stage is parsed into (also read by `--dry-run`).
RECIPE_TYPES = (R1ScriptArguments, R1SFTConfig, ModelConfig)


def load_sft_data(path: str, split: str):
    try:
        ds = (
            load_dataset(path, split=split)
            if not path.endswith(".jsonl")
            else load_dataset("json", data_files=path, split="train")
        )
    except Exception as err:  # datasets raises many types for "not found" and "offline"; all mean the same here
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"cannot load SFT dataset {path!r}: {first}") from err
    if "messages" not in ds.column_names:
        raise ValueError(f"SFT dataset {path!r} has no 'messages' column; its columns are {ds.column_names}")
    # Provenance columns stay in the dataset on disk; the trainer only needs the conversations.
    return ds.select_columns(["messages"])


def run_sft(stage: str, argv: Sequence[str]) -> dict:
    """The SFT-shaped stages differ only in their recipe: model, data and template."""
    script_args, training_args, model_args = parse_recipe(RECIPE_TYPES, argv)
    if not script_args.sft_dataset:
        raise ValueError(f"{stage}: sft_dataset is required (the cold_start_data output, a jsonl file or Hub id)")
    peft_config = lora_config(model_args)
    check_lora_eval(script_args, model_args)
    started = time.time()
    # The data first: a wrong path should fail before a large model is loaded.
    train = load_sft_data(script_args.sft_dataset, script_args.dataset_train_split)
    remote = training_args.trust_remote_code
    tokenizer = load_tokenizer(model_args.model_name_or_path, remote)
    model = load_causal_lm(
        model_args.model_name_or_path,
        remote,
        dtype=model_args.dtype or "auto",
        **quantization_kwargs(model_args, training_args),
    )
    logger.info("%s: %d conversations from %s", stage, len(train), script_args.sft_dataset)
    trainer = R1SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=hub_callbacks(script_args, training_args),
    )
    # Built before training so that an evaluation that cannot run (eval_backend vllm without vLLM) fails now.
    evaluator = None
    if script_args.eval_after_training:
        evaluator = make_evaluator(
            script_args,
            tokenizer,
            chat=script_args.chat_format,
            model_dir=training_args.output_dir,
            trust_remote_code=remote,
        )
    train_resumable(trainer)
    return finish_stage(
        trainer,
        stage,
        evaluator,
        script_args.report_path,
        started,
        extra={"num_train_examples": len(train)},
        merge_lora=script_args.merge_lora,
        script_args=script_args,
    )


def main(argv: Sequence[str], stage: str = "cold_start_sft") -> dict:
    return run_sft(stage, argv)
