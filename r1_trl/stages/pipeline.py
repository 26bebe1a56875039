"""`r1-trl pipeline --recipes recipes/tiny-moe`: run the stages in order, each from its own recipe, skipping the
ones a previous run already finished, then print the report table."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..report import format_table, load_report, update_report
from ..trainers.run import EVAL_FILE

__all__ = ["DEFAULT_STAGES", "main"]

logger = logging.getLogger(__name__)

DEFAULT_STAGES = (
    "base",
    "r1_zero",
    "cold_start_data",
    "cold_start_sft",
    "reasoning_rl",
    "reasoning_rl_no_lc",
    "rejection_sampling",
    "sft",
)


def main(argv: Sequence[str]) -> dict:
    from . import get_stage

    parser = argparse.ArgumentParser(prog="r1-trl pipeline")
    parser.add_argument("--recipes", required=True, help="folder with one <stage>.yaml per stage")
    parser.add_argument("--stages", default=",".join(DEFAULT_STAGES), help="comma-separated stages, in order")
    parser.add_argument("--force", action="store_true", help="re-run stages that already finished")
    args = parser.parse_args(list(argv))
    folder = Path(args.recipes)
    stages = [s for s in args.stages.split(",") if s]
    recipes = {s: folder / f"{s}.yaml" for s in stages}
    missing = [str(p) for p in recipes.values() if not p.exists()]
    if missing:
        raise ValueError(f"missing recipe(s): {', '.join(missing)}")
    for stage in stages:
        get_stage(stage)  # an unknown stage fails before hours of training, not after
    started = time.time()
    report_path = None
    for stage, recipe in recipes.items():
        config = yaml.safe_load(recipe.read_text()) or {}
        report_path = config.get("report_path", report_path)
        done = Path(str(config.get("output_dir", ""))) / EVAL_FILE
        if config.get("output_dir") and done.exists() and not args.force:
            logger.info("%s: already finished (%s); skipping, --force re-runs it", stage, done)
            continue
        logger.info("=== stage %s (%s) ===", stage, recipe)
        get_stage(stage)(["--config", str(recipe)])
    report = load_report(report_path) if report_path else {"stages": {}}
    if report_path:
        report = update_report(report_path, wall_seconds=round(time.time() - started, 1))
    print(format_table(report))  # noqa: T201 - the table is this command's output
    return report
