"""The run tail every stage shares: resume, train, save, model card, evaluate, report, push."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accelerate.utils import is_peft_model
from transformers import Trainer
from transformers.trainer_utils import get_last_checkpoint

from ..model_card import model_card
from ..models.lora import ADAPTER_DIR, save_lora
from ..report import update_report
from .hub import push_or_explain

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
    merge_lora: bool = True,
    script_args: Any | None = None,
) -> dict[str, Any]:
    """Save the model and tokenizer, evaluate the trained model, record the result, and push when asked to.

    A LoRA model saves its adapter to `output_dir/adapter` and, with `merge_lora`, the merged full model to
    `output_dir` (the layout of `r1_trl.models.lora`); it is evaluated as trained, adapter on.
    """
    args = trainer.args
    out = Path(args.output_dir)
    model = trainer.accelerator.unwrap_model(trainer.model)
    lora = is_peft_model(model)
    # Trainer.save_model pushes on its own when push_to_hub is set, before anything is evaluated; the push happens
    # below instead, once everything is saved, so a Hub failure cannot cost the evaluation.
    push, args.push_to_hub = args.push_to_hub, False
    try:
        trainer.save_model(str(out / ADAPTER_DIR if lora else out))
    finally:
        args.push_to_hub = push
    if trainer.accelerator.is_main_process:
        trainer.processing_class.save_pretrained(str(out))
        if lora:
            trust = getattr(args, "trust_remote_code", False)
            merged = save_lora(model, trainer.processing_class, out, merge_lora, trust)
            extra = {**(extra or {}), "lora": {"adapter": str(out / ADAPTER_DIR), "merged": merged}}
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
            entry.update(evaluate(model))
    entry["stage_seconds"] = round(time.time() - started, 1)
    if trainer.accelerator.is_main_process:
        (out / "README.md").write_text(model_card(trainer, stage, entry, script_args))
        (out / EVAL_FILE).write_text(json.dumps(entry, indent=2, ensure_ascii=False))
        if report_path:
            update_report(report_path, stage, {**entry, "model": str(out)})
    if args.push_to_hub:
        # Everything is saved and recorded first: a Hub that cannot be reached costs a push, never the run.
        push_or_explain(lambda: _push_folder(trainer, out, f"r1-trl {stage}"), "the model", trainer.hub_model_id, out)
    return entry


def _push_folder(trainer: Trainer, out: Path, message: str) -> None:
    """Push output_dir as laid out, with r1-trl's model card. `Trainer.push_to_hub` would rewrite the card, and for
    LoRA save the adapter into output_dir's root, where it would hide the merged model from `from_pretrained`."""
    if not trainer.accelerator.is_main_process:
        return
    from huggingface_hub import upload_folder

    args = trainer.args
    upload_folder(
        repo_id=trainer.hub_model_id,
        folder_path=str(out),
        commit_message=message,
        token=args.hub_token,
        ignore_patterns=["_*", "checkpoint-*"],
        revision=args.hub_revision,
    )
