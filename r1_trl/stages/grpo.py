"""The run every GRPO stage shares (r1_zero, reasoning_rl and its no-LC comparison, all_scenarios_rl,
distill_rl_only): they differ only in their recipe (model, prompts, template, rewards and their routing, an optional
wall-clock budget) and in the options bound in the stage table."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from accelerate import PartialState

from ..data import load_prompts
from ..data.pass_rate import filter_by_pass_rate
from ..evaluation.evaluator import check_lora_eval, make_general_scorer
from ..models import load_trainable, lora_config
from ..report import update_report
from ..rewards import check_reward_name
from ..templates import template_of
from ..trainers import R1GRPOTrainer
from ..trainers.budget import TimeBudgetCallback, budget_of
from ..trainers.hub import hub_callbacks
from .recipe import Recipe, parse_stage
from .training import run_training_stage, stage_evaluator

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
    if filter_prompts:
        _bind_filter(recipe)
    if use_language_consistency is False and recipe.has("use_language_consistency"):
        # The stage is the comparison: it overrides its base recipe's switch, but not an explicit flag.
        if "use_language_consistency" in recipe.cli and recipe.language.use_language_consistency:
            raise ValueError(
                f"{recipe.stage} runs without the language-consistency reward; --use_language_consistency true "
                "contradicts it (run reasoning_rl for the run with it)"
            )
        recipe.language.use_language_consistency = False
    if _without_lc(recipe):
        _drop_lc_reward(recipe)


def check_recipe(recipe: Recipe) -> None:
    """The GRPO stages' cross-field rules, changing nothing; the run and `--dry-run` both call this (through
    `parse_stage`), after `apply_stage_options`."""
    training_args, model_args, rewards = recipe.train, recipe.model, recipe.rewards
    for name in rewards.reward_funcs:
        check_reward_name(name)
    weights = training_args.reward_weights
    if weights is not None and len(weights) != len(rewards.reward_funcs):
        raise ValueError(
            f"reward_weights has {len(weights)} values for {len(rewards.reward_funcs)} reward_funcs "
            f"{rewards.reward_funcs}"
        )
    check_lora_eval(recipe, model_args)
    if model_args.use_peft and training_args.sync_ref_model and training_args.beta != 0.0:
        raise ValueError(
            "use_peft needs sync_ref_model: false: with LoRA the reference is the base with the adapter off, and "
            "TRL cannot sync it"
        )
    if recipe.evaluation.general_eval_prompts and not (
        rewards.helpfulness_model_name_or_path or rewards.harmlessness_model_name_or_path
    ):
        raise ValueError(
            "general_eval_prompts needs helpfulness_model_name_or_path or harmlessness_model_name_or_path"
        )


def _drop_lc_reward(recipe: Recipe) -> None:
    """The comparison run: remove the language-consistency reward (and its entries in the per-reward lists), and
    write to `<output_dir>_no_lc` (unless `--output_dir` says otherwise) so it never overwrites the run with LC."""
    rewards, training_args = recipe.rewards, recipe.train
    names = list(rewards.reward_funcs)
    if LC_REWARD in names:
        i = names.index(LC_REWARD)
        drop = lambda values: None if values is None else [*values[:i], *values[i + 1 :]]
        rewards.reward_funcs = drop(names)
        rewards.reward_tasks = drop(rewards.reward_tasks)
        rewards.reward_start_steps = drop(rewards.reward_start_steps)
        training_args.reward_weights = drop(training_args.reward_weights)
    out = Path(training_args.output_dir)
    # The recipe's folder is the run with LC; a folder given on the command line is the user's choice.
    if "output_dir" not in recipe.cli and not out.name.endswith(NO_LC_SUFFIX):
        training_args.output_dir = str(out.with_name(out.name + NO_LC_SUFFIX))
        logger.info("without the language-consistency reward: writing to %s", training_args.output_dir)


def _bind_filter(recipe: Recipe) -> None:
    """The filtered comparison: the switch on, and `<output_dir>_filtered` (unless `--output_dir` says otherwise)
    so it never overwrites the unfiltered run of the same recipe."""
    settings, training_args = recipe.prompt_filter, recipe.train
    if "filter_prompts" in recipe.cli and not settings.filter_prompts:
        raise ValueError(f"{recipe.stage} filters its prompts; --filter_prompts false contradicts it")
    settings.filter_prompts = True
    out = Path(training_args.output_dir)
    if "output_dir" not in recipe.cli and not out.name.endswith(FILTERED_SUFFIX):
        training_args.output_dir = str(out.with_name(out.name + FILTERED_SUFFIX))


def _filtered_prompts(recipe: Recipe):
    """The training prompts the start model solves sometimes but not always, as GRPO will sample them."""
    settings, training_args, model_args = recipe.prompt_filter, recipe.train, recipe.model
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
        return filter_by_pass_rate(recipe.task, settings, spec, out)


def _without_lc(recipe: Recipe) -> bool:
    return recipe.has("use_language_consistency") and not recipe.language.use_language_consistency


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
    # ---- The recipe: parsed, the stage's options applied, checked (`parse_stage` -> `apply_stage_options`,
    # `check_recipe` above).
    recipe = parse_stage(stage, argv)
    task, rewards, training_args, model_args = recipe.task, recipe.rewards, recipe.train, recipe.model
    stage = recorded_name(recipe)
    extra = {}

    # ---- The prompts. Filtered before the trainable model is loaded: the sampling copy is freed first.
    if recipe.has("filter_prompts") and recipe.prompt_filter.filter_prompts:
        train, extra["prompt_filter"] = _filtered_prompts(recipe)
    else:
        # Only the prompt is the stage's own need: each reward's columns (`solution`, `verification_info`, ...) are
        # checked by the trainer, naming the reward.
        train = load_prompts(task, "train", required=("prompt",))
    # TRL evaluates during training when the recipe asks for it (open-r1's do_eval/eval_strategy): on the held-out
    # prompts, so the recipe's request is honoured rather than refused deep inside the Trainer.
    eval_dataset = load_prompts(task, "test") if training_args.eval_strategy != "no" else None

    # ---- The model, the callbacks and the trainer.
    peft_config = lora_config(model_args)
    model, tokenizer = load_trainable(model_args, training_args)
    callbacks = hub_callbacks(recipe.hub, training_args)
    budget_dir = recipe.budget.time_budget_of if recipe.has("time_budget_of") else None
    if budget_dir:
        budget = budget_of(budget_dir)
        callbacks.append(TimeBudgetCallback(budget))
        extra["time_budget_seconds"] = budget
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=rewards.reward_funcs,
        args=training_args,
        train_dataset=train,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        template=template_of(task),
        chat=task.chat_format,
        reward_params=rewards.reward_params(training_args.max_completion_length, task.reward_timeout_s),
        reward_tasks=rewards.reward_tasks,
        reward_start_steps=rewards.reward_start_steps,
        max_reward_failure_share=rewards.max_reward_failure_share,
        callbacks=callbacks,
        peft_config=peft_config,
    )

    # ---- Evaluation, training, the stage's record.
    general = make_general_scorer(recipe, tokenizer, chat=task.chat_format, prefix=trainer.prefix)
    evaluator = stage_evaluator(recipe, tokenizer, chat=task.chat_format, prefix=trainer.prefix, general=general)
    if general is not None and evaluator is not None:
        # The start model on the same held-out general prompts: the reward-model scores must rise from here.
        extra["general_before"] = general(trainer.model)
    entry = run_training_stage(trainer, recipe, stage, evaluator, started, extra=extra)
    report_path = recipe.report.report_path
    if budget_dir and report_path and trainer.accelerator.is_main_process:
        _record_comparison(report_path, budget_dir, entry)
    return entry


COMPARED = ("pass@1", "accuracy_lenient", "format_rate", "cons@k", "global_steps", "train_seconds")


def _record_comparison(report_path: str, budget_stage_dir: str, entry: dict) -> None:
    """Put the time-matched run's figures beside the run it was matched to (`rl_only_pass@1` in `distill`), so one
    report entry holds both sides of the comparison. The stage is named by its folder, as the pipeline lays out."""
    fields = {f"rl_only_{k}": entry[k] for k in COMPARED if k in entry}
    update_report(report_path, Path(budget_stage_dir).name, fields)
