"""Stage 9, `distill`: the final R1 model's verified answers, learned by a smaller dense student.

The teacher answers the training prompts through the rejection-sampling stage's own code (sampling, filters,
deduplication), then the student (the recipe's `model_name_or_path`, pre-trained on the teacher's corpus and token
count) learns them by plain SFT, or by TRL's GKD with `distill_method: gkd`. With `distill_method: on_policy` no trace
is generated: TRL's DistillationTrainer has the student answer the training prompts and learn the teacher's token
distributions on its own answers. `distill_on_policy` is that method for distillation's wall-clock (a comparison).

The entry records `budget_seconds` (trace generation plus training), which the `distill_rl_only` comparison stage
spends on R1-Zero-style RL from the same student base, so both sides get the same wall-clock.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datasets import Dataset

from ..configs import R1SFTConfig, RejectionSamplingArguments, TaskArguments
from ..configs.distill import DistillArguments
from ..data import load_prompts, load_sft_data
from ..data.rejection_set import DATA_FILE, build_sampled_set
from ..data.sampled import make_sampler
from ..evaluation.evaluator import check_lora_eval
from ..models import load_causal_lm, load_trainable, lora_config
from ..templates import template_of
from ..trainers import R1SFTTrainer
from ..trainers.budget import BUDGET_KEY, TimeBudgetCallback, budget_of
from ..trainers.hub import hub_callbacks
from ..trainers.run import STAGE_FILE
from .recipe import Recipe, parse_stage
from .training import run_training_stage, stage_evaluator

__all__ = ["TRACES_DIR", "check_recipe", "check_student", "count_parameters", "is_dense", "main"]

logger = logging.getLogger(__name__)

TRACES_DIR = "traces"
# Config fields that mean a model routes tokens through experts; any positive value makes it a mixture of experts.
_EXPERT_FIELDS = ("n_routed_experts", "num_experts", "num_local_experts", "moe_num_experts")


def is_dense(config: Any) -> bool:
    config = config.get_text_config() if hasattr(config, "get_text_config") else config
    return not any((getattr(config, name, 0) or 0) > 0 for name in _EXPERT_FIELDS)


def count_parameters(name_or_path: str, trust_remote_code: bool = False) -> int:
    """Parameters of a model, counted on the meta device so a large teacher is never loaded for it."""
    from accelerate import init_empty_weights
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=trust_remote_code)
    # Empty weights come untied; tied, the count matches what the saved model holds.
    model.tie_weights()
    return model.num_parameters()


def check_student(student: Any, teacher_parameters: int | None, da: DistillArguments) -> dict[str, Any]:
    """Refuse a student that is not dense or too large; return the sizes for the report."""
    # transformers' count: shared (tied) weights once, and a 4-bit model's packed weights unpacked.
    student_parameters = student.num_parameters()
    if da.require_dense_student and not is_dense(student.config):
        raise ValueError(
            f"distill: the student ({type(student).__name__}) is a mixture of experts; the paper distills into dense "
            "models (set require_dense_student: false to allow it)"
        )
    sizes: dict[str, Any] = {"student_parameters": student_parameters, "student_dense": is_dense(student.config)}
    if teacher_parameters:
        ratio = student_parameters / teacher_parameters
        if ratio > da.max_student_ratio:
            raise ValueError(
                f"distill: the student has {student_parameters:,} parameters, {ratio:.2f}x the teacher's "
                f"{teacher_parameters:,}; max_student_ratio is {da.max_student_ratio}"
            )
        sizes.update(teacher_parameters=teacher_parameters, student_ratio=round(ratio, 4))
    return sizes


def _generate_traces(task: TaskArguments, da: DistillArguments, out: Path, seed: int) -> tuple[str, dict]:
    """The teacher's verified answers as an SFT set, built by rejection sampling's own code; resumable by shard."""
    rs = RejectionSamplingArguments.from_sampling(
        da.trace_sampling(seed),
        output_dir=str(out / TRACES_DIR),
        num_prompts=da.trace_prompts,
        keep_per_prompt=da.trace_keep_per_prompt,
        # Distillation learns reasoning only; the teacher's general skills came from its own SFT data.
        non_reasoning_ratio=0.0,
    )
    stats = build_sampled_set(task, rs, make_sampler(task, rs.sampling()), close_sampler=True)
    # A resumed run samples only the shards the killed one had not finished; the seconds spent on the others are
    # carried in a file beside them, so the budget counts the whole generation once.
    spent_file = Path(rs.output_dir) / "generation_seconds.json"
    spent = json.loads(spent_file.read_text())["seconds"] if spent_file.exists() else 0.0
    spent += stats["stage_seconds"]
    spent_file.write_text(json.dumps({"seconds": round(spent, 1)}))
    keep = ("num_examples", "num_prompts", "num_sampled", "prompts_with_answer", "filters")
    return str(Path(rs.output_dir) / DATA_FILE), {**{k: stats[k] for k in keep}, "generation_seconds": round(spent, 1)}


def _stage_eval(path: str | None) -> dict[str, Any]:
    """A finished local stage's record, its stage.json ({} for a Hub id or a stage without one)."""
    file = Path(path or "") / STAGE_FILE
    return json.loads(file.read_text()) if path and file.exists() else {}


def _on_policy_prompts(task: TaskArguments, da: DistillArguments) -> Dataset:
    """The first `trace_prompts` training prompts as the student is asked them, in TRL's `prompt` column."""
    template = template_of(task)
    rows = load_prompts(task, "train")
    rows = rows.select(range(min(da.trace_prompts, len(rows))))
    ask = template.as_conversation if task.chat_format else template.format_prompt
    return Dataset.from_list([{"prompt": ask(r["prompt"], r.get("lang"))} for r in rows])


