"""`filter_prompts`: each training prompt's pass rate at a model, and the prompts whose rate lies in an open
interval (`data.pass_rate`), written as `data/`, a dataset folder any GRPO recipe can name as its `dataset_name`.
The GRPO stages' switch `filter_prompts: true` runs the same filter with the stage's start model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..configs.filter import FilterPromptsArguments
from ..data.pass_rate import DATA_DIR, DATA_FILE, PASS_RATE, filter_by_pass_rate
from ..files import write_json
from ..report import update_report
from ..trainers.run import STAGE_FILE
from .recipe import parse_stage

__all__ = ["DATA_DIR", "DATA_FILE", "PASS_RATE", "main"]


def main(argv: Sequence[str], stage: str = "filter_prompts", sampler: Callable | None = None) -> dict:
    recipe = parse_stage(stage, argv)
    fa = recipe.part(FilterPromptsArguments)
    out = Path(fa.output_dir)
    # The finished marker goes first: a rerun killed before it rewrites the outputs must not look finished.
    (out / STAGE_FILE).unlink(missing_ok=True)
    # TRL's GRPOConfig defaults, so a recipe that names none measures what a default GRPO run samples.
    spec = fa.filter_sampling(
        fa.model_name_or_path,
        temperature=1.0,
        top_p=1.0,
        max_new_tokens=256,
        seed=fa.seed,
        trust_remote_code=fa.trust_remote_code,
    )
    _, entry = filter_by_pass_rate(recipe.task, fa, spec, out, sampler)
    if recipe.report.report_path:
        update_report(recipe.report.report_path, stage, entry)
    write_json(out / STAGE_FILE, entry)
    return entry
