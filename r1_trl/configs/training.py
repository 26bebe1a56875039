"""TRL's SFT and GRPO configs with r1-trl's defaults and early checks."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from trl import GRPOConfig, SFTConfig

__all__ = ["R1GRPOConfig", "R1SFTConfig", "assume_processes"]

logger = logging.getLogger(__name__)


def _join_cpu_ranks(cfg: SFTConfig | GRPOConfig) -> None:
    """Several processes on a machine without an accelerator only form one job when `use_cpu` is set; otherwise
    every rank silently trains alone. Set it, loudly, instead of letting that happen."""
    import torch

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not cfg.use_cpu and not torch.cuda.is_available():
        logger.warning(
            "%s processes and no GPU: setting use_cpu=True so they train as one gloo job", os.environ["WORLD_SIZE"]
        )
        cfg.use_cpu = True


_ASSUMED_PROCESSES: int | None = None


@contextlib.contextmanager
def assume_processes(processes: int) -> Iterator[None]:
    """Check recipes for a launch of `processes` ranks from a single process (`--dry-run`), without telling
    transformers a distributed job exists (WORLD_SIZE would make it try to join one)."""
    global _ASSUMED_PROCESSES
    previous, _ASSUMED_PROCESSES = _ASSUMED_PROCESSES, processes
    try:
        yield
    finally:
        _ASSUMED_PROCESSES = previous


@dataclass
class R1SFTConfig(SFTConfig):
    """SFTConfig with r1-trl's defaults; used by the base, cold-start, SFT and distillation stages."""

    output_dir: str | None = field(default=None, metadata={"help": "Where the model and checkpoints are written."})

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        _join_cpu_ranks(self)
        super().__post_init__()


@dataclass
class R1GRPOConfig(GRPOConfig):
    """GRPOConfig whose defaults are the DeepSeek-R1 paper's (v2), not TRL's; recipes still write them out."""

    output_dir: str | None = field(default=None, metadata={"help": "Where the model and checkpoints are written."})
    learning_rate: float = field(default=3e-6, metadata={"help": "Paper: 3e-6."})
    beta: float = field(default=0.001, metadata={"help": "KL coefficient (k3 estimator). Paper: 0.001; TRL: 0."})
    num_generations: int | None = field(default=16, metadata={"help": "Group size G. Paper: 16; TRL: 8."})
    loss_type: str = field(default="grpo", metadata={"help": "Paper: 'grpo' (per-sequence mean); TRL: 'dapo'."})
    temperature: float = field(default=1.0, metadata={"help": "Rollout sampling temperature. Paper: 1.0."})
    epsilon: float = field(
        default=10.0,
        metadata={
            "help": "Clip range of the probability ratio, [1 - epsilon, 1 + epsilon]. "
            "DeepSeek-R1 v2 (Nature 2025), supplementary: first RL stage, epsilon = 10; TRL: 0.2. Acts only once the "
            "policy has moved since the rollout (steps_per_generation > gradient_accumulation_steps, or "
            "num_iterations > 1); before that the ratio is 1."
        },
    )
    sync_ref_model: bool = field(default=True, metadata={"help": "Refresh the reference model. Paper: yes."})
    ref_model_sync_steps: int = field(default=400, metadata={"help": "Reference refresh period. Paper: 400."})
    ref_model_mixup_alpha: float = field(default=1.0, metadata={"help": "1.0 copies the policy into the reference."})

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        self.check_group_divisibility(_ASSUMED_PROCESSES or int(os.environ.get("WORLD_SIZE", "1")))
        _join_cpu_ranks(self)
        super().__post_init__()

    @property
    def world_size(self) -> int:
        # TRL sizes the generation batch with the world size; a dry-run checks the launch it was told about.
        return _ASSUMED_PROCESSES or super().world_size

    def check_group_divisibility(self, processes: int) -> None:
        """Every generation batch must split into whole groups of num_generations completions."""
        if self.num_generations is None or self.generation_batch_size is not None:
            return
        steps = self.steps_per_generation or self.gradient_accumulation_steps
        total = self.per_device_train_batch_size * processes * steps
        if total % self.num_generations:
            raise ValueError(
                f"per_device_train_batch_size ({self.per_device_train_batch_size}) x processes ({processes}) x "
                f"steps_per_generation ({steps}) = {total} completions per generation, which is not divisible by "
                f"num_generations ({self.num_generations}); make it a multiple, e.g. per_device_train_batch_size="
                f"{self.num_generations}"
            )
