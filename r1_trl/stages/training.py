"""The tail every training stage shares (`base`, `cold_start_sft`/`sft`, the GRPO stages, `distill`): its evaluator,
built before training so that an evaluation that cannot run fails in seconds; then the resumable training; then
`finish_stage`, which saves, evaluates, records and pushes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..evaluation.evaluator import make_evaluator
from ..trainers import finish_stage, train_resumable
from .recipe import Recipe

__all__ = ["run_training_stage", "stage_evaluator"]

Evaluator = Callable[[Any], dict[str, Any]]


def stage_evaluator(
    recipe: Recipe, tokenizer: Any, chat: bool = False, prefix: str = "", general: Evaluator | None = None
) -> Evaluator | None:
    """The recipe's held-out evaluation of the trained model (None with `eval_after_training: false`). Build it
    before anything long: a backend or benchmark that cannot run is a one-line error now, not after training."""
    if not recipe.evaluation.eval_after_training:
        return None
    training_args = recipe.train
    return make_evaluator(
        recipe,
        tokenizer,
        chat=chat,
        prefix=prefix,
        general=general,
        model_dir=training_args.output_dir,
        trust_remote_code=training_args.trust_remote_code,
    )


def run_training_stage(
    trainer: Any,
    recipe: Recipe,
    stage: str,
    evaluator: Evaluator | None,
    started: float,
    extra: dict[str, Any] | None = None,
    after_training: Callable[[float], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Train (resuming from the last checkpoint), then save, evaluate and record the stage through `finish_stage`.

    `started` is the stage's `time.time()` at its start; `extra` goes into the stage's entry, and
    `after_training(train_seconds)` adds what can only be known once training is done.
    """
    extra = dict(extra or {})
    trained = train_resumable(trainer)
    if after_training is not None:
        extra.update(after_training(trained))
    merge_lora = recipe.model.merge_lora if recipe.has("merge_lora") else True
    return finish_stage(
        trainer,
        stage,
        evaluator,
        recipe.report.report_path,
        started,
        extra=extra,
        merge_lora=merge_lora,
        script_args=recipe,
    )
