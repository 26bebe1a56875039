"""The one sampling spec: who answers, through which backend, and how. Every config group that samples (`eval_*`,
`filter_*`, rejection sampling, cold start) builds it from its own prefixed fields with one method, and
`r1_trl.generation.sample_completions` reads it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["SamplingSettings"]


@dataclass(frozen=True)
class SamplingSettings:
    n: int = 4
    temperature: float = 0.6
    top_p: float = 0.95
    max_new_tokens: int = 96
    batch_size: int = 256  # sequences generated at once (transformers; vLLM schedules its own batches)
    seed: int = 0
    model: str | None = None  # the sampled model, when the spec travels without it
    backend: str = "transformers"
    shard_size: int | None = None  # prompts per resumable shard, for the stages that shard
    trust_remote_code: bool = False

    def for_shard(self, shard: int) -> SamplingSettings:
        """One seed per shard: a resumed shard samples exactly what it would have in an uninterrupted run."""
        return dataclasses.replace(self, seed=self.seed + shard)
