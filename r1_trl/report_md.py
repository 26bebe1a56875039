"""Render the pipeline's JSON report (see `r1_trl.report`) as `report.md` with PNG plots beside it.

A report can come from a partial or failed run, so every stage and key is optional: anything missing or null is
left out of the plots and written as "-" in tables, never raised on.
"""

from __future__ import annotations

import io
import logging
import math
import os
from pathlib import Path
from typing import Any

from .files import atomic_write
from .report import EVAL_METRICS

__all__ = ["write_report_md"]

logger = logging.getLogger(__name__)

_LABELS = {
    "accuracy_lenient": "lenient",
    "format_rate": "format",
    "language_consistency": "lang consistency",
    "mean_length": "mean length",
}
EVAL_COLUMNS = (*((key, _LABELS.get(key, key)) for key in EVAL_METRICS), ("stage_seconds", "stage s"))
# The parts of a stage's time, as `r1_trl.trainers.run.finish_stage` records them.
TIME_COLUMNS = (("setup_seconds", "setup s"), ("train_seconds", "train s"), ("eval_seconds", "eval s"))
BAR_METRICS = (("pass@1", "pass@1"), ("format_rate", "format rate"), ("language_consistency", "language consistency"))
LENGTH_KEY = "completions/mean_length"


def _num(value: Any) -> float | None:
    """The value as a float, or None for anything a plot or table cannot show (null, NaN, text, bools)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = _num(value)
    return "-" if number is None else f"{number:.{digits}f}"


def _small(value: Any) -> str:
    # Significant digits, not decimals: a clip ratio of 3e-5 is clipping that acted, and 0.000 would hide it.
    number = _num(value)
    return "-" if number is None else f"{number:.3g}"


def _params(value: Any) -> str | None:
    number = _num(value)
    if number is None:
        return None
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if number >= scale:
            return f"{number / scale:.3g}{suffix}"
    return f"{number:.0f}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def _stages(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    stages = report.get("stages")
    if not isinstance(stages, dict):
        return {}
    return {name: entry for name, entry in stages.items() if isinstance(entry, dict)}


def _series(history: dict[str, Any], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of one logged metric, dropping the steps that did not log it."""
    steps, values = history.get("step"), history.get(key)
    if not isinstance(steps, list) or not isinstance(values, list) or len(steps) != len(values):
        return [], []
    pairs = [(_num(s), _num(v)) for s, v in zip(steps, values, strict=True)]
    kept = [(s, v) for s, v in pairs if s is not None and v is not None]
    return [s for s, _ in kept], [v for _, v in kept]


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


def _plot_rl_curves(stages: dict[str, dict[str, Any]], path: Path) -> bool:
    histories = {
        name: entry["history"]
        for name, entry in stages.items()
        if isinstance(entry.get("history"), dict) and _series(entry["history"], "reward")[0]
    }
    if not histories:
        return False
    plt = _pyplot()
    fig, axes = plt.subplots(len(histories), 2, figsize=(12, 3.6 * len(histories)), squeeze=False)
    try:
        for (name, history), (ax_reward, ax_length) in zip(histories.items(), axes, strict=True):
            ax_reward.plot(*_series(history, "reward"), color="black", linewidth=2, label="total reward")
            # The per-function means show which reward moved the total (accuracy vs format vs language).
            for key in sorted(k for k in history if k.startswith("rewards/") and k.endswith("/mean")):
                steps, values = _series(history, key)
                if steps:
                    ax_reward.plot(steps, values, linewidth=1, alpha=0.8, label=key.split("/")[1])
            ax_reward.set(title=f"{name}: reward", xlabel="step", ylabel="mean reward")
            ax_reward.legend(fontsize=8, loc="best")
            steps, lengths = _series(history, LENGTH_KEY)
            if steps:
                ax_length.plot(steps, lengths, color="tab:purple", label="mean completion length")
                ax_length.legend(fontsize=8, loc="best")
            else:
                ax_length.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax_length.transAxes)
            ax_length.set(title=f"{name}: completion length", xlabel="step", ylabel="tokens")
            for ax in (ax_reward, ax_length):
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
    names = [name for name, entry in stages.items() if _num(entry.get("pass@1")) is not None]
    if not names:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(names) + 2), 5))
    try:
        width = 0.8 / len(BAR_METRICS)
        for i, (key, label) in enumerate(BAR_METRICS):
            # A metric a stage did not record gets no bar rather than a zero-height one that reads as 0.
            points = [(x, _num(stages[n].get(key))) for x, n in enumerate(names)]
            offset = (i - (len(BAR_METRICS) - 1) / 2) * width
            points = [(x + offset, v) for x, v in points if v is not None]
            if points:
                _bars(ax, [x for x, _ in points], [v for _, v in points], width, label=label)
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


def _distill_bars(distill: dict[str, Any]) -> list[tuple[str, float]]:
    teacher, student = _params(distill.get("teacher_parameters")), _params(distill.get("student_parameters"))
    candidates = [
        ("teacher pass@1", teacher, distill.get("teacher_pass@1")),
        ("distilled student pass@1", student, distill.get("pass@1")),
        ("RL-only student pass@1", student, distill.get("rl_only_pass@1")),
        ("student base lenient acc.", student, distill.get("student_base_accuracy_lenient")),
    ]
    bars = []
    for label, params, value in candidates:
        number = _num(value)
        if number is not None:
            bars.append((f"{label}\n({params} params)" if params else label, number))
    return bars


