"""Pass-rate filtering, the cheap half of DAPO's dynamic sampling done once before RL instead of every step.

The start model answers each training prompt `filter_k` times, as GRPO will ask it (the recipe's template and chat
format, GRPO's temperature and length), and the answers are scored by the registry's accuracy reward. A prompt the
model always or never solves gives its GRPO group no reward variance, hence no gradient; the kept prompts are those
whose pass rate lies in the recipe's open interval, and those the reward cannot judge (no gold answer) as they are.
Samples are scored per shard of prompts (`data.sampled`), so a killed run resumes.

The `filter_prompts` stage and the GRPO stages' switch `filter_prompts: true` both call `filter_by_pass_rate`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasets import Dataset

from ..configs import SamplingSettings, TaskArguments
from ..configs.filter import PromptFilterSettings
from ..files import write_json, write_jsonl
from ..rewards import get_reward_func
from ..templates import get_template
from .loading import load_prompts
from .sampled import Sampler, make_sampler, prompt_jobs, sample_in_shards

__all__ = ["DATA_DIR", "DATA_FILE", "PASS_RATE", "STATS_FILE", "filter_by_pass_rate"]

logger = logging.getLogger(__name__)

# A folder `load_dataset` reads as a dataset with train (and, when the source has one, test) split.
DATA_DIR = "data"
DATA_FILE = f"{DATA_DIR}/train.jsonl"
STATS_FILE = "stats.json"
PASS_RATE = "pass_rate"
_SHARD_NAME = "pass_rates"


def _scorer(args: TaskArguments, timeout_s: float) -> Callable[[list[dict], list[list[dict]]], list[dict]]:
    accuracy = get_reward_func(
        "accuracy", response_format=get_template(args.template).response_format, timeout_s=timeout_s
    )

    def score(jobs: list[dict], groups: list[list[dict]]) -> list[dict]:
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

    return score


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
    sampler: Sampler | None = None,
) -> tuple[Dataset, dict[str, Any]]:
    """The training prompts whose pass rate lies in the open interval, with a `pass_rate` column, and the
    statistics; `out` keeps the scored shards (a rerun resumes from them) and `data/train.jsonl`."""
    started = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    prompts = load_prompts(args, "train")
    if settings.filter_num_prompts is not None:
        prompts = prompts.select(range(min(settings.filter_num_prompts, len(prompts))))
    jobs = prompt_jobs(prompts)
    own_sampler = sampler is None
    sampler = sampler or make_sampler(args, spec)
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
    # GRPO trains in this process next: a sampler made here is closed once the shards are written.
    rows, shard_info = sample_in_shards(
        out,
        _SHARD_NAME,
        jobs,
        sampler,
        _scorer(args, args.reward_timeout_s),
        settings.filter_shard_size,
        decisive,
        close_sampler=own_sampler,
    )
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
