"""Stage 5, `rejection_sampling`: the SFT set sampled from the converged reasoning-RL model.

Each of the first `num_prompts` training prompts is asked `samples_per_prompt` times, as reasoning RL asked it
(the recipe's template, through the chat template when `chat_format`). Samples are scored with RL's accuracy and
format rewards and written per shard of prompts, so a killed run resumes where it stopped. At the end the filters
(format, correct, one language, paragraph length, no code blocks, no duplicates) and the per-prompt ranking keep
up to `keep_per_prompt` answers per prompt, and non-reasoning data is mixed in at `non_reasoning_ratio`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from accelerate.utils.memory import clear_device_cache

from ..configs import RejectionSamplingArguments, TaskArguments
from ..data import load_prompts
from ..data.non_reasoning import load_non_reasoning, mix_non_reasoning
from ..data.rejection import FILTERS, apply_filters, score_samples, select_per_prompt
from ..data.shards import build_row_shards
from ..evaluation.evaluator import template_of
from ..files import write_json, write_jsonl
from ..generation import VllmEngine, import_vllm, sample_completions
from ..report import update_report
from ..templates import Template, chat_prefix, get_template
from ..trainers.hub import push_dataset
from ..trainers.run import STAGE_FILE
from .recipe import parse_stage

__all__ = ["DATA_FILE", "SHARD_NAME", "STATS_FILE", "build_sampled_set", "main", "make_sampler"]

logger = logging.getLogger(__name__)

DATA_FILE = "train.jsonl"
STATS_FILE = "stats.json"
SHARD_NAME = "samples"

# A sampler answers a shard of prompt rows: one list of `{"text", "num_tokens", "truncated"}` per row.
Sampler = Callable[[list[dict], int], list[list[dict[str, Any]]]]


def _conversation(template: Template, row: dict) -> list[dict[str, str]]:
    return template.as_conversation(row["prompt"], row.get("lang"))


class _Sampler:
    """The project's one sampling path (`sample_completions`) over a model that `load` returns with its tokenizer.

    The backends differ only in `load`; prompts, prefilled prefixes, seeds and rows are the same code. The model is
    loaded on the first unfinished shard, so a rerun whose shards are all finished never loads it.
    """

    def __init__(
        self,
        args: TaskArguments,
        rs: RejectionSamplingArguments,
        template: Template,
        load: Callable[[], tuple[Any, Any]],
    ):
        self.args, self.rs, self.template, self.load = args, rs, template, load
        self.model = self.tokenizer = None

    def _prompt(self, row: dict) -> tuple[str | list[dict], str]:
        if not self.args.chat_format:
            return self.template.format_prompt(row["prompt"], row.get("lang")), ""
        chat = _conversation(self.template, row)
        # A chat template that opens the reasoning itself wrote part of the answer; it belongs to the response.
        return chat, chat_prefix(self.tokenizer, self.template, chat)

    def __call__(self, rows: list[dict], shard: int) -> list[list[dict[str, Any]]]:
        if self.model is None:
            self.model, self.tokenizer = self.load()
        prompts, prefixes = zip(*(self._prompt(r) for r in rows), strict=True)
        settings = self.rs.sampling().for_shard(shard)
        groups = sample_completions(self.model, self.tokenizer, list(prompts), settings, desc=f"shard {shard}")
        return [
            [{"text": prefix + c.text, "num_tokens": c.num_tokens, "truncated": c.truncated} for c in group]
            for prefix, group in zip(prefixes, groups, strict=True)
        ]

    def close(self) -> None:
        if isinstance(self.model, VllmEngine):
            self.model.close()
        self.model = self.tokenizer = None
        clear_device_cache(garbage_collection=True)


def _load_transformers(rs: RejectionSamplingArguments) -> Callable[[], tuple[Any, Any]]:
    def load() -> tuple[Any, Any]:
        from ..models import load_for_generation, load_tokenizer

        tokenizer = load_tokenizer(rs.model_name_or_path, rs.trust_remote_code)
        return load_for_generation(rs.model_name_or_path, rs.trust_remote_code), tokenizer

    return load


def _load_vllm(rs: RejectionSamplingArguments) -> Callable[[], tuple[Any, Any]]:
    def load() -> tuple[Any, Any]:
        engine = VllmEngine(rs.model_name_or_path, seed=rs.seed, trust_remote_code=rs.trust_remote_code)
        # vLLM's own tokenizer renders the prompts, so the prefilled prefix is read from the same rendering.
        return engine, engine.tokenizer

    return load


def make_sampler(args: TaskArguments, rs: RejectionSamplingArguments) -> Sampler:
    """The sampler for `rs.backend`; `vllm` fails here, before any work, when vLLM is not installed."""
    template = template_of(args)
    if rs.backend == "vllm":
        import_vllm("backend vllm")
        return _Sampler(args, rs, template, _load_vllm(rs))
    return _Sampler(args, rs, template, _load_transformers(rs))


def _producer(args: TaskArguments, rs: RejectionSamplingArguments, sampler: Sampler) -> Callable:
    fmt = get_template(args.template).response_format

    def produce(jobs: list[dict], shard: int) -> list[dict[str, Any]]:
        groups = sampler(jobs, shard)
        if len(groups) != len(jobs):
            raise ValueError(f"rejection sampling: sampler returned {len(groups)} groups for {len(jobs)} prompts")
        rows = [
            {**job, "sample": j, "response": s["text"], "num_tokens": s["num_tokens"], "truncated": s["truncated"]}
            for job, group in zip(jobs, groups, strict=True)
            for j, s in enumerate(group)
        ]
        return score_samples(rows, fmt, timeout_s=args.reward_timeout_s)

    return produce


def _sft_row(template: Template, row: dict) -> dict[str, Any]:
    return {
        "messages": [*_conversation(template, row), {"role": "assistant", "content": row["response"]}],
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


def main(argv: Sequence[str], sampler: Sampler | None = None, stage: str = "rejection_sampling") -> dict:
    args = parse_stage(stage, argv)
    rs = args.part(RejectionSamplingArguments)
    entry = build_sampled_set(args, rs, sampler)
    if args.report_path:
        update_report(args.report_path, stage, entry)
    if rs.hub_dataset_id:
        push_dataset(Path(entry["dataset"]), rs.hub_dataset_id)
    write_json(Path(rs.output_dir) / STAGE_FILE, entry)
    return entry


def build_sampled_set(args: TaskArguments, rs: RejectionSamplingArguments, sampler: Sampler | None = None) -> dict:
    """Sample, filter, rank and mix into `rs.output_dir/train.jsonl`; returns the stage's statistics.

    Distillation's trace generation is this same function with the teacher as the sampled model.
    """
    started = time.time()
    out = Path(rs.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    # The finished marker goes first: a rerun killed before it rewrites the outputs must not look finished.
    (out / STAGE_FILE).unlink(missing_ok=True)
    own_sampler = sampler is None
    sampler = sampler or make_sampler(args, rs)
    template = template_of(args)
    prompts = load_prompts(args, "train")
    jobs = [
        {"prompt_id": i, "prompt": r["prompt"], "solution": str(r["solution"]), "lang": r.get("lang")}
        for i, r in enumerate(prompts.select(range(min(rs.num_prompts, len(prompts)))))
    ]
    if len(jobs) < rs.num_prompts:
        logger.warning(
            "rejection sampling: only %d training prompts, fewer than num_prompts=%d", len(jobs), rs.num_prompts
        )
    try:
        samples, shard_info = build_row_shards(
            out / "shards", SHARD_NAME, jobs, _producer(args, rs, sampler), rs.shard_size, _settings(rs, args)
        )
    finally:
        close = getattr(sampler, "close", None) if own_sampler else None
        if close is not None:
            # Distillation trains a student in this process next; the teacher must not keep its GPU memory.
            close()
    passed, counts = apply_filters(
        samples, language_threshold=rs.language_threshold, max_paragraph_chars=rs.max_paragraph_chars
    )
    chosen = select_per_prompt(passed, rs.keep_per_prompt, rs.rank_by)
    counts["ranked_out"] = len(passed) - len(chosen)
    counts["kept"] = len(chosen)
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