def _plot_distill(stages: dict[str, dict[str, Any]], path: Path) -> bool:
    bars = _distill_bars(stages.get("distill", {}))
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
        ax.set(title="Distillation: teacher vs student", ylabel="accuracy")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
    return True


def _markdown_sections(report: dict[str, Any], stages: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["# DeepSeek-R1 pipeline report", ""]
    wall = _num(report.get("wall_seconds"))
    lines += [f"Wall time: {_fmt(wall, 1)} s ({_fmt(wall / 60, 1)} min)" if wall is not None else "Wall time: -", ""]
    # With finished stages skipped, this run's wall time is not their cost; the sum of their own times is.
    total = _num(report.get("stage_seconds_total")) or wall

    trained = {name: entry for name, entry in stages.items() if _num(entry.get("pass@1")) is not None}
    if trained:
        digits = [1 if key.endswith("seconds") else 3 for key, _ in EVAL_COLUMNS]
        rows = [
            [name] + [_fmt(entry.get(key), d) for (key, _), d in zip(EVAL_COLUMNS, digits, strict=True)]
            for name, entry in trained.items()
        ]
        lines += ["## Training stages", ""] + _table(["stage"] + [h for _, h in EVAL_COLUMNS], rows)

    if stages:
        rows = []
        for name, entry in stages.items():
            seconds = _num(entry.get("stage_seconds"))
            share = f"{100 * seconds / total:.1f}%" if seconds is not None and total else "-"
            rows.append([name, _fmt(seconds, 1), *(_fmt(entry.get(key), 1) for key, _ in TIME_COLUMNS), share])
        headers = ["stage", "stage s", *(label for _, label in TIME_COLUMNS), "share of all stages"]
        lines += ["## Time per stage", ""] + _table(headers, rows)

    clip_rows = []
    for name, entry in stages.items():
        clipping = entry.get("clip_ratio")
        if not isinstance(clipping, dict):
            continue
        if not clipping:
            clip_rows.append([name, "not logged", "-", "-"])
        for key, stats in clipping.items():
            stats = stats if isinstance(stats, dict) else {}
            clip_rows.append([name, key, _small(stats.get("mean")), _small(stats.get("max"))])
    if clip_rows:
        note = "TRL's clip-ratio metrics (shares of tokens clipped), mean and max over all logged steps."
        lines += ["## GRPO clipping", "", note, ""]
        lines += _table(["stage", "metric", "mean", "max"], clip_rows)

    data_lines = []
    for name, entry in stages.items():
        if name in trained:
            continue
        counts = {k: v for k, v in entry.items() if _num(v) is not None and not k.endswith("_seconds")}
        if counts:
            data_lines.append(f"- **{name}**: " + ", ".join(f"{k} {_fmt(v)}" for k, v in counts.items()))
    if data_lines:
        lines += ["## Data stages", ""] + data_lines + [""]

    reward_model = stages.get("reward_model", {})
    rm_rows = [
        [name, _fmt(sub.get("pair_accuracy"))]
        for name, sub in reward_model.items()
        if isinstance(sub, dict) and "pair_accuracy" in sub
    ]
    if rm_rows:
        lines += ["## Reward models", ""] + _table(["reward model", "pair accuracy"], rm_rows)

    scenarios = stages.get("all_scenarios_rl", {})
    # The stage's own evaluation of general prompts is `general`: the "after" of the start model's `general_before`.
    before, after = scenarios.get("general_before"), scenarios.get("general_after", scenarios.get("general"))
    before, after = (before if isinstance(before, dict) else {}), (after if isinstance(after, dict) else {})
    rows = []
    for name in ("helpfulness", "harmlessness"):
        if name in before or name in after:
            rows.append([name, _fmt(before.get(name)), _fmt(after.get(name))])
        split_before, split_after = before.get(f"{name}_by_category") or {}, after.get(f"{name}_by_category") or {}
        for category in dict.fromkeys([*split_before, *split_after]):
            rows.append(
                [f"{name}, {category} prompts", _fmt(split_before.get(category)), _fmt(split_after.get(category))]
            )
    if rows:
        lines += ["## All-scenario RL: general prompts (reward-model score)", ""]
        lines += _table(["reward model", "before", "after"], rows)

    distill_bars = _distill_bars(stages.get("distill", {}))
    if distill_bars:
        rows = [[label.replace("\n", " "), _fmt(value)] for label, value in distill_bars]
        lines += ["## Distillation", ""] + _table(["model", "score"], rows)
    return lines


def write_report_md(report: dict[str, Any], out_dir: str | os.PathLike) -> Path:
    """Write `out_dir/report.md` and, where the report has data for them, `rl_curves.png`, `stages.png` and
    `distill.png` beside it. Returns the markdown's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = report if isinstance(report, dict) else {}
    stages = _stages(report)
    lines = _markdown_sections(report, stages)

    plots = (
        ("rl_curves.png", "RL training curves", _plot_rl_curves),
        ("stages.png", "Evaluation per stage", _plot_stages),
        ("distill.png", "Distillation", _plot_distill),
    )
    figures = [f"![{title}]({name})" for name, title, plot in plots if plot(stages, out / name)]
    if figures:
        lines += ["## Plots", ""] + [line for figure in figures for line in (figure, "")]

    path = out / "report.md"
    atomic_write(path, "\n".join(lines).rstrip("\n").encode() + b"\n")
    logger.info("wrote %s", path)
    return path
