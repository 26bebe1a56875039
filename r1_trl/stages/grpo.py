"""The run every GRPO stage shares (r1_zero, reasoning_rl, all_scenarios_rl, distill_rl_only): they differ only in
their recipe: model, prompts, template, rewards and their routing, and an optional wall-clock budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from trl import ModelConfig

from ..configs import R1GRPOConfig, R1ScriptArguments
from ..data import load_prompts
from ..models import load_causal_lm, load_tokenizer, lora_config, quantization_kwargs
from ..report import update_report
from ..trainers import R1GRPOTrainer, finish_stage, train_resumable
from ..trainers.budget import TimeBudgetCallback, budget_of
from ..trainers.hub import hub_callbacks
from .common import check_lora_eval, make_evaluator, make_general_scorer, parse_recipe

__all__ = ["LC_REWARD", "run_grpo"]

LC_REWARD = "language_consistency"

logger = logging.getLogger(__name__)

# What a recipe of this stage is parsed into (also read by `--dry-run`).
RECIPE_TYPES = (R1ScriptArguments, R1GRPOConfig, ModelConfig)


def _drop_lc_reward(script_args: R1ScriptArguments, training_args: R1GRPOConfig) -> None:
    """Remove the language-consistency reward (and its entries in the per-reward lists) for the comparison run."""
    names = list(script_args.reward_funcs)
    if LC_REWARD not in names:
        return
    i = names.index(LC_REWARD)
    drop = lambda values: None if values is None else [*values[:i], *values[i + 1 :]]
    script_args.reward_funcs = drop(names)
    script_args.reward_tasks = drop(script_args.reward_tasks)
    script_args.reward_start_steps = drop(script_args.reward_start_steps)
    training_args.reward_weights = drop(training_args.reward_weights)


def run_grpo(stage: str, argv: Sequence[str], lc_switch: bool = False) -> dict:
    """The GRPO stages differ only in their recipe: model, prompts, template and rewards.

    With `lc_switch`, `use_language_consistency: false` drops that reward and records the run as `<stage>_no_lc`.
    """
    script_args, training_args, model_args = parse_recipe(RECIPE_TYPES, argv)
    if lc_switch and not script_args.use_language_consistency:
        _drop_lc_reward(script_args, training_args)
        stage = f"{stage}_no_lc"
    if training_args.reward_weights is not None and len(training_args.reward_weights) != len(script_args.reward_funcs):
        raise ValueError(
            f"reward_weights has {len(training_args.reward_weights)} values for {len(script_args.reward_funcs)} "
            f"reward_funcs {script_args.reward_funcs}"
        )
    peft_config = lora_config(model_args)
    check_lora_eval(script_args, model_args)
    if peft_config is not None and training_args.sync_ref_model and training_args.beta != 0.0:
        raise ValueError(
            "use_peft needs sync_ref_model: false: with LoRA the reference is the base with the adapter off, and "
            "TRL cannot sync it"
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
        **quantization_kwargs(model_args, training_args),
    )
    train = load_prompts(script_args, "train")
    callbacks = hub_callbacks(script_args, training_args)
    extra = {}
    if script_args.time_budget_of:
        budget = budget_of(script_args.time_budget_of)
        callbacks.append(TimeBudgetCallback(budget))
        extra["time_budget_seconds"] = budget
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
        reward_tasks=script_args.reward_tasks,
        reward_start_steps=script_args.reward_start_steps,
        callbacks=callbacks,
        peft_config=peft_config,
    )
    general = make_general_scorer(script_args, tokenizer, chat=script_args.chat_format, prefix=trainer.prefix)
    # Built before training so that an evaluation that cannot run (eval_backend vllm without vLLM) fails now.
    evaluator = None
    if script_args.eval_after_training:
        evaluator = make_evaluator(
            script_args,
            tokenizer,
            chat=script_args.chat_format,
            prefix=trainer.prefix,
            general=general,
            model_dir=training_args.output_dir,
            trust_remote_code=remote,
        )
    if general is not None and script_args.eval_after_training:
        # The start model on the same held-out general prompts: the reward-model scores must rise from here.
        extra["general_before"] = general(trainer.model)
    train_resumable(trainer)
    entry = finish_stage(
        trainer,
        stage,
        evaluator,
        script_args.report_path,
        started,
        extra=extra,
        merge_lora=script_args.merge_lora,
        script_args=script_args,
    )
    if script_args.time_budget_of and script_args.report_path and trainer.accelerator.is_main_process:
        _record_comparison(script_args.report_path, script_args.time_budget_of, entry)
    return entry


COMPARED = ("pass@1", "accuracy_lenient", "format_rate", "cons@k", "global_steps", "train_seconds")


def _record_comparison(report_path: str, budget_stage_dir: str, entry: dict) -> None:
    """Put the time-matched run's figures beside the run it was matched to (`rl_only_pass@1` in `distill`), so one
    report entry holds both sides of the comparison. The stage is named by its folder, as the pipeline lays out."""
    fields = {f"rl_only_{k}": entry[k] for k in COMPARED if k in entry}
    update_report(report_path, Path(budget_stage_dir).name, fields)
