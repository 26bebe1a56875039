"""The `distill` stage: where the traces come from, how they are generated, and what the student may be."""

from __future__ import annotations

from dataclasses import dataclass, field

from .sampling import SamplingSettings
from .script import check_backend

__all__ = ["DISTILL_METHODS", "DistillArguments"]

DISTILL_METHODS = ("sft", "gkd", "on_policy")


@dataclass
class DistillArguments:
    """Traces from a teacher (generated, verified, deduplicated) or from a dataset, learned by a smaller student.

    The student model is the recipe's `model_name_or_path`; its SFT settings are the recipe's SFTConfig fields.
    """

    teacher_model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "The final R1 model: it answers the training prompts and its verified answers are kept."},
    )
    traces_dataset: str | None = field(
        default=None,
        metadata={
            "help": "Learn an existing trace set instead (a `messages` dataset: .jsonl, folder or Hub id), e.g. "
            "open-r1/Mixture-of-Thoughts. With a teacher too, the teacher is not sampled; it still sets the size "
            "limit and, for gkd, the logits."
        },
    )
    distill_method: str = field(
        default="sft",
        metadata={
            "help": "`sft`: plain SFT on the traces (the paper's). `gkd`: TRL's experimental GKD trainer, which also "
            "matches the teacher's token distributions on the traces and on student samples. `on_policy`: TRL's "
            "DistillationTrainer: the student answers the training prompts itself and learns the teacher's "
            "token distributions on its own answers; no trace is generated (gkd and on_policy need the teacher)."
        },
    )
    trace_prompts: int = field(default=1500, metadata={"help": "First training prompts the teacher answers."})
    trace_samples_per_prompt: int = field(default=2, metadata={"help": "Teacher answers sampled per prompt."})
    trace_keep_per_prompt: int = field(
        default=1,
        metadata={"help": "Most verified answers kept per prompt; duplicates are always dropped (they overfit)."},
    )
    trace_temperature: float = field(default=0.7, metadata={"help": "Teacher sampling temperature."})
    trace_top_p: float = field(default=0.95, metadata={"help": "Teacher nucleus top-p."})
    trace_max_new_tokens: int = field(default=96, metadata={"help": "Longest teacher answer, in tokens."})
    trace_generation_batch: int = field(default=256, metadata={"help": "Teacher sequences generated at once."})
    trace_backend: str = field(default="transformers", metadata={"help": "transformers, or vllm when installed."})
    trace_shard_size: int = field(
        default=300, metadata={"help": "Prompts per trace shard: a killed run resumes from the last whole shard."}
    )
    max_student_ratio: float = field(
        default=0.25,
        metadata={"help": "Refuse a student with more than this share of the teacher's parameters."},
    )
    require_dense_student: bool = field(
        default=True, metadata={"help": "Refuse a mixture-of-experts student: the paper distills into dense models."}
    )
    gkd_lmbda: float = field(default=0.5, metadata={"help": "gkd: share of batches on student-generated samples."})
    gkd_beta: float = field(default=0.5, metadata={"help": "gkd: generalized JSD interpolation (0 forward KL)."})
    on_policy_beta: float = field(
        default=1.0,
        metadata={"help": "on_policy: generalized JSD interpolation, 0 forward KL, 1 reverse KL (TRL's default)."},
    )
    on_policy_temperature: float = field(
        default=1.0, metadata={"help": "on_policy: the student's sampling temperature, also the loss's softening."}
    )
    on_policy_top_p: float = field(default=1.0, metadata={"help": "on_policy: the student's nucleus top-p."})
    on_policy_max_completion_length: int | None = field(
        default=None, metadata={"help": "on_policy: longest student answer, in tokens (None: trace_max_new_tokens)."}
    )

    def __post_init__(self):
        if not self.teacher_model_name_or_path and not self.traces_dataset:
            raise ValueError("distill: set teacher_model_name_or_path (to generate traces) or traces_dataset")
        if self.distill_method not in DISTILL_METHODS:
            raise ValueError(
                f"distill_method must be one of {', '.join(DISTILL_METHODS)}, got {self.distill_method!r}"
            )
        if self.distill_method in ("gkd", "on_policy") and not self.teacher_model_name_or_path:
            raise ValueError(
                f"distill_method {self.distill_method} needs teacher_model_name_or_path (it reads the teacher's "
                "logits)"
            )
        if self.distill_method == "on_policy" and self.traces_dataset:
            raise ValueError("distill_method on_policy learns from the student's own answers; unset traces_dataset")
        if not 0 <= self.on_policy_beta <= 1:
            raise ValueError(f"on_policy_beta must be in [0, 1], got {self.on_policy_beta}")
        if self.on_policy_temperature <= 0:
            raise ValueError(f"on_policy_temperature must be positive, got {self.on_policy_temperature}")
        if not 0 < self.on_policy_top_p <= 1:
            raise ValueError(f"on_policy_top_p must be in (0, 1], got {self.on_policy_top_p}")
        if self.on_policy_max_completion_length is not None and self.on_policy_max_completion_length < 1:
            raise ValueError(
                f"on_policy_max_completion_length must be at least 1, got {self.on_policy_max_completion_length}"
            )
        for name in ("trace_prompts", "trace_samples_per_prompt", "trace_keep_per_prompt", "trace_max_new_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.max_student_ratio <= 1:
            raise ValueError(f"max_student_ratio must be in (0, 1], got {self.max_student_ratio}")
        check_backend("trace_backend", self.trace_backend)

    def trace_sampling(self, seed: int = 0) -> SamplingSettings:
        """How the teacher's traces are sampled, from the `trace_*` fields."""
        return SamplingSettings(
            n=self.trace_samples_per_prompt,
            temperature=self.trace_temperature,
            top_p=self.trace_top_p,
            max_new_tokens=self.trace_max_new_tokens,
            batch_size=self.trace_generation_batch,
            seed=seed,
            model=self.teacher_model_name_or_path,
            backend=self.trace_backend,
            shard_size=self.trace_shard_size,
        )
