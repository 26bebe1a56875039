"""The rejection-sampled SFT set: a model's answers to the training prompts, scored in resumable shards, filtered,
ranked per prompt and mixed with non-reasoning data. The `rejection_sampling` stage writes it from the converged
reasoning-RL model; distillation writes its traces with the same function, the teacher being the sampled model."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from ..configs import RejectionSamplingArguments, TaskArguments
from ..files import write_json, write_jsonl
from ..templates import Template, get_template, template_of
from .loading import load_prompts
from .non_reasoning import load_non_reasoning, mix_non_reasoning
from .rejection import FILTERS, apply_filters, score_samples, select_per_prompt
from .sampled import Sampler, prompt_jobs, sample_in_shards

__all__ = ["DATA_FILE", "SHARD_NAME", "STATS_FILE", "build_sampled_set"]

logger = logging.getLogger(__name__)

DATA_FILE = "train.jsonl"
STATS_FILE = "stats.json"
SHARD_NAME = "samples"


def _scorer(args: TaskArguments):
    fmt = get_template(args.template).response_format

    def score(jobs: list[dict], groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        rows = [
            {**job, "sample": j, "response": s["text"], "num_tokens": s["num_tokens"], "truncated": s["truncated"]}
            for job, group in zip(jobs, groups, strict=True)
            for j, s in enumerate(group)
        ]
        return score_samples(rows, fmt, timeout_s=args.reward_timeout_s)

    return score


def _sft_row(template: Template, row: dict) -> dict[str, Any]:
    return {
        "messages": [
            *template.as_conversation(row["prompt"], row.get("lang")),
            {"role": "assistant", "content": row["response"]},
        ],
        "prompt": row["prompt"],
        "solution": str(row["solution"]),
        "lang": row.get("lang") or "",
        "kind": "reasoning",
        "method": "rejection_sampling",
        "source": row["source"],
    }


def _settings(rs: RejectionSamplingArguments, args: TaskArguments) -> dict[str, Any]:
    """What decides the samples; the shard manifest refuses to resume under different ones."""
    keys = ("model_name_or_path", "samples_per_prompt", "temperature", "top_p", "max_new_tokens", "backend", "seed")
    return {**{k: getattr(rs, k) for k in keys}, "template": args.template, "chat_format": args.chat_format}


def build_sampled_set(
    args: TaskArguments, rs: RejectionSamplingArguments, sampler: Sampler, close_sampler: bool = False
) -> dict[str, Any]:
    """Sample, filter, rank and mix into `rs.output_dir/train.jsonl`; returns the statistics. `close_sampler` frees
    the sampled model once the samples are written (distillation trains a student in this process next)."""
    started = time.time()
    out = Path(rs.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    prompts = load_prompts(args, "train")
    jobs = prompt_jobs(prompts.select(range(min(rs.num_prompts, len(prompts)))))
    if len(jobs) < rs.num_prompts:
        logger.warning(
            "rejection sampling: only %d training prompts, fewer than num_prompts=%d", len(jobs), rs.num_prompts
        )
    samples, shard_info = sample_in_shards(
        out, SHARD_NAME, jobs, sampler, _scorer(args), rs.shard_size, _settings(rs, args), close_sampler
    )
    passed, counts = apply_filters(
        samples, language_threshold=rs.language_threshold, max_paragraph_chars=rs.max_paragraph_chars
    )
    chosen = select_per_prompt(passed, rs.keep_per_prompt, rs.rank_by)
    counts["ranked_out"] = len(passed) - len(chosen)
    counts["kept"] = len(chosen)
    template = template_of(args)
    reasoning = [_sft_row(template, {**r, "source": rs.model_name_or_path}) for r in chosen]
    if not reasoning:
        logger.warning("rejection sampling: no sample survived the filters, so no non-reasoning rows are mixed in")
    pool = load_non_reasoning(rs.non_reasoning_dataset) if rs.non_reasoning_ratio > 0 else []
    rows, mix = mix_non_reasoning(reasoning, pool, rs.non_reasoning_ratio, seed=rs.seed)
    write_jsonl(out / DATA_FILE, rows)
    entry: dict[str, Any] = {
        "num_examples": len(rows),
        "num_reasoning": len(reasoning),
        "num_non_reasoning": mix["non_reasoning"],
        "num_prompts": len(jobs),
        "num_sampled": len(samples),
        "prompts_with_answer": len({r["prompt_id"] for r in chosen}),
        "filters": counts,
        "filter_order": list(FILTERS),
        "mix": mix,
        "shards": shard_info,
        "settings": {**dataclasses.asdict(rs), "template": args.template, "chat_format": args.chat_format},
        "stage_seconds": round(time.time() - started, 1),
        "dataset": str(out / DATA_FILE),
    }
    write_json(out / STATS_FILE, entry)
    logger.info(
        "rejection_sampling: kept %d of %d samples (%s), %d non-reasoning rows mixed in",
        len(chosen),
        len(samples),
        ", ".join(f"{name} {counts[name]}" for name in FILTERS),
        mix["non_reasoning"],
    )
    return entry
