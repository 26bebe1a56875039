"""`filter_prompts`: the cheap half of DAPO's dynamic sampling, done once before RL instead of every step.

The start model answers each training prompt `filter_k` times, as GRPO will ask it (the recipe's template and chat
format, GRPO's temperature and length), and the answers are scored by the registry's accuracy reward. A prompt the
model always or never solves gives its GRPO group no reward variance, hence no gradient; the kept prompts are those
whose pass rate lies in the recipe's open interval, and those the reward cannot judge (no gold answer) as they are.
Samples are scored per shard of prompts, so a killed run resumes.

Two entry points share `filter_by_pass_rate`: the `filter_prompts` stage, which writes `data/`, a dataset folder any
GRPO recipe can name as its `dataset_name`; and the GRPO stages' switch `filter_prompts: true`, which filters with the
stage's start model and trains on what it keeps.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from datasets import Dataset

from ..configs import RejectionSamplingArguments, SamplingSettings, TaskArguments
from ..configs.filter import FilterPromptsArguments, PromptFilterSettings
from ..data import load_prompts
from ..data.shards import build_row_shards
from ..files import write_json, write_jsonl
from ..report import update_report
from ..rewards import get_reward_func
from ..templates import get_template
from ..trainers.run import STAGE_FILE
from .recipe import parse_stage
from .rejection_sampling import make_sampler

__all__ = ["DATA_DIR", "DATA_FILE", "PASS_RATE", "filter_by_pass_rate", "main"]

logger = logging.getLogger(__name__)

# A folder `load_dataset` reads as a dataset with train (and, when the source has one, test) split.
DATA_DIR = "data"
DATA_FILE = f"{DATA_DIR}/train.jsonl"
STATS_FILE = "stats.json"
PASS_RATE = "pass_rate"
_SHARD_NAME = "pass_rates"


def _producer(args: TaskArguments, sampler: Callable, timeout_s: float) -> Callable[[list[dict], int], list[dict]]:
    accuracy = get_reward_func(
        "accuracy", response_format=get_template(args.template).response_format, timeout_s=timeout_s
    )

    def produce(jobs: list[dict], shard: int) -> list[dict]:
        groups = sampler(jobs, shard)
        if len(groups) != len(jobs):
            raise ValueError(f"filter_prompts: sampler returned {len(groups)} groups for {len(jobs)} prompts")
        rows = []
        for job, group in zip(jobs, groups, strict=True):
            scores = accuracy([s["text"] for s in group], solution=[job["solution"]] * len(group))
            known = [s for s in scores if s is not None]
            rows.append(
                {
                    "prompt_id": job["prompt_id"],
                    # None: the gold answer cannot be read, so the prompt cannot be learned from either.
                    PASS_RATE: round(sum(known) / len(known), 4) if known else None,
                    "correct": int(sum(known)),
                    "k": len(group),
                    "mean_tokens": round(sum(s["num_tokens"] for s in group) / len(group), 1),
                    "truncated": sum(bool(s["truncated"]) for s in group),
                }
            )
        return rows

    return produce


def _statistics(rates: list[float | None], kept: int, settings: PromptFilterSettings) -> dict[str, Any]:
    scored = [r for r in rates if r is not None]
    n = len(scored) or 1
    histogram = Counter(round(r, 2) for r in scored)
    return {
        "num_prompts": len(rates),
        "num_scored": len(scored),
        "num_unscorable": len(rates) - len(scored),
        # Unscorable prompts are kept, so num_kept counts them too; kept_share is of the scored prompts.
        "num_kept": kept,
        "kept_share": round((kept - (len(rates) - len(scored))) / n, 4),
        # Groups whose accuracy reward is the same for every sample: no learning signal from that reward.
        "zero_variance_share": round(sum(r in (0.0, 1.0) for r in scored) / n, 4),
        "never_solved_share": round(sum(r == 0.0 for r in scored) / n, 4),
        "always_solved_share": round(sum(r == 1.0 for r in scored) / n, 4),
        "mean_pass_rate": round(sum(scored) / n, 4),
        "histogram": {str(k): histogram[k] for k in sorted(histogram)},
        "interval": [settings.filter_min_pass_rate, settings.filter_max_pass_rate],
    }


def _copy_test_split(args: TaskArguments, out: Path) -> None:
    """The source's held-out prompts beside the kept ones, unchanged, so `dataset_name: <out>/data` replaces the
    source dataset in a GRPO recipe, evaluation included."""
    try:
        test = load_prompts(args, "test")
    except ValueError as err:
        logger.warning("filter_prompts: no test split copied (%s)", err)
        return
    write_jsonl(out / DATA_DIR / "test.jsonl", test.to_list())


def filter_by_pass_rate(
    args: TaskArguments,
    settings: PromptFilterSettings,
    spec: SamplingSettings,
    out: str | Path,
    sampler: Callable | None = None,
) -> tuple[Dataset, dict[str, Any]]:
    """The training prompts whose pass rate lies in the open interval, with a `pass_rate` column, and the
    statistics; `out` keeps the scored shards (a rerun resumes from them) and `data/train.jsonl`."""
    started = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    prompts = load_prompts(args, "train")
    if settings.filter_num_prompts is not None:
        prompts = prompts.select(range(min(settings.filter_num_prompts, len(prompts))))
    jobs = [
        {"prompt_id": i, "prompt": r["prompt"], "solution": str(r["solution"]), "lang": r.get("lang")}
        for i, r in enumerate(prompts)
    ]
    # Rejection sampling's sampler: the same prompts, prefixes, backends and per-shard seeds.
    rs = RejectionSamplingArguments.from_sampling(
        spec, output_dir=str(out), num_prompts=max(len(jobs), 1), non_reasoning_ratio=0.0
    )
    own_sampler = sampler is None
    sampler = sampler or make_sampler(args, rs)
    decisive = {
        "model": spec.model,
        "k": spec.n,
        "temperature": spec.temperature,
        "top_p": spec.top_p,
        "max_new_tokens": spec.max_new_tokens,
        "backend": spec.backend,
        "seed": spec.seed,
        "template": args.template,
        "chat_format": args.chat_format,
    }
    try:
        rows, shard_info = build_row_shards(
            out / "shards",
            _SHARD_NAME,
            jobs,
            _producer(args, sampler, args.reward_timeout_s),
            settings.filter_shard_size,
            decisive,
        )
    finally:
        close = getattr(sampler, "close", None) if own_sampler else None
        if close is not None:
            # GRPO trains in this process next; the sampling copy must not keep its memory.
            close()
    rates = [r[PASS_RATE] for r in rows]
    lo, hi = settings.filter_min_pass_rate, settings.filter_max_pass_rate
    # A prompt the accuracy reward cannot judge (a general prompt in all-scenario RL, an unreadable gold answer) is
    # kept as it is: the filter has no evidence about it, and dropping it would silently change the task mix.
    keep = [i for i, rate in enumerate(rates) if rate is None or lo < rate < hi]
    stats = {
        **_statistics(rates, len(keep), settings),
        "settings": decisive,
        "shards": shard_info,
        "seconds": round(time.time() - started, 1),
        "dataset": str(out / DATA_FILE),
    }
    kept = prompts.select(keep).add_column(PASS_RATE, [rates[i] for i in keep])
    (out / DATA_DIR).mkdir(exist_ok=True)
    write_jsonl(out / DATA_FILE, kept.to_list())
    _copy_test_split(args, out)
    write_json(out / STATS_FILE, stats)
    logger.info(
        "filter_prompts: kept %d of %d prompts with pass rate in (%g, %g); %.0f%% never solved, %.0f%% always",
        len(keep),
        stats["num_scored"],
        lo,
        hi,
        100 * stats["never_solved_share"],
        100 * stats["always_solved_share"],
    )
    if len(keep) == stats["num_unscorable"]:
        raise ValueError(
            f"filter_prompts: no prompt has a pass rate in ({lo:g}, {hi:g}) over {settings.filter_k} samples "
            f"(pass-rate histogram {stats['histogram']}); widen the interval, raise filter_k or filter_temperature"
        )
    return kept, stats


def main(argv: Sequence[str], stage: str = "filter_prompts", sampler: Callable | None = None) -> dict:
    args = parse_stage(stage, argv)
    fa = args.part(FilterPromptsArguments)
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
    _, entry = filter_by_pass_rate(args, fa, spec, out, sampler)
    if args.report_path:
        update_report(args.report_path, stage, entry)
    write_json(out / STAGE_FILE, entry)
    return entry
