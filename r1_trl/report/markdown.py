"""Render the pipeline's JSON report (see `r1_trl.report`) as `report.md` with PNG plots beside it.

A report can come from a partial or failed run, so every stage and key is optional: anything missing or null is
left out of the plots and written as "-" in tables, never raised on.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..files import atomic_write
from . import EVAL_METRICS
from .plots import as_number as _num
from .plots import distill_bars, write_plots

__all__ = ["DIFFICULTY_STAGES", "EVAL_COLUMNS", "STARTS_FROM", "write_report_md"]

logger = logging.getLogger(__name__)

_LABELS = {
    # Format-free: the last number of the completion is the answer. The headline, since strict pass@1 also needs
    # the response format and so reads 0 for a model that computes right but never learned the tags.
    "accuracy_lenient": "accuracy",
    "format_rate": "format",
    "pass@1": "pass@1 (strict)",
    "language_consistency": "lang consistency",
    "mean_length": "mean length",
}
EVAL_COLUMNS = (*((key, _LABELS.get(key, key)) for key in EVAL_METRICS), ("stage_seconds", "stage s"))
# The parts of a stage's time, as `r1_trl.trainers.run.finish_stage` records them.
TIME_COLUMNS = (("setup_seconds", "setup s"), ("train_seconds", "train s"), ("eval_seconds", "eval s"))
# The model each trained stage starts from, which its "what this stage changed" line is measured against.
STARTS_FROM = {
    "r1_zero": "base",
    "cold_start_sft": "base",
    "reasoning_rl": "cold_start_sft",
    "reasoning_rl_no_lc": "cold_start_sft",
    "sft": "base",
    "all_scenarios_rl": "sft",
    "distill": "student_base",
    "distill_rl_only": "student_base",
}
FINAL_STAGE = "all_scenarios_rl"
# The columns of the per-difficulty table: where the pipeline starts, R1-Zero, the final model, and the students.
DIFFICULTY_STAGES = ("base", "r1_zero", FINAL_STAGE, "student_base", "distill", "distill_rl_only")
# A sample chain longer than this is cut: three of them per stage must not bury the tables.
MAX_SAMPLE_CHARS = 2500


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = _num(value)
    return "-" if number is None else f"{number:.{digits}f}"


def _small(value: Any) -> str:
    # Significant digits, not decimals: a clip ratio of 3e-5 is clipping that acted, and 0.000 would hide it.
    number = _num(value)
    return "-" if number is None else f"{number:.3g}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def _stages(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    stages = report.get("stages")
    if not isinstance(stages, dict):
        return {}
    return {name: entry for name, entry in stages.items() if isinstance(entry, dict)}


def _trained(entry: dict[str, Any]) -> bool:
    return any(_num(entry.get(key)) is not None for key in ("accuracy_lenient", "pass@1"))


def _sub(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _length_of_correct(entry: dict[str, Any]) -> float | None:
    # Reports written before the evaluation gave None for "no correct answer" hold 0.0 there: show nothing.
    if _num(entry.get("accuracy_lenient")) == 0:
        return None
    return _num(entry.get("mean_length_correct"))


def _change(
    label: str,
    before: float | None,
    after: float | None,
    show: Callable[[float], str],
    unit: str = "",
    points: bool = False,
) -> str | None:
    if before is None and after is None:
        return None
    text = f"{label} {'-' if before is None else show(before)} → {'-' if after is None else show(after)}{unit}"
    if points and before is not None and after is not None:
        points_changed = round(100 * (after - before))
        text += f" ({points_changed:+d} {'pt' if abs(points_changed) == 1 else 'pts'})"
    return text


def _changed_line(name: str, stages: dict[str, dict[str, Any]]) -> str | None:
    """One line of what `name` changed against the stage it starts from (`STARTS_FROM`), from measured figures."""
    start = STARTS_FROM.get(name)
    if start is None:
        return None
    before, after = stages.get(start, {}), stages[name]
    if not _trained(before):
        return f"{name} vs {start}: no {start} evaluation in this report to compare with."
    rate, tokens, percent = (lambda v: f"{v:.2f}"), (lambda v: f"{v:.0f}"), (lambda v: f"{100 * v:.0f}%")
    lengths = ("length of correct answers", _length_of_correct(before), _length_of_correct(after))
    if lengths[1] is None and lengths[2] is None:
        # Reports from before the split by correctness still hold the overall mean.
        lengths = ("mean length", _num(before.get("mean_length")), _num(after.get("mean_length")))
    figures = lambda key: (_num(before.get(key)), _num(after.get(key)))
    parts = [
        _change("accuracy", *figures("accuracy_lenient"), rate, points=True),
        _change("format", *figures("format_rate"), rate),
        _change(*lengths, tokens, " tokens"),
        _change("mixed", *figures("mixed_rate"), percent),
    ]
    shown = [part for part in parts if part is not None]
    return f"{name} vs {start}: " + (", ".join(shown) if shown else "no figure measured on either")


def _level_order(level: Any) -> tuple[int, int, str]:
    text = str(level)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _difficulty_section(stages: dict[str, dict[str, Any]]) -> list[str]:
    columns = [name for name in DIFFICULTY_STAGES if _sub(stages.get(name, {}).get("per_difficulty"))]
    if not columns:
        return []
    splits = {name: _sub(stages[name]["per_difficulty"]) for name in columns}
    levels = sorted(dict.fromkeys(level for split in splits.values() for level in split), key=_level_order)
    rows = [
        [str(level)] + [_fmt(_sub(splits[n].get(level)).get("accuracy_lenient")) for n in columns] for level in levels
    ]
    rows.append(["all"] + [_fmt(stages[n].get("accuracy_lenient")) for n in columns])
    headers = ["operations"] + [f"{n} (final)" if n == FINAL_STAGE else n for n in columns]
    note = "Format-free accuracy on the held-out prompts by difficulty, the number of arithmetic operations."
    return ["## Accuracy by difficulty", "", note, ""] + _table(headers, rows)


def _text(value: Any) -> str:
    return "-" if value is None else value if isinstance(value, str) else str(value)


def _fenced(label: str, value: Any) -> list[str]:
    text = _text(value)
    if len(text) > MAX_SAMPLE_CHARS:
        text = text[:MAX_SAMPLE_CHARS] + f"\n[... {len(text) - MAX_SAMPLE_CHARS} more characters cut]"
    # A fence longer than any backtick run inside, so a completion that writes ``` cannot close it early.
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return [f"{label}:", "", f"{fence}text", text, fence, ""]


def _samples(name: str, entry: dict[str, Any]) -> list[str]:
    examples = entry.get("examples")
    examples = [e for e in examples if isinstance(e, dict)][:3] if isinstance(examples, list) else []
    if not examples:
        return []
    # Collapsed: the chains are long, and the tables above are what a reader scans.
    chains = "1 sample chain" if len(examples) == 1 else f"{len(examples)} sample chains"
    lines = [f"<details><summary>{chains} of {name}</summary>", ""]
    for i, example in enumerate(examples, 1):
        gold = html.escape(" ".join(_text(example.get("solution")).split()), quote=False)
        lines += [f"**Sample {i}**, gold answer: {gold or '-'}", ""]
        lines += _fenced("Prompt", example.get("prompt")) + _fenced("Completion", example.get("completion"))
    return lines + ["</details>", ""]


def _stage_by_stage(trained: dict[str, dict[str, Any]], stages: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name, entry in trained.items():
        changed, samples = _changed_line(name, stages), _samples(name, entry)
        if changed or samples:
            lines += (
                [f"### {name}", ""] + ([f"**What this stage changed**: {changed}", ""] if changed else []) + samples
            )
    return ["## Stage by stage", ""] + lines if lines else []


def _markdown_sections(report: dict[str, Any], stages: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["# DeepSeek-R1 pipeline report", ""]
    wall = _num(report.get("wall_seconds"))
    lines += [f"Wall time: {_fmt(wall, 1)} s ({_fmt(wall / 60, 1)} min)" if wall is not None else "Wall time: -", ""]
    # With finished stages skipped, this run's wall time is not their cost; the sum of their own times is.
    total = _num(report.get("stage_seconds_total")) or wall

    trained = {name: entry for name, entry in stages.items() if _trained(entry)}
    if trained:
        digits = [1 if key.endswith("seconds") else 3 for key, _ in EVAL_COLUMNS]
        rows = [
            [name] + [_fmt(entry.get(key), d) for (key, _), d in zip(EVAL_COLUMNS, digits, strict=True)]
            for name, entry in trained.items()
        ]
        note = "accuracy: the last number of the completion is right; pass@1 (strict): inside the response format."
        lines += ["## Training stages", "", note, ""] + _table(["stage"] + [h for _, h in EVAL_COLUMNS], rows)
    lines += _difficulty_section(stages) + _stage_by_stage(trained, stages)

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

    bars = distill_bars(stages.get("distill", {}))
    if bars:
        rows = [[label.replace("\n", " "), _fmt(value)] for label, value in bars]
        lines += ["## Distillation", ""] + _table(["model", "accuracy (format-free)"], rows)
    return lines


def write_report_md(report: dict[str, Any], out_dir: str | os.PathLike) -> Path:
    """Write `out_dir/report.md` and, where the report has data for them, `rl_curves.png`, `stages.png` and
    `distill.png` beside it. Returns the markdown's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = report if isinstance(report, dict) else {}
    stages = _stages(report)
    lines = _markdown_sections(report, stages)

    figures = [f"![{title}]({name})" for name, title in write_plots(stages, out)]
    if figures:
        lines += ["## Plots", ""] + [line for figure in figures for line in (figure, "")]

    path = out / "report.md"
    atomic_write(path, "\n".join(lines).rstrip("\n").encode() + b"\n")
    logger.info("wrote %s", path)
    return path
