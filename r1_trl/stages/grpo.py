"""The run every GRPO stage shares (r1_zero, reasoning_rl and its no-LC comparison, all_scenarios_rl,
distill_rl_only): they differ only in their recipe (model, prompts, template, rewards and their routing, an optional
wall-clock budget) and in the options bound in the stage table."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from accelerate import PartialState

from ..configs import R1GRPOConfig, R1ModelConfig
from ..configs.filter import PromptFilterArguments
from ..data import load_prompts
from ..evaluation.evaluator import check_lora_eval, make_evaluator, make_general_scorer, template_of
from ..models import load_trainable, lora_config
from ..report import update_report
from ..rewards import check_reward_name
from ..trainers import R1GRPOTrainer, finish_stage, train_resumable
from ..trainers.budget import TimeBudgetCallback, budget_of
from ..trainers.hub import hub_callbacks
from .filter_prompts import filter_by_pass_rate
from .recipe import Recipe, parse_stage

__all__ = ["FILTERED_SUFFIX", "LC_REWARD", "NO_LC_SUFFIX", "apply_stage_options", "check_recipe", "run_grpo"]

LC_REWARD = "language_consistency"
NO_LC_SUFFIX = "_no_lc"
FILTERED_SUFFIX = "_filtered"

logger = logging.getLogger(__name__)


def apply_stage_options(
    recipe: Recipe, use_language_consistency: bool | None = None, filter_prompts: bool | None = None
) -> None:
    """Everything that rewrites a GRPO recipe, in one step that `parse_stage` runs before `check_recipe`: a
    comparison stage's options (the stage table's `options`) and the switch that drops the language-consistency
    reward, each with the `output_dir` suffix that keeps a comparison from overwriting its base run."""
    training_args = recipe.part(R1GRPOConfig)
    if filter_prompts:
        _bind_filter(recipe, training_args)
    if use_language_consistency is False and recipe.has("use_language_consistency"):
        # The stage is the comparison: it overrides its base recipe's switch, but not an explicit flag.
        if "use_language_consistency" in recipe.cli and recipe.use_language_consistency:
            raise ValueError(
                f"{recipe.stage} runs without the language-consistency reward; --use_language_consistency true "
                "contradicts it (run reasoning_rl for the run with it)"
            )
        recipe.use_language_consistency = False
    if _without_lc(recipe):
        _drop_lc_reward(recipe, training_args)


def check_recipe(recipe: Recipe) -> None:
    """The GRPO stages' cross-field rules, changing nothing; the run and `--dry-run` both call this (through
    `parse_stage`), after `apply_stage_options`."""
    training_args, model_args = recipe.part(R1GRPOConfig), recipe.part(R1ModelConfig)
    for name in recipe.reward_funcs:
        check_reward_name(name)
    weights = training_args.reward_weights
    if weights is not None and len(weights) != len(recipe.reward_funcs):
        raise ValueError(
            f"reward_weights has {len(weights)} values for {len(recipe.reward_funcs)} reward_funcs "
            f"{recipe.reward_funcs}"
        )
    check_lora_eval(recipe, model_args)
    if model_args.use_peft and training_args.sync_ref_model and training_args.beta != 0.0:
        raise ValueError(
            "use_peft needs sync_ref_model: false: with LoRA the reference is the base with the adapter off, and "
            "TRL cannot sync it"
        )
    if recipe.general_eval_prompts and not (
        recipe.helpfulness_model_name_or_path or recipe.harmlessness_model_name_or_path
    ):
        raise ValueError(
            "general_eval_prompts needs helpfulness_model_name_or_path or harmlessness_model_name_or_path"
        )


def _drop_lc_reward(recipe: Recipe, training_args: R1GRPOConfig) -> None:
    """The comparison run: remove the language-consistency reward (and its entries in the per-reward lists), and
    write to `<output_dir>_no_lc` (unless `--output_dir` says otherwise) so it never overwrites the run with LC."""
    names = list(recipe.reward_funcs)
    if LC_REWARD in names:
        i = names.index(LC_REWARD)
        drop = lambda values: None if values is None else [*values[:i], *values[i + 1 :]]
        recipe.reward_funcs = drop(names)
        recipe.reward_tasks = drop(recipe.reward_tasks)
        recipe.reward_start_steps = drop(recipe.reward_start_steps)
        training_args.reward_weights = drop(training_args.reward_weights)
    out = Path(training_args.output_dir)
    # The recipe's folder is the run with LC; a folder given on the command line is the user's choice.
    if "output_dir" not in recipe.cli and not out.name.endswith(NO_LC_SUFFIX):
        training_args.output_dir = str(out.with_name(out.name + NO_LC_SUFFIX))
        logger.info("without the language-consistency reward: writing to %s", training_args.output_dir)


def _bind_filter(recipe: Recipe, training_args: R1GRPOConfig) -> None:
    """The filtered comparison: the switch on, and `<output_dir>_filtered` (unless `--output_dir` says otherwise)
    so it never overwrites the unfiltered run of the same recipe."""
    if "filter_prompts" in recipe.cli and not recipe.filter_prompts:
        raise ValueError(f"{recipe.stage} filters its prompts; --filter_prompts false contradicts it")
    recipe.filter_prompts = True
    out = Path(training_args.output_dir)
    if "output_dir" not in recipe.cli and not out.name.endswith(FILTERED_SUFFIX):
        training_args.output_dir = str(out.with_name(out.name + FILTERED_SUFFIX))


def _filtered_prompts(recipe: Recipe, training_args: R1GRPOConfig, model_args: R1ModelConfig):
    """The training prompts the start model solves sometimes but not always, as GRPO will sample them."""
    settings = recipe.part(PromptFilterArguments)
    spec = settings.filter_sampling(
        model_args.model_name_or_path,
        training_args.temperature,
        training_args.top_p,
        training_args.max_completion_length,
        training_args.seed,
        training_args.trust_remote_code,
    )
    out = settings.filter_dir or str(Path(training_args.output_dir) / "filtered_prompts")
    # Rank 0 samples and writes the shards; the other ranks then find every shard finished and only read them.
    with PartialState().main_process_first():
        return filter_by_pass_rate(recipe, settings, spec, out)


def _without_lc(recipe: Recipe) -> bool:
    return recipe.has("use_language_consistency") and not recipe.use_language_consistency


def recorded_name(recipe: Recipe) -> str:
    """The name the run is recorded under: a reasoning_rl recipe run without LC is the `_no_lc` comparison."""
    if _without_lc(recipe):
        return recipe.stage if recipe.stage.endswith(NO_LC_SUFFIX) else recipe.stage + NO_LC_SUFFIX
    return recipe.stage


def run_grpo(
    argv: Sequence[str],
    stage: str = "r1_zero",
    use_language_consistency: bool | None = None,
    filter_prompts: bool | None = None,
) -> dict:
    started = time.time()
    recipe = parse_stage(stage, argv)
    training_args, model_args = recipe.part(R1GRPOConfig), recipe.part(R1ModelConfig)
    stage = recorded_name(recipe)
    extra = {}
    # Before the trainable model is loaded: the sampling copy is freed before the training copy takes memory.
    if recipe.has("filter_prompts") and recipe.filter_prompts:
        train, extra["prompt_filter"] = _filtered_prompts(recipe, training_args, model_args)
    else:
        train = load_prompts(recipe, "train")
    peft_config = lora_config(model_args)
    model, tokenizer = load_trainable(model_args, training_args)
    # TRL evaluates during training when the recipe asks for it (open-r1's do_eval/eval_strategy): on the held-out
    # prompts, so the recipe's request is honoured rather than refused deep inside the Trainer.
    eval_dataset = load_prompts(recipe, "test") if training_args.eval_strategy != "no" else None
    callbacks = hub_callbacks(recipe, training_args)
    budget_dir = recipe.time_budget_of if recipe.has("time_budget_of") else None
    if budget_dir:
        budget = budget_of(budget_dir)
        callbacks.append(TimeBudgetCallback(budget))
        extra["time_budget_seconds"] = budget
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=recipe.reward_funcs,
        args=training_args,
        train_dataset=train,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        template=template_of(recipe),
        chat=recipe.chat_format,
        reward_params=recipe.reward_params(training_args.max_completion_length, recipe.reward_timeout_s),
        reward_tasks=recipe.reward_tasks,
        reward_start_steps=recipe.reward_start_steps,
        max_reward_failure_share=recipe.max_reward_failure_share,
        callbacks=callbacks,
        peft_config=peft_config,
    )
    general = make_general_scorer(recipe, tokenizer, chat=recipe.chat_format, prefix=trainer.prefix)
    # Built before training so that an evaluation that cannot run (eval_backend vllm without vLLM) fails now.
    evaluator = None
    if recipe.eval_after_training:
        evaluator = make_evaluator(
            recipe,
            tokenizer,
            chat=recipe.chat_format,
            prefix=trainer.prefix,
            general=general,
            model_dir=training_args.output_dir,
            trust_remote_code=training_args.trust_remote_code,
        )
    if general is not None and recipe.eval_after_training:
        # The start model on the same held-out general prompts: the reward-model scores must rise from here.
        extra["general_before"] = general(trainer.model)
    train_resumable(trainer)
    entry = finish_stage(
        trainer,
        stage,
        evaluator,
        recipe.report_path,
        started,
        extra=extra,
        merge_lora=model_args.merge_lora,
        script_args=recipe,
    )
    if budget_dir and recipe.report_path and trainer.accelerator.is_main_process:
        _record_comparison(recipe.report_path, budget_dir, entry)
    return entry


COMPARED = ("pass@1", "accuracy_lenient", "format_rate", "cons@k", "global_steps", "train_seconds")


def _record_comparison(report_path: str, budget_stage_dir: str, entry: dict) -> None:
    """Put the time-matched run's figures beside the run it was matched to (`rl_only_pass@1` in `distill`), so one
    report entry holds both sides of the comparison. The stage is named by its folder, as the pipeline lays out."""
    fields = {f"rl_only_{k}": entry[k] for k in COMPARED if k in entry}
    update_report(report_path, Path(budget_stage_dir).name, fields)
