"""Pass-rate prompt filtering: which prompts GRPO keeps, judged by k answers of the model it starts from."""

from __future__ import annotations

from dataclasses import dataclass, field

from .sampling import SamplingSettings
from .script import check_backend

__all__ = ["FilterPromptsArguments", "PromptFilterArguments", "PromptFilterSettings"]


@dataclass
class PromptFilterSettings:
    """How pass rates are measured and which prompts are kept: those with `filter_min_pass_rate < rate <
    filter_max_pass_rate`. A prompt every sample solves, or none does, gives a GRPO group no reward variance and so
    no gradient; the open interval (0, 1) drops exactly those."""

    filter_k: int = field(default=8, metadata={"help": "Answers sampled per prompt to estimate its pass rate."})
    filter_min_pass_rate: float = field(
        default=0.0, metadata={"help": "Keep prompts whose pass rate is above this (exclusive)."}
    )
    filter_max_pass_rate: float = field(
        default=1.0, metadata={"help": "Keep prompts whose pass rate is below this (exclusive)."}
    )
    filter_num_prompts: int | None = field(
        default=None, metadata={"help": "Score only the first N training prompts (None: all of them)."}
    )
    filter_temperature: float | None = field(
        default=None,
        metadata={"help": "Sampling temperature (None: the GRPO stage's `temperature`; 1.0 for the filter stage)."},
    )
    filter_top_p: float | None = field(
        default=None, metadata={"help": "Nucleus top-p (None: the GRPO stage's `top_p`; 1.0 for the filter stage)."}
    )
    filter_max_new_tokens: int | None = field(
        default=None,
        metadata={
            "help": "Longest answer, in tokens (None: the GRPO stage's `max_completion_length`; 256 for the filter "
            "stage)."
        },
    )
    filter_generation_batch: int = field(
        default=256, metadata={"help": "Sequences generated at once (transformers backend)."}
    )
    filter_shard_size: int = field(
        default=200, metadata={"help": "Prompts per written shard: a killed run resumes from the last whole shard."}
    )
    filter_backend: str = field(
        default="transformers", metadata={"help": "Sampling backend: transformers, or vllm when installed."}
    )

    def __post_init__(self):
        if self.filter_k < 2:
            raise ValueError(f"filter_k must be at least 2 (a pass rate of one sample is 0 or 1), got {self.filter_k}")
        if not 0.0 <= self.filter_min_pass_rate < self.filter_max_pass_rate <= 1.0:
            raise ValueError(
                "filter_min_pass_rate and filter_max_pass_rate must satisfy 0 <= min < max <= 1, got "
                f"{self.filter_min_pass_rate} and {self.filter_max_pass_rate}"
            )
        for name in ("filter_num_prompts", "filter_max_new_tokens"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        for name in ("filter_generation_batch", "filter_shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.filter_temperature is not None and self.filter_temperature <= 0:
            raise ValueError(
                f"filter_temperature must be positive (pass rates need sampling), got {self.filter_temperature}"
            )
        if self.filter_top_p is not None and not 0 < self.filter_top_p <= 1:
            raise ValueError(f"filter_top_p must be in (0, 1], got {self.filter_top_p}")
        check_backend("filter_backend", self.filter_backend)

    def filter_sampling(
        self,
        model: str,
        temperature: float,
        top_p: float,
        max_new_tokens: int,
        seed: int = 0,
        trust_remote_code: bool = False,
    ) -> SamplingSettings:
        """The spec pass rates are measured with: the `filter_*` fields, and for each one left unset the value
        given here (what the GRPO stage samples with, or the filter stage's own default)."""
        return SamplingSettings(
            n=self.filter_k,
            temperature=self.filter_temperature if self.filter_temperature is not None else temperature,
            top_p=self.filter_top_p if self.filter_top_p is not None else top_p,
            max_new_tokens=self.filter_max_new_tokens or max_new_tokens,
            batch_size=self.filter_generation_batch,
            seed=seed,
            model=model,
            backend=self.filter_backend,
            shard_size=self.filter_shard_size,
            trust_remote_code=trust_remote_code,
        )


@dataclass
class PromptFilterArguments(PromptFilterSettings):
    """The GRPO stages' switch: filter the training prompts with the start model before training on them."""

    filter_prompts: bool = field(
        default=False,
        metadata={
            "help": "Before training, sample filter_k answers per training prompt from the start model and train only "
            "on prompts whose pass rate lies in (filter_min_pass_rate, filter_max_pass_rate)."
        },
    )
    filter_dir: str | None = field(
        default=None,
        metadata={"help": "Where the pass rates and kept prompts go (None: <output_dir>/filtered_prompts)."},
    )


@dataclass
class FilterPromptsArguments(PromptFilterSettings):
    """The standalone `filter_prompts` stage: a model's pass rates on a dataset, and the prompts it keeps."""

    output_dir: str | None = field(
        default=None,
        metadata={
            "help": "Where data/ (the kept prompts with a pass_rate column, and the test split), shards and stats go."
        },
    )
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "The model whose pass rates decide (the GRPO stage's start model)."}
    )
    trust_remote_code: bool = field(default=False, metadata={"help": "Allow custom model code for the sampled model."})
    seed: int = field(default=0, metadata={"help": "Sampling seed."})

    def __post_init__(self):
        super().__post_init__()
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        if not self.model_name_or_path:
            raise ValueError("model_name_or_path is required: the model whose pass rates decide")
