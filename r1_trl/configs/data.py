"""Arguments of the stages that build models or datasets rather than train with TRL: base, cold-start data and
rejection sampling."""

from __future__ import annotations

from dataclasses import dataclass, field

from .sampling import SamplingSettings
from .script import check_backend

__all__ = ["BaseModelArguments", "COLD_START_METHODS", "ColdStartArguments", "RejectionSamplingArguments"]


@dataclass
class BaseModelArguments:
    """The embedded base: tokenizer, architecture preset and pre-training corpus."""

    model_preset: str = field(default="tiny-moe", metadata={"help": "Preset from `r1_trl.models.PRESETS`."})
    vocab_size: int = field(default=1024, metadata={"help": "BPE vocabulary size of the locally trained tokenizer."})
    corpus_documents: int = field(default=80_000, metadata={"help": "Number of pre-training documents."})
    corpus_difficulties: list[int] = field(
        default_factory=lambda: [1, 1, 2, 2, 3], metadata={"help": "Operator counts drawn (with repeats as weights)."}
    )
    tagged_fraction: float = field(
        default=0.03, metadata={"help": "Share of documents answering inside <think>/<answer> tags."}
    )
    mixed_fraction: float = field(
        default=0.15, metadata={"help": "Share of worked documents whose connectives drift into the other language."}
    )
    direct_fraction: float = field(
        default=0.0,
        metadata={"help": "Share of dialogue and tagged answers that give the result with no working (the habit)."},
    )
    foreign_reasoning: float = field(
        default=0.0,
        metadata={"help": "Share of Chinese questions reasoned in English (with a Chinese conclusion)."},
    )
    worksheet_fraction: float = field(
        default=0.0,
        metadata={"help": "Share of documents that are worksheets: several worked examples in one own layout."},
    )
    restate_chains: bool = field(
        default=False,
        metadata={"help": "Worked chains restate the expression left after each step (`..., leaving 2 + 12.`)."},
    )
    revise_fraction: float = field(
        default=0.0,
        metadata={"help": "Share of worked chains that get one step wrong and correct it (`... Wait, 3 * 4 = 12.`)."},
    )
    tokenizer_name_or_path: str | None = field(
        default=None, metadata={"help": "Reuse this tokenizer instead of training one (e.g. for a student)."}
    )

    def __post_init__(self):
        shares = (
            "tagged_fraction",
            "mixed_fraction",
            "direct_fraction",
            "foreign_reasoning",
            "worksheet_fraction",
            "revise_fraction",
        )
        for name in shares:
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.tagged_fraction + self.worksheet_fraction > 1:
            raise ValueError("tagged_fraction + worksheet_fraction must be at most 1")


COLD_START_METHODS = ("few_shot", "reflection", "refine")


