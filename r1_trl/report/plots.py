"""The PNG plots beside `report.md` (see `r1_trl.report.markdown`), and the value helpers both modules read a
report with.

Every stage and key of a report is optional: a plot without data is not drawn, a series skips the steps that did
not log it, and nothing here raises on a partial report.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..files import atomic_write

__all__ = [
    "ACCURACY_KEYS",
    "BAR_METRICS",
    "FORMAT_KEYS",
    "as_number",
    "distill_bars",
    "first_series",
    "series",
    "write_plots",
]

logger = logging.getLogger(__name__)

# The format-free training accuracy first: the accuracy reward counts only answers inside the response format, so
# early in R1-Zero it reads 0 while the model already computes right.
ACCURACY_KEYS = ("accuracy_lenient", "rewards/accuracy/mean", "rewards/accuracy_reward/mean")
FORMAT_KEYS = ("rewards/format/mean", "rewards/format_strict/mean", "rewards/format_reward/mean")
LENGTH_KEYS = (
    ("completions/mean_length", "all completions", "black"),
    ("length/correct", "correct", "tab:green"),
    ("length/incorrect", "incorrect", "tab:red"),
)
BAR_METRICS = (
    ("accuracy_lenient", "accuracy"),
    ("format_rate", "format rate"),
    ("pass@1", "pass@1 (strict)"),
    ("language_consistency", "language consistency"),
)


def as_number(value: Any) -> float | None:
    """The value as a float, or None for anything a plot or table cannot show (null, NaN, text, bools)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def series(history: dict[str, Any], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of one logged metric, dropping the steps that did not log it."""
    steps, values = history.get("step"), history.get(key)
    if not isinstance(steps, list) or not isinstance(values, list) or len(steps) != len(values):
        return [], []
    pairs = [(as_number(s), as_number(v)) for s, v in zip(steps, values, strict=True)]
    kept = [(s, v) for s, v in pairs if s is not None and v is not None]
    return [s for s, _ in kept], [v for _, v in kept]


def first_series(history: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, list[float], list[float]]:
    """The first of `keys` that logged anything, with its series; (None, [], []) when none did."""
    for key in keys:
        steps, values = series(history, key)
        if steps:
            return key, steps, values
    return None, [], []


def _params(value: Any) -> str | None:
    number = as_number(value)
    if number is None:
        return None
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if number >= scale:
            return f"{number / scale:.3g}{suffix}"
    return f"{number:.0f}"


def distill_bars(distill: dict[str, Any]) -> list[tuple[str, float]]:
    teacher, student = _params(distill.get("teacher_parameters")), _params(distill.get("student_parameters"))
    # Format-free accuracy for all four: strict pass@1 would count the RL-only student's and the base's untagged
    # answers as wrong and compare format, not skill.
    candidates = [
        ("teacher", teacher, distill.get("teacher_accuracy_lenient")),
        ("distilled student", student, distill.get("accuracy_lenient")),
        ("RL-only student", student, distill.get("rl_only_accuracy_lenient")),
        ("student base", student, distill.get("student_base_accuracy_lenient")),
    ]
    bars = []
    for label, params, value in candidates:
        number = as_number(value)
        if number is not None:
            bars.append((f"{label}\n({params} params)" if params else label, number))
    return bars


def _save(fig: Any, path: Path) -> None:
    # Render to memory first: savefig streams into the file as it draws, which a kill could cut short.
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    atomic_write(path, buffer.getvalue())
    logger.info("wrote %s", path)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display on training nodes
    import matplotlib.pyplot as plt

    return plt


def _accuracy_panel(ax: Any, name: str, history: dict[str, Any]) -> None:
    key, steps, values = first_series(history, ACCURACY_KEYS)
    drawn = list(values)
    if key is not None:
        label = "accuracy (format-free)" if key == "accuracy_lenient" else "accuracy reward"
        ax.plot(steps, values, color="tab:blue", linewidth=2, label=label)
        # Beside the format-free accuracy, the strict reward's gap to it is what the format still costs.
        strict_key, strict_steps, strict_values = first_series(history, ACCURACY_KEYS[1:])
        if key == "accuracy_lenient" and strict_key is not None:
            ax.plot(
                strict_steps, strict_values, color="tab:blue", linewidth=1, linestyle="--", label="accuracy reward"
            )
            drawn += strict_values
    else:
        steps, values = series(history, "reward")
        ax.plot(steps, values, color="black", linewidth=2, label="total reward")
        drawn += values
    _, steps, values = first_series(history, FORMAT_KEYS)
    if steps:
        ax.plot(steps, values, color="tab:orange", linewidth=1, label="format reward")
        drawn += values
    steps, values = series(history, "equation_share")
    if steps:
        ax.plot(steps, values, color="tab:green", linewidth=1, linestyle=":", label="step-by-step share")
        drawn += values
    if drawn and all(0 <= v <= 1 for v in drawn):
        ax.set_ylim(-0.02, 1.02)
    ax.set(title=f"{name}: accuracy during training", xlabel="step", ylabel="rate")
    ax.legend(fontsize=8, loc="best")


def _length_panel(ax: Any, name: str, history: dict[str, Any]) -> None:
    logged = False
    for key, label, color in LENGTH_KEYS:
        steps, values = series(history, key)
        if steps:
            ax.plot(steps, values, color=color, linewidth=2 if key.startswith("completions/") else 1, label=label)
            logged = True
    if logged:
        ax.legend(fontsize=8, loc="best")
    else:
        ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes)
    ax.set(title=f"{name}: mean response length", xlabel="step", ylabel="tokens")


def _plot_rl_curves(stages: dict[str, dict[str, Any]], path: Path) -> bool:
    # The paper's Figures 2 and 3 side by side per GRPO stage: accuracy, and the length that rises with it.
    histories = {
        name: entry["history"]
        for name, entry in stages.items()
        if isinstance(entry.get("history"), dict)
        and (first_series(entry["history"], ACCURACY_KEYS)[0] or series(entry["history"], "reward")[0])
    }
    if not histories:
        return False
    plt = _pyplot()
    fig, axes = plt.subplots(len(histories), 2, figsize=(12, 3.6 * len(histories)), squeeze=False)
    try:
        for (name, history), (ax_accuracy, ax_length) in zip(histories.items(), axes, strict=True):
            _accuracy_panel(ax_accuracy, name, history)
            _length_panel(ax_length, name, history)
            for ax in (ax_accuracy, ax_length):
                ax.grid(alpha=0.3)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
    return True


def _bars(ax: Any, xs: list[float], values: list[float], width: float, **kwargs: Any) -> None:
    bars = ax.bar(xs, values, width, **kwargs)
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in values], padding=2, fontsize=8, rotation=90)


def _plot_stages(stages: dict[str, dict[str, Any]], path: Path) -> bool:
    names = [
        name for name, entry in stages.items() if any(as_number(entry.get(k)) is not None for k, _ in BAR_METRICS)
    ]
    if not names:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(7.0, 1.6 * len(names) + 2), 5))
    try:
        width = 0.8 / len(BAR_METRICS)
        for i, (key, label) in enumerate(BAR_METRICS):
            # A metric a stage did not record gets no bar rather than a zero-height one that reads as 0.
            points = [(x, as_number(stages[n].get(key))) for x, n in enumerate(names)]
            offset = (i - (len(BAR_METRICS) - 1) / 2) * width
            points = [(x + offset, v) for x, v in points if v is not None]
            if points:
                # The headline bar solid, the rest faded, so the eye reads accuracy first.
                alpha = 1.0 if i == 0 else 0.55
                _bars(ax, [x for x, _ in points], [v for _, v in points], width, label=label, alpha=alpha)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        # Headroom above 1 keeps the rotated value labels of perfect scores inside the axes.
        ax.set_ylim(0, 1.2)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set(title="Evaluation per training stage", ylabel="rate")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=len(BAR_METRICS), fontsize=9)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
    return True


def _plot_distill(stages: dict[str, dict[str, Any]], path: Path) -> bool:
    bars = distill_bars(stages.get("distill", {}))
    if not bars:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * len(bars)), 4.5))
    try:
        colors = ["tab:blue" if label.startswith("teacher") else "tab:orange" for label, _ in bars]
        drawn = ax.bar(range(len(bars)), [v for _, v in bars], 0.6, color=colors)
        ax.bar_label(drawn, labels=[f"{v:.3f}" for _, v in bars], padding=3, fontsize=9)
        ax.set_xticks(range(len(bars)), [label for label, _ in bars], fontsize=9)
        ax.set_ylim(0, 1.1)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set(title="Distillation: teacher vs students (format-free accuracy)", ylabel="accuracy")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
    return True


PLOTS: tuple[tuple[str, str, Callable[[dict[str, dict[str, Any]], Path], bool]], ...] = (
    ("rl_curves.png", "RL training curves: accuracy and response length", _plot_rl_curves),
    ("stages.png", "Evaluation per stage", _plot_stages),
    ("distill.png", "Distillation", _plot_distill),
)


def write_plots(stages: dict[str, dict[str, Any]], out: Path) -> list[tuple[str, str]]:
    """Draw each plot the stages have data for into `out`; returns (file name, title) of those written."""
    return [(name, title) for name, title, plot in PLOTS if plot(stages, out / name)]
