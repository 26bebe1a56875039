"""The run tail every stage shares: resume, train, save, model card, evaluate, report, push."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import Trainer
from transformers.trainer_utils import get_last_checkpoint

from ..report import update_report

__all__ = ["EVAL_FILE", "finish_stage", "train_resumable", "training_curve", "training_history"]

logger = logging.getLogger(__name__)

EVAL_FILE = "eval.json"


def train_resumable(trainer: Trainer) -> None:
    """Train, continuing from the newest checkpoint in output_dir when a previous run was killed."""
    args = trainer.args
    resume = args.resume_from_checkpoint
    if resume is None and os.path.isdir(args.output_dir):
        resume = get_last_checkpoint(args.output_dir)
        if resume:
            logger.info("resuming from %s", resume)
    trainer.train(resume_from_checkpoint=resume)


CURVE_KEYS = ("loss", "reward", "completions/mean_length", "completions/clipped_ratio", "frac_reward_zero_std")


def training_curve(trainer: Trainer) -> dict[str, list[float]]:
    """First and last logged value of the metrics that show whether a run learned (rewards per function too)."""
    history = [h for h in trainer.state.log_history if "train_runtime" not in h]
    keys = [k for k in CURVE_KEYS if any(k in h for h in history)]
    keys += sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")})
    curve = {}
    for key in keys:
        values = [h[key] for h in history if isinstance(h.get(key), int | float)]
        if values:
            curve[key] = [round(values[0], 4), round(values[-1], 4)]
    return curve


def training_history(trainer: Trainer) -> dict[str, list[float | None]]:
    """Every logged value of the curve metrics, by step, for the report's plots: `{"step": [...], key: [...]}`,
    None where a step did not log that key."""
    history = [h for h in trainer.state.log_history if "train_runtime" not in h and "step" in h]
    keys = [k for k in CURVE_KEYS if any(k in h for h in history)]
    keys += sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")})
    series: dict[str, list[float | None]] = {"step": [h["step"] for h in history]}
    for key in keys:
        series[key] = [round(h[key], 4) if isinstance(h.get(key), int | float) else None for h in history]
    return series


def finish_stage(
    trainer: Trainer,
    stage: str,
    evaluate: Callable[[Any], dict[str, Any]] | None,
    report_path: str | None,
    started: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save the model and tokenizer, evaluate the saved model, record the result, and push when asked to."""
    args = trainer.args
    out = Path(args.output_dir)
    trainer.save_model(str(out))
    if trainer.accelerator.is_main_process:
        trainer.processing_class.save_pretrained(str(out))
        trainer.create_model_card(model_name=out.name, tags=["r1-trl", stage])
    entry: dict[str, Any] = {
        "train_seconds": round(time.time() - started, 1),
        "num_processes": trainer.accelerator.num_processes,
        "global_steps": trainer.state.global_step,
        "curve": training_curve(trainer),
        "history": training_history(trainer),
        **(extra or {}),
    }
    if evaluate is not None:
        trainer.accelerator.wait_for_everyone()
        if trainer.accelerator.is_main_process:
            entry.update(evaluate(trainer.accelerator.unwrap_model(trainer.model)))
    entry["stage_seconds"] = round(time.time() - started, 1)
    if trainer.accelerator.is_main_process:
        (out / EVAL_FILE).write_text(json.dumps(entry, indent=2, ensure_ascii=False))
        if report_path:
            update_report(report_path, stage, {**entry, "model": str(out)})
    if args.push_to_hub:
        trainer.push_to_hub(commit_message=f"r1-trl {stage}")
    return entry