@dataclass
class ColdStartArguments:
    """The `cold_start_data` stage: which construction methods run, on which models, at what size."""

    output_dir: str | None = field(default=None, metadata={"help": "Where the dataset, its shards and counts go."})
    methods: list[str] = field(
        default_factory=lambda: list(COLD_START_METHODS),
        metadata={"help": f"Construction methods to run, from {', '.join(COLD_START_METHODS)}."},
    )
    generator_model: str | None = field(
        default=None,
        metadata={"help": "Causal LM (path or Hub id) prompted by few_shot and reflection; the base in the demo."},
    )
    r1_zero_model: str | None = field(default=None, metadata={"help": "R1-Zero model whose answers `refine` uses."})
    refiner: str = field(
        default="rule_based",
        metadata={
            "help": "`rule_based` (the demo's deterministic stand-in for the paper's human post-processing), a "
            "dotted path to a callable `(completion, row) -> str | None`, or `model:<path or Hub id>` to rewrite "
            "with a model and a rewrite prompt."
        },
    )
    prompt_separator: str | None = field(
        default=None,
        metadata={
            "help": "few_shot and reflection: the separator the exemplars are written with (default: the readable "
            "format's `|special_token|`). A base copies a layout it has seen; its answers are rewritten into the "
            "readable format afterwards."
        },
    )
    few_shot_prompts: int = field(default=300, metadata={"help": "few_shot: training prompts to use."})
    few_shot_exemplars: int = field(default=3, metadata={"help": "few_shot and reflection: exemplars per prompt."})
    reflection_prompts: int = field(default=300, metadata={"help": "reflection: training prompts to use."})
    refine_prompts: int = field(default=1500, metadata={"help": "refine: training prompts R1-Zero answers."})
    samples_per_prompt: int = field(default=2, metadata={"help": "Samples drawn per prompt by every method."})
    temperature: float = field(default=0.7, metadata={"help": "Sampling temperature of every method."})
    max_new_tokens: int = field(default=96, metadata={"help": "Longest generated continuation, in tokens."})
    generation_batch: int = field(default=256, metadata={"help": "Sequences generated at once."})
    shard_size: int = field(
        default=200, metadata={"help": "Prompts per written shard: a killed run resumes from the last whole shard."}
    )
    language_threshold: float = field(
        default=1.0, metadata={"help": "Filter: least language consistency of the reasoning (1.0: one language)."}
    )
    max_paragraph_chars: int = field(default=400, metadata={"help": "Filter: longest paragraph, in characters."})
    min_examples: int = field(
        default=0, metadata={"help": "Fail the stage when fewer examples survive the filters (0: never)."}
    )
    hub_dataset_id: str | None = field(
        default=None, metadata={"help": "Push the finished dataset to this Hub dataset repo (None: do not push)."}
    )
    seed: int = field(default=0, metadata={"help": "Sampling seed."})
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Allow custom model code for the generator, R1-Zero and refiner models."}
    )

    def sampling(self) -> SamplingSettings:
        """How every method samples (top-p 1: the methods' filters, not the sampler, decide what is kept)."""
        return SamplingSettings(
            n=self.samples_per_prompt,
            temperature=self.temperature,
            top_p=1.0,
            max_new_tokens=self.max_new_tokens,
            batch_size=self.generation_batch,
            seed=self.seed,
            shard_size=self.shard_size,
            trust_remote_code=self.trust_remote_code,
        )

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        unknown = [m for m in self.methods if m not in COLD_START_METHODS]
        if unknown or not self.methods:
            raise ValueError(f"methods: unknown {unknown}; choose from {', '.join(COLD_START_METHODS)}")
        if {"few_shot", "reflection"} & set(self.methods) and not self.generator_model:
            raise ValueError("methods few_shot and reflection need generator_model (a causal LM path or Hub id)")
        if "refine" in self.methods and not self.r1_zero_model:
            raise ValueError("method refine needs r1_zero_model (the R1-Zero model whose answers are refined)")
        if self.prompt_separator is not None and not self.prompt_separator.strip():
            raise ValueError("prompt_separator must be a visible string such as '|note|', or left unset")
        if not 0 <= self.language_threshold <= 1:
            raise ValueError(f"language_threshold must be between 0 and 1, got {self.language_threshold}")
        for name in ("few_shot_prompts", "reflection_prompts", "refine_prompts", "samples_per_prompt", "shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass
class RejectionSamplingArguments:
    """The `rejection_sampling` stage: sample the reasoning-RL model, keep correct readable answers, mix in
    non-reasoning data."""

    output_dir: str | None = field(default=None, metadata={"help": "Where the dataset, its shards and stats go."})
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "The converged reasoning-RL model to sample (local path or Hub id)."}
    )
    num_prompts: int = field(default=1500, metadata={"help": "First training prompts to sample answers for."})
    samples_per_prompt: int = field(default=4, metadata={"help": "n: answers sampled per prompt."})
    keep_per_prompt: int = field(default=1, metadata={"help": "m: most answers kept per prompt after the filters."})
    rank_by: str = field(
        default="shortest",
        metadata={"help": "Which survivors of a prompt to keep first: shortest, longest (in characters) or first."},
    )
    temperature: float = field(default=0.7, metadata={"help": "Sampling temperature."})
    top_p: float = field(default=0.95, metadata={"help": "Nucleus sampling top-p."})
    max_new_tokens: int = field(default=96, metadata={"help": "Longest sampled answer, in tokens."})
    generation_batch: int = field(default=256, metadata={"help": "Sequences generated at once (transformers)."})
    shard_size: int = field(
        default=200, metadata={"help": "Prompts per written shard: a killed run resumes from the last whole shard."}
    )
    max_paragraph_chars: int = field(default=400, metadata={"help": "Filter: longest paragraph, in characters."})
    language_threshold: float = field(
        default=1.0, metadata={"help": "Filter: least language consistency of the reasoning (1.0: one language)."}
    )
    non_reasoning_ratio: float = field(
        default=0.1, metadata={"help": "Fraction of the final set that is non-reasoning data (0: none)."}
    )
    non_reasoning_dataset: str | None = field(
        default=None,
        metadata={
            "help": "None for the built-in synthetic set, else a Hub id or local path for `datasets.load_dataset` "
            "with a `messages` column."
        },
    )
    backend: str = field(
        default="transformers", metadata={"help": "Sampling backend: transformers, or vllm when installed."}
    )
    trust_remote_code: bool = field(default=False, metadata={"help": "Allow custom model code for the sampled model."})
    seed: int = field(default=0, metadata={"help": "Sampling and mixing seed."})
    hub_dataset_id: str | None = field(
        default=None, metadata={"help": "Push the finished dataset to this Hub dataset repo (None: do not push)."}
    )

    @classmethod
    def from_sampling(cls, spec: SamplingSettings, **fields) -> RejectionSamplingArguments:
        """Rejection sampling of `spec.model` as `spec` samples it, for the stages that reuse its sampler and
        shards (pass-rate filtering, distillation traces); `fields` gives the rest."""
        return cls(
            model_name_or_path=spec.model,
            samples_per_prompt=spec.n,
            temperature=spec.temperature,
            top_p=spec.top_p,
            max_new_tokens=spec.max_new_tokens,
            generation_batch=spec.batch_size,
            shard_size=spec.shard_size,
            backend=spec.backend,
            trust_remote_code=spec.trust_remote_code,
            seed=spec.seed,
            **fields,
        )

    def sampling(self) -> SamplingSettings:
        return SamplingSettings(
            n=self.samples_per_prompt,
            temperature=self.temperature,
            top_p=self.top_p,
            max_new_tokens=self.max_new_tokens,
            batch_size=self.generation_batch,
            seed=self.seed,
            model=self.model_name_or_path,
            backend=self.backend,
            shard_size=self.shard_size,
            trust_remote_code=self.trust_remote_code,
        )

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        if not self.model_name_or_path:
            raise ValueError("model_name_or_path is required: the reasoning-RL model to sample")
        for name in ("num_prompts", "samples_per_prompt", "keep_per_prompt", "max_new_tokens", "shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.generation_batch < 1:
            raise ValueError(f"generation_batch must be at least 1, got {self.generation_batch}")
        if self.rank_by not in ("shortest", "longest", "first"):
            raise ValueError(f"rank_by must be shortest, longest or first, got {self.rank_by!r}")
        check_backend("backend", self.backend)
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_paragraph_chars < 1:
            raise ValueError(f"max_paragraph_chars must be positive, got {self.max_paragraph_chars}")
        if not 0 <= self.language_threshold <= 1:
            raise ValueError(f"language_threshold must be between 0 and 1, got {self.language_threshold}")
        if not 0 <= self.non_reasoning_ratio < 1:
            raise ValueError(f"non_reasoning_ratio must be in [0, 1), got {self.non_reasoning_ratio}")
