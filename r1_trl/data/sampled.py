"""Sample a model on training prompts and score the samples in resumable shards: the piece that rejection
sampling, distillation's traces and pass-rate filtering share, so no stage imports another for it.

`make_sampler` opens the one sampling path (`generation.sample_completions`) over transformers or vLLM, with the
recipe's template and chat format; `sample_in_shards` hands it the prompt rows shard by shard, scores each shard
with the caller's function and writes it atomically (`data.shards`), so a killed run resumes with nothing lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from accelerate.utils.memory import clear_device_cache

from ..configs import SamplingSettings, TaskArguments
from ..generation import VllmEngine, import_vllm, sample_completions
from ..templates import Template, chat_prefix, template_of
from .shards import build_row_shards

__all__ = ["Sampler", "make_sampler", "prompt_jobs", "sample_in_shards"]

# A sampler answers a shard of prompt rows: one list of `{"text", "num_tokens", "truncated"}` per row.
Sampler = Callable[[list[dict], int], list[list[dict[str, Any]]]]


class _Sampler:
    """`sample_completions` over a model that `load` returns with its tokenizer.

    The backends differ only in `load`; prompts, prefilled prefixes, seeds and rows are the same code. The model is
    loaded on the first unfinished shard, so a rerun whose shards are all finished never loads it.
    """

    def __init__(
        self,
        args: TaskArguments,
        spec: SamplingSettings,
        template: Template,
        load: Callable[[], tuple[Any, Any]],
    ):
        self.args, self.spec, self.template, self.load = args, spec, template, load
        self.model = self.tokenizer = None

    def _prompt(self, row: dict) -> tuple[str | list[dict], str]:
        if not self.args.chat_format:
            return self.template.format_prompt(row["prompt"], row.get("lang")), ""
        chat = self.template.as_conversation(row["prompt"], row.get("lang"))
        # A chat template that opens the reasoning itself wrote part of the answer; it belongs to the response.
        return chat, chat_prefix(self.tokenizer, self.template, chat)

    def __call__(self, rows: list[dict], shard: int) -> list[list[dict[str, Any]]]:
        if self.model is None:
            self.model, self.tokenizer = self.load()
        prompts, prefixes = zip(*(self._prompt(r) for r in rows), strict=True)
        settings = self.spec.for_shard(shard)
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


def _load_transformers(spec: SamplingSettings) -> Callable[[], tuple[Any, Any]]:
    def load() -> tuple[Any, Any]:
        from ..models import load_for_generation, load_tokenizer

        tokenizer = load_tokenizer(spec.model, spec.trust_remote_code)
        return load_for_generation(spec.model, spec.trust_remote_code), tokenizer

    return load


def _load_vllm(spec: SamplingSettings) -> Callable[[], tuple[Any, Any]]:
    def load() -> tuple[Any, Any]:
        engine = VllmEngine(spec.model, seed=spec.seed, trust_remote_code=spec.trust_remote_code)
        # vLLM's own tokenizer renders the prompts, so the prefilled prefix is read from the same rendering.
        return engine, engine.tokenizer

    return load


def make_sampler(args: TaskArguments, spec: SamplingSettings) -> Sampler:
    """The sampler of `spec.model` through `spec.backend`, asking as the recipe's task asks (`args`: template, chat
    format); `vllm` fails here, before any work, when vLLM is not installed."""
    if spec.model is None:
        raise ValueError("make_sampler: the sampling spec names no model")
    template = template_of(args)
    if spec.backend == "vllm":
        import_vllm("backend vllm")
        return _Sampler(args, spec, template, _load_vllm(spec))
    return _Sampler(args, spec, template, _load_transformers(spec))


def prompt_jobs(prompts: Iterable[dict]) -> list[dict[str, Any]]:
    """One sampling job per prompt row, numbered in order: what a shard hands the sampler."""
    return [
        {"prompt_id": i, "prompt": r["prompt"], "solution": str(r["solution"]), "lang": r.get("lang")}
        for i, r in enumerate(prompts)
    ]


@contextlib.contextmanager
def _closed_after(sampler: Sampler, close: bool) -> Iterator[Sampler]:
    try:
        yield sampler
    finally:
        closer = getattr(sampler, "close", None) if close else None
        if closer is not None:
            # A stage trains in this process next; the sampled model must not keep its (GPU) memory.
            closer()


def sample_in_shards(
    out: str | Path,
    name: str,
    jobs: list[dict[str, Any]],
    sampler: Sampler,
    score: Callable[[list[dict], list[list[dict[str, Any]]]], list[dict[str, Any]]],
    shard_size: int,
    settings: dict[str, Any],
    close_sampler: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every job's scored rows, in job order, and the shard statistics. `score(jobs, groups)` turns a shard's
    samples into its rows; `settings` are what decide the samples, and a rerun under other settings is refused
    rather than mixed into the finished shards. `close_sampler` frees the model once the last shard is written."""

    def produce(shard_jobs: list[dict], shard: int) -> list[dict[str, Any]]:
        groups = sampler(shard_jobs, shard)
        if len(groups) != len(shard_jobs):
            raise ValueError(
                f"sampler returned {len(groups)} groups for {len(shard_jobs)} prompts (shard {shard} of {name!r})"
            )
        return score(shard_jobs, groups)

    with _closed_after(sampler, close_sampler):
        return build_row_shards(Path(out) / "shards", name, jobs, produce, shard_size, settings)
