"""The demo report: one JSON file that every stage adds its evaluation to, and the table printed from it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..files import write_json

__all__ = ["EVAL_METRICS", "format_table", "load_report", "remove_stage", "update_report"]

# The held-out evaluation's headline numbers, in the order every table shows them (this table, report.md, the card).
# Format-free accuracy leads: strict pass@1 also needs the response format, which the format rate beside it shows.
EVAL_METRICS = ("accuracy_lenient", "format_rate", "pass@1", "cons@k", "language_consistency", "mean_length")
# Short headers keep the table inside a terminal; the report keeps the full names.
HEADERS = {"accuracy_lenient": "accuracy", "format_rate": "format", "language_consistency": "lang_consist"}


def load_report(path: str | os.PathLike) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        return {"stages": {}}
    return json.loads(p.read_text())


def remove_stage(path: str | os.PathLike, stage: str) -> None:
    """Drop a stage's entry, so a rerun's entry holds only what the rerun measured."""
    report = load_report(path)
    if report.get("stages", {}).pop(stage, None) is not None:
        write_json(path, report)


def update_report(
    path: str | os.PathLike, stage: str | None = None, entry: dict[str, Any] | None = None, **top: Any
) -> dict[str, Any]:
    """Merge a stage entry (and top-level fields) into the report, written atomically so a killed run never leaves
    a half-written file behind."""
    report = load_report(path)
    if stage is not None and entry is not None:
        report.setdefault("stages", {})[stage] = {**report.get("stages", {}).get(stage, {}), **entry}
    report.update(top)
    write_json(path, report)
    return report


def format_table(report: dict[str, Any]) -> str:
    header = f"{'stage':<20}" + "".join(f"{HEADERS.get(c, c):>14}" for c in EVAL_METRICS)
    lines = [header, "-" * len(header)]
    for stage, entry in report.get("stages", {}).items():
        cells = "".join(
            f"{entry[c]:>14.3f}" if isinstance(entry.get(c), int | float) else f"{'-':>14}" for c in EVAL_METRICS
        )
        lines.append(f"{stage:<20}{cells}")
        for lang, sub in sorted(entry.get("per_lang", {}).items()):
            cells = "".join(
                f"{sub[c]:>14.3f}" if isinstance(sub.get(c), int | float) else f"{'-':>14}" for c in EVAL_METRICS
            )
            lines.append(f"{'  ' + lang:<20}{cells}")
    if "wall_seconds" in report:
        lines.append(f"wall time: {report['wall_seconds']:.0f} s")
    return "\n".join(lines)