def _on_policy_trainer(da: DistillArguments, model: Any, training_args: R1SFTConfig, train: Any, **kwargs: Any):
    from trl import DistillationConfig, DistillationTrainer

    # The recipe's training settings, minus SFT's own (packing, max_length, ...) which on-policy has no use for.
    accepted = {f.name for f in dataclasses.fields(DistillationConfig) if f.init}
    fields = {f.name: getattr(training_args, f.name) for f in dataclasses.fields(training_args) if f.init}
    fields = {k: v for k, v in fields.items() if k in accepted}
    fields.update(
        max_completion_length=da.on_policy_max_completion_length or da.trace_max_new_tokens,
        temperature=da.on_policy_temperature,
        top_p=da.on_policy_top_p,
        beta=da.on_policy_beta,
    )
    teacher = load_causal_lm(da.teacher_model_name_or_path, training_args.trust_remote_code)
    return DistillationTrainer(
        model=model,
        teacher_model=teacher,
        args=DistillationConfig(**fields),
        train_dataset=train,
        **kwargs,
    )


def _make_trainer(
    da: DistillArguments,
    model: Any,
    tokenizer: Any,
    training_args: R1SFTConfig,
    train: Any,
    peft_config: Any = None,
    callbacks: list | None = None,
):
    common = {"processing_class": tokenizer, "peft_config": peft_config, "callbacks": callbacks}
    if da.distill_method == "sft":
        return R1SFTTrainer(model=model, args=training_args, train_dataset=train, **common)
    if da.distill_method == "on_policy":
        return _on_policy_trainer(da, model, training_args, train, **common)
    from trl.experimental.gkd import GKDConfig, GKDTrainer

    fields = {f.name: getattr(training_args, f.name) for f in dataclasses.fields(training_args) if f.init}
    gkd_args = GKDConfig(**fields, lmbda=da.gkd_lmbda, beta=da.gkd_beta)
    teacher = load_causal_lm(da.teacher_model_name_or_path, training_args.trust_remote_code)
    return GKDTrainer(
        model=model,
        teacher_model=teacher,
        args=gkd_args,
        train_dataset=train,
        **common,
    )


def check_recipe(recipe: Recipe) -> None:
    """The distill stage's cross-field rules; the run and `--dry-run` both call this (through `parse_stage`)."""
    check_lora_eval(recipe, recipe.model)


def main(argv: Sequence[str], stage: str = "distill") -> dict:
    started = time.time()
    recipe = parse_stage(stage, argv)
    task, da, training_args, model_args = recipe.task, recipe.distill, recipe.train, recipe.model
    out = Path(training_args.output_dir)

    # ---- The student, checked before any trace is generated: a wrong student should fail in seconds, not after.
    teacher_parameters = None
    if da.teacher_model_name_or_path:
        teacher_parameters = count_parameters(da.teacher_model_name_or_path, training_args.trust_remote_code)
    peft_config = lora_config(model_args)
    model, tokenizer = load_trainable(model_args, training_args)
    sizes = check_student(model, teacher_parameters, da)
    # Built before traces and training: an evaluation that cannot run (eval_backend vllm without vLLM) fails now.
    evaluator = stage_evaluator(recipe, tokenizer, chat=task.chat_format)
    callbacks, extra = hub_callbacks(recipe.hub, training_args), {}
    if recipe.has("time_budget_of") and recipe.budget.time_budget_of:
        budget = budget_of(recipe.budget.time_budget_of)
        callbacks.append(TimeBudgetCallback(budget))
        extra["time_budget_seconds"] = budget

    # ---- What the student learns from: the teacher's verified traces, or prompts for on-policy distillation.
    trace_stats: dict[str, Any] = {}
    if da.distill_method == "on_policy":
        train = _on_policy_prompts(task, da)
        logger.info("distill: on-policy from %d prompts into a student of %s", len(train), sizes)
    else:
        if da.traces_dataset:
            data_path = da.traces_dataset
        else:
            data_path, trace_stats = _generate_traces(task, da, out, training_args.seed)
        train = load_sft_data(data_path, task.dataset_train_split)
        if len(train) == 0:
            raise ValueError(f"distill: no trace survived the filters in {data_path}; check the teacher's eval")
        logger.info("distill: %d traces from %s into a student of %s", len(train), data_path, sizes)

    # ---- Training and the stage's record, with the teacher's and the student base's figures beside it.
    trainer = _make_trainer(da, model, tokenizer, training_args, train, peft_config, callbacks)
    teacher_eval = _stage_eval(da.teacher_model_name_or_path)
    base_eval = _stage_eval(model_args.model_name_or_path)
    extra.update(
        {
            **sizes,
            "distill_method": da.distill_method,
            "num_train_examples": len(train),
            "traces": trace_stats,
            "teacher_pass@1": teacher_eval.get("pass@1"),
            "teacher_accuracy_lenient": teacher_eval.get("accuracy_lenient"),
            "student_base_accuracy_lenient": base_eval.get("accuracy_lenient"),
            "student_base_pass@1": base_eval.get("pass@1"),
        }
    )
    # Trace generation counts against distillation: the RL-only student gets this much time in all. Training is
    # measured as the entry's train_seconds is, so the budget's training share is that same figure.
    spent = lambda trained: {BUDGET_KEY: round(trace_stats.get("generation_seconds", 0.0) + trained, 1)}
    return run_training_stage(trainer, recipe, stage, evaluator, started, extra=extra, after_training=spent)
