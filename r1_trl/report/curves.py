"""What a stage's record keeps of its training logs: first and last value of the metrics that show whether a run
learned, every value by step for the plots, and whether PPO-style clipping ever acted. Read from
`trainer.state.log_history`, as any transformers `Trainer` keeps it."""

from __future__ import annotations

from typing import Any

from .plots import as_number

__all__ = ["CLIP_RATIO_KEYS", "CURVE_KEYS", "clip_ratio_summary", "training_curve", "training_history"]

# What TRL 1.16's GRPOTrainer logs about its PPO-style clipping (clip_ratio/* for the grpo, bnpo, dr_grpo, dapo and
# luspo losses, cispo_clip_ratio for cispo): whether the trust region ever acted.
CLIP_RATIO_KEYS = (
    "clip_ratio/region_mean",
    "clip_ratio/low_mean",
    "clip_ratio/low_min",
    "clip_ratio/high_mean",
    "clip_ratio/high_max",
    "cispo_clip_ratio",
)
CURVE_KEYS = (
    "loss",
    "reward",
    "completions/mean_length",
    "length/correct",
    "length/incorrect",
    "accuracy_lenient",
    "equation_share",
    "completions/clipped_ratio",
    "frac_reward_zero_std",
    "kl",
    # use_vllm: how far vLLM's sampling log-probs are from the trainer's; large means the weight sync is broken.
    "sampling/sampling_logp_difference/mean",
    "sampling/sampling_logp_difference/max",
    *CLIP_RATIO_KEYS,
)


def _round(value: float) -> float:
    rounded = round(value, 4)
    # A clip ratio of 3e-5 is clipping that acted; rounded to 0 it would read as none.
    return rounded if rounded or not value else float(f"{value:.2g}")


def _train_logs(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The closing summary log (train_runtime, train_loss) is not a step.
    return [h for h in log_history if "train_runtime" not in h]


def _curve_keys(history: list[dict[str, Any]]) -> list[str]:
    keys = [k for k in CURVE_KEYS if any(k in h for h in history)]
    return keys + sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")})


def training_curve(trainer: Any) -> dict[str, list[float]]:
    """First and last logged value of the metrics that show whether a run learned (rewards per function too)."""
    history = _train_logs(trainer.state.log_history)
    curve = {}
    for key in _curve_keys(history):
        values = [h[key] for h in history if as_number(h.get(key)) is not None]
        if values:
            curve[key] = [_round(values[0]), _round(values[-1])]
    return curve


def training_history(trainer: Any) -> dict[str, list[float | None]]:
    """Every logged value of the curve metrics, by step, for the report's plots: `{"step": [...], key: [...]}`,
    None where a step did not log that key."""
    history = [h for h in _train_logs(trainer.state.log_history) if "step" in h]
    series: dict[str, list[float | None]] = {"step": [h["step"] for h in history]}
    for key in _curve_keys(history):
        series[key] = [_round(h[key]) if as_number(h.get(key)) is not None else None for h in history]
    return series


def clip_ratio_summary(log_history: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean and max over all logged steps of each clip-ratio metric TRL logged: a max of 0 means clipping never
    acted, so ε (`epsilon`, `epsilon_high`) did not shape the run."""
    history = _train_logs(log_history)
    summary = {}
    for key in CLIP_RATIO_KEYS:
        values = [h[key] for h in history if as_number(h.get(key)) is not None]
        if values:
            summary[key] = {"mean": _round(sum(values) / len(values)), "max": _round(max(values))}
    return summary
