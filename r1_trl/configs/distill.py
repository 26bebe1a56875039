"""The `distill` stage: where the traces come from, how they are generated, and what the student may be."""

from __future__ import annotations

from dataclasses import dataclass, field

from .script import check_backend

__all__ = ["DISTILL_METHODS", "DistillArguments"]

DISTILL_METHODS = ("sft", "gkd")


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
            "help": "`sft`: plain SFT on the traces (the paper's). `gkd`: TRL's GKD trainer, which also matches "
            "the teacher's token distributions on the traces and on student samples (needs the teacher)."
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

    def __post_init__(self):
        if not self.teacher_model_name_or_path and not self.traces_dataset:
            raise ValueError("distill: set teacher_model_name_or_path (to generate traces) or traces_dataset")
        if self.distill_method not in DISTILL_METHODS:
            raise ValueError(
                f"distill_method must be one of {', '.join(DISTILL_METHODS)}, got {self.distill_method!r}"
            )
        if self.distill_method == "gkd" and not self.teacher_model_name_or_path:
            raise ValueError("distill_method gkd needs teacher_model_name_or_path (it reads the teacher's logits)")
        for name in ("trace_prompts", "trace_samples_per_prompt", "trace_keep_per_prompt", "trace_max_new_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.max_student_ratio <= 1:
            raise ValueError(f"max_student_ratio must be in (0, 1], got {self.max_student_ratio}")
        check_backend("trace_backend", self.trace_backend)
