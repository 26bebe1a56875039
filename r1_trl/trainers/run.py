"""The run tail every stage shares: resume, train, save, model card, evaluate, record, report, push.

Every stage writes its record to `<output_dir>/stage.json` (`STAGE_FILE`), last: the pipeline's "finished" marker,
and what time-matched comparisons read. `r1-trl eval` writes elsewhere (`adhoc_eval_path`), so an evaluation run by
hand never replaces a stage's record.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accelerate.utils import is_peft_model
from transformers import Trainer
from transformers.trainer_utils import get_last_checkpoint
from trl import GRPOTrainer

from ..files import write_json
from ..models.lora import ADAPTER_DIR, save_lora
from ..report import update_report
from ..report.curves import clip_ratio_summary, training_curve, training_history
from ..report.model_card import model_card
from .hub import push_or_explain

__all__ = [
    "ADHOC_EVAL_DIR",
    "ADHOC_EVAL_FILE",
    "STAGE_FILE",
    "TrainTime",
    "adhoc_eval_path",
    "model_eval_dir",
    "finish_stage",
    "train_resumable",
    "write_adhoc_eval",
]

logger = logging.getLogger(__name__)

STAGE_FILE = "stage.json"
ADHOC_EVAL_FILE = "eval_adhoc.json"
# Under the working directory, for Hub models: a folder named like the Hub id would be loaded instead of the Hub's.
ADHOC_EVAL_DIR = "evals"


@dataclasses.dataclass(frozen=True)
class TrainTime:
    """The `trainer.train()` call of `train_resumable`, kept on the trainer as `r1_train_time`."""

    started: float  # time.time() at the call, comparable with the `started` a stage passes to finish_stage
    seconds: float


def train_resumable(trainer: Trainer) -> float:
    """Train, continuing from the newest checkpoint in output_dir when a previous run was killed. Returns the
    seconds `trainer.train()` took (this call's, resumed or not), also kept on the trainer as `r1_train_time`."""
    args = trainer.args
    resume = args.resume_from_checkpoint
    if resume is None and os.path.isdir(args.output_dir):
        resume = get_last_checkpoint(args.output_dir)
        if resume:
            logger.info("resuming from %s", resume)
    started, clock = time.time(), time.monotonic()
    trainer.train(resume_from_checkpoint=resume)
    seconds = time.monotonic() - clock
    trainer.r1_train_time = TrainTime(started, seconds)
    return seconds


def model_eval_dir(model: str) -> Path:
    """The folder evaluations of `model` go to when no output is given: a local model's own folder, or
    `evals/<org>--<name>/` for a Hub id. `--` cannot occur in a Hub id, so that folder can never be taken for one;
    `./org/name/` would be loaded in the Hub model's place."""
    local = Path(os.path.expanduser(model))
    return local if local.is_dir() else Path(ADHOC_EVAL_DIR) / model.replace("/", "--")


def adhoc_eval_path(model: str) -> Path:
    """Where `r1-trl eval --model MODEL` writes its result without `--output`: beside a local model's stage record,
    or under `evals/` for a Hub id (`model_eval_dir`)."""
    return model_eval_dir(model) / ADHOC_EVAL_FILE


def write_adhoc_eval(result: dict[str, Any], model: str, output: str | os.PathLike | None = None) -> Path:
    """Write an `r1-trl eval` result to `output`, or by default to `adhoc_eval_path(model)`; returns the path."""
    path = Path(output) if output else adhoc_eval_path(model)
    write_json(path, result)
    return path


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

    `started` is the stage's time.time() at its start. The entry's times: `train_seconds` the `trainer.train()`
    call of `train_resumable` (None if the stage trained otherwise), `setup_seconds` from `started` to that call
    (loading, data, any evaluation before training), `eval_seconds` the final evaluation, and `stage_seconds` all
    of it, saving included.

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
    timing: TrainTime | None = getattr(trainer, "r1_train_time", None)
    entry: dict[str, Any] = {
        "train_seconds": round(timing.seconds, 1) if timing else None,
        "setup_seconds": round(timing.started - started, 1) if timing else None,
        "num_processes": trainer.accelerator.num_processes,
        "global_steps": trainer.state.global_step,
        "curve": training_curve(trainer),
        "history": training_history(trainer),
    }
    clipping = clip_ratio_summary(trainer.state.log_history)
    if clipping or isinstance(trainer, GRPOTrainer):
        # Empty for a GRPO loss that logs no clipping: said, rather than left for the reader to wonder about.
        entry["clip_ratio"] = clipping
    entry.update(extra or {})
    if evaluate is not None:
        trainer.accelerator.wait_for_everyone()
        if trainer.accelerator.is_main_process:
            clock = time.monotonic()
            entry.update(evaluate(model))
            entry["eval_seconds"] = round(time.monotonic() - clock, 1)
    entry["stage_seconds"] = round(time.time() - started, 1)
    if trainer.accelerator.is_main_process:
        model_card(trainer, stage, entry, script_args).save(out / "README.md")
        write_json(out / STAGE_FILE, entry)
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
