"""The model card each training stage writes beside its model: what produced it, from what, and how it scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huggingface_hub import ModelCard, ModelCardData

from ..files import is_hub_id
from . import EVAL_METRICS

__all__ = ["GRPO_KEYS", "model_card"]

# The GRPO values a reader needs to compare a run with the paper's (β, G, clip, temperature, lr, loss, lengths).
GRPO_KEYS = (
    "learning_rate",
    "beta",
    "num_generations",
    "epsilon",
    "epsilon_high",
    "temperature",
    "loss_type",
    "scale_rewards",
    "max_completion_length",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "max_steps",
    "sync_ref_model",
    "ref_model_sync_steps",
)


def _rewards(trainer: Any, training_args: Any) -> list[tuple[str, float]]:
    funcs = getattr(trainer, "reward_funcs", None) or []
    names = [getattr(f, "__name__", type(f).__name__) for f in funcs]
    weights = getattr(training_args, "reward_weights", None) or [1.0] * len(names)
    return list(zip(names, weights, strict=True))


def model_card(trainer: Any, stage: str, entry: dict[str, Any], script_args: Any | None = None) -> ModelCard:
    """The Hub card: metadata (only Hub ids as `base_model` and `datasets`, the Hub links them) and a body with the
    stage, base model, data, rewards and their weights, GRPO values, and the evaluation with its sampling."""
    args = trainer.args
    base = getattr(getattr(trainer.model, "config", None), "_name_or_path", "") or ""
    data = getattr(script_args, "sft_dataset", None) or getattr(script_args, "dataset_name", None)
    metadata = ModelCardData(
        library_name="transformers",
        tags=["r1-trl", stage],
        base_model=base if is_hub_id(base) else None,
        datasets=[data] if is_hub_id(data) else None,
    )
    lines = [
        f"# {Path(args.output_dir).name}",
        "",
        f"Trained with r1-trl, stage **`{stage}`** of the DeepSeek-R1 pipeline.",
        "",
        f"- base model: `{base or 'built from scratch'}`",
        f"- data: `{data or '-'}`" + (f" (template `{script_args.template}`)" if script_args is not None else ""),
        f"- steps: {entry.get('global_steps', '-')}, processes: {entry.get('num_processes', '-')}",
    ]
    rewards = _rewards(trainer, args)
    if rewards:
        lines += ["", "## Rewards", "", "| reward | weight |", "|---|---|"]
        lines += [f"| {name} | {weight} |" for name, weight in rewards]
        values = {k: getattr(args, k) for k in GRPO_KEYS if hasattr(args, k)}
        lines += ["", "## GRPO values", "", "| key | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in values.items()]
    scores = {k: entry[k] for k in EVAL_METRICS if isinstance(entry.get(k), int | float)}
    if scores:
        sampling = entry.get("sampling", {})
        lines += ["", "## Evaluation", "", f"Held-out prompts, sampling {sampling}.", ""]
        lines += ["| metric | value |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in scores.items()]
    # ModelCard parses the front matter back into `.data`, so what is written is what the Hub will read.
    return ModelCard(f"---\n{metadata.to_yaml()}\n---\n\n" + "\n".join(lines) + "\n")
