"""Stage 5, `rejection_sampling`: the SFT set sampled from the converged reasoning-RL model.

Each of the first `num_prompts` training prompts is asked `samples_per_prompt` times, as reasoning RL asked it
(the recipe's template, through the chat template when `chat_format`). Samples are scored with RL's accuracy and
format rewards and written per shard of prompts, so a killed run resumes where it stopped. At the end the filters
(format, correct, one language, paragraph length, no code blocks, no duplicates) and the per-prompt ranking keep
up to `keep_per_prompt` answers per prompt, and non-reasoning data is mixed in at `non_reasoning_ratio`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..configs import RejectionSamplingArguments
from ..data.rejection_set import build_sampled_set
from ..data.sampled import Sampler, make_sampler
from ..files import write_json
from ..report import update_report
from ..trainers.hub import push_dataset
from ..trainers.run import STAGE_FILE
from .recipe import parse_stage

__all__ = ["main"]


def main(argv: Sequence[str], sampler: Sampler | None = None, stage: str = "rejection_sampling") -> dict:
    recipe = parse_stage(stage, argv)
    rs = recipe.part(RejectionSamplingArguments)
    # The finished marker goes first: a rerun killed before it rewrites the outputs must not look finished.
    (Path(rs.output_dir) / STAGE_FILE).unlink(missing_ok=True)
    own = sampler is None
    sampler = sampler or make_sampler(recipe.task, rs.sampling())
    entry = build_sampled_set(recipe.task, rs, sampler, close_sampler=own)
    if recipe.report.report_path:
        update_report(recipe.report.report_path, stage, entry)
    if rs.hub_dataset_id:
        push_dataset(Path(entry["dataset"]), rs.hub_dataset_id)
    write_json(Path(rs.output_dir) / STAGE_FILE, entry)
    return entry
