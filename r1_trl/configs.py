"""Recipe dataclasses: TRL's own configs, extended with the few fields r1-trl needs and validated early.

A recipe YAML is parsed into these with `trl.TrlParser`; command-line flags override the YAML.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from trl import GRPOConfig, ScriptArguments, SFTConfig

__all__ = [
    "BaseModelArguments",
    "COLD_START_METHODS",
    "ColdStartArguments",
    "EMBEDDED_DATASET",
    "R1GRPOConfig",
    "R1ScriptArguments",
    "R1SFTConfig",
    "RejectionSamplingArguments",
]

EMBEDDED_DATASET = "embedded:arithmetic"

logger = logging.getLogger(__name__)


@dataclass
class R1ScriptArguments(ScriptArguments):
    """Data, template, rewards, evaluation and report settings shared by every stage."""

    dataset_name: str | None = field(
        default=EMBEDDED_DATASET,
        metadata={
            "help": f"`{EMBEDDED_DATASET}` for the built-in bilingual task, else a Hub id or local path "
            "given to `datasets.load_dataset`. Needs `prompt` and `solution` columns."
        },
    )
    num_train_prompts: int = field(default=4000, metadata={"help": "Embedded task: number of training problems."})
    num_test_prompts: int = field(default=200, metadata={"help": "Embedded task: number of held-out problems."})
    difficulties: list[int] = field(
        default_factory=lambda: [1, 2], metadata={"help": "Embedded task: operator counts to draw from (1-4)."}
    )
    langs: list[str] = field(default_factory=lambda: ["en", "zh"], metadata={"help": "Embedded task: languages."})
    max_operand: int = field(default=10, metadata={"help": "Embedded task: largest operand."})
    max_value: int = field(default=100, metadata={"help": "Embedded task: largest answer and intermediate result."})
    task_seed: int = field(default=0, metadata={"help": "Embedded task: seed; the same seed gives the same splits."})
    template: str = field(
        default="r1_zero", metadata={"help": "Prompt template from `r1_trl.templates.TEMPLATES`, e.g. `r1_zero`."}
    )
    chat_format: bool = field(
        default=False,
        metadata={
            "help": "Send the templated prompt as a chat turn through the tokenizer's chat template instead of "
            "as plain text (instruct models)."
        },
    )
    sft_dataset: str | None = field(
        default=None,
        metadata={"help": "SFT stages: a conversational (`messages`) dataset, as a .jsonl file, folder or Hub id."},
    )
    reward_funcs: list[str] = field(
        default_factory=lambda: ["accuracy", "format"],
        metadata={"help": "Reward names from the registry, or dotted import paths (`my_pkg.rewards.fn`)."},
    )
    use_language_consistency: bool = field(
        default=True,
        metadata={
            "help": "reasoning_rl: keep the language_consistency reward; false runs the comparison without it and "
            "records it as `reasoning_rl_no_lc`."
        },
    )
    reward_timeout_s: float = field(default=5.0, metadata={"help": "Per-completion time bound of answer checking."})
    # Reward parameters, with open-r1's field names so its recipes carry over. Lengths are in tokens.
    cosine_min_value_wrong: float = field(
        default=-1.0, metadata={"help": "cosine: reward of a wrong answer at 0 length."}
    )
    cosine_max_value_wrong: float = field(
        default=-0.5, metadata={"help": "cosine: reward of a wrong answer at cosine_max_len tokens."}
    )
    cosine_min_value_correct: float = field(
        default=0.5, metadata={"help": "cosine: reward of a right answer at cosine_max_len tokens."}
    )
    cosine_max_value_correct: float = field(
        default=1.0, metadata={"help": "cosine: reward of a right answer at 0 length."}
    )
    cosine_max_len: int = field(default=1000, metadata={"help": "cosine: length (tokens) where the curve ends."})
    repetition_n_grams: int = field(default=3, metadata={"help": "repetition_penalty: n-gram size."})
    repetition_max_penalty: float = field(
        default=-1.0, metadata={"help": "repetition_penalty: penalty when every n-gram repeats (<= 0)."}
    )
    repetition_language: str = field(
        default="en", metadata={"help": "repetition_penalty: 'en' splits words on spaces, 'zh' per character."}
    )
    max_completion_len: int | None = field(
        default=None,
        metadata={"help": "soft_overlong_punishment: L_max in tokens (None: the recipe's max_completion_length)."},
    )
    soft_punish_cache: int | None = field(
        default=None,
        metadata={
            "help": "soft_overlong_punishment: the soft zone before L_max, in tokens (None: a quarter of L_max)."
        },
    )
    reward_model_name_or_path: str | None = field(
        default=None, metadata={"help": "reward_model: a sequence-classification model (local path or Hub id)."}
    )
    reward_model_scope: str = field(
        default="summary",
        metadata={"help": "reward_model: 'summary' scores the text after </think>, 'full' the whole response."},
    )
    eval_k: int = field(default=4, metadata={"help": "Evaluation: samples per held-out prompt."})
    eval_prompts: int | None = field(
        default=None, metadata={"help": "Evaluation: number of held-out prompts (None: the whole test split)."}
    )
    eval_temperature: float = field(default=0.6, metadata={"help": "Evaluation sampling temperature (paper: 0.6)."})
    eval_top_p: float = field(default=0.95, metadata={"help": "Evaluation nucleus top-p (paper: 0.95)."})
    eval_max_tokens: int = field(default=96, metadata={"help": "Evaluation: most new tokens per sample."})
    eval_generation_batch: int = field(default=256, metadata={"help": "Evaluation: sequences generated at once."})
    eval_after_training: bool = field(default=True, metadata={"help": "Evaluate the saved model at the end."})
    report_path: str | None = field(
        default=None, metadata={"help": "JSON report to add this stage's evaluation to (None: no report)."}
    )
    log_samples: int = field(default=2, metadata={"help": "Sample completions written to the log per logging step."})

    def __post_init__(self):
        if self.dataset_name == EMBEDDED_DATASET:
            bad = [d for d in self.difficulties if not 1 <= d <= 4]
            if bad or not self.difficulties:
                raise ValueError(f"difficulties must be operator counts between 1 and 4, got {self.difficulties}")
            unknown = sorted(set(self.langs) - {"en", "zh"})
            if unknown:
                raise ValueError(f"langs: the embedded task speaks 'en' and 'zh', not {unknown}")
        if self.repetition_max_penalty > 0:
            raise ValueError(
                f"repetition_max_penalty must be <= 0 (it is a penalty), got {self.repetition_max_penalty}"
            )
        if self.reward_model_scope not in ("summary", "full"):
            raise ValueError(f"reward_model_scope must be 'summary' or 'full', got {self.reward_model_scope!r}")
        if self.eval_k < 1:
            raise ValueError(f"eval_k must be at least 1, got {self.eval_k}")
        if not 0 < self.eval_top_p <= 1:
            raise ValueError(f"eval_top_p must be in (0, 1], got {self.eval_top_p}")

    REWARD_PARAM_FIELDS = (
        "cosine_min_value_wrong",
        "cosine_max_value_wrong",
        "cosine_min_value_correct",
        "cosine_max_value_correct",
        "cosine_max_len",
        "repetition_n_grams",
        "repetition_max_penalty",
        "repetition_language",
        "max_completion_len",
        "soft_punish_cache",
        "reward_model_name_or_path",
        "reward_model_scope",
    )

    def reward_params(self, max_completion_length: int | None = None) -> dict:
        """The params every reward factory picks its own from; see `r1_trl.rewards.registry`."""
        params = {name: getattr(self, name) for name in self.REWARD_PARAM_FIELDS}
        params["timeout_s"] = self.reward_timeout_s
        if params["max_completion_len"] is None:
            params["max_completion_len"] = max_completion_length or 1024
        if params["soft_punish_cache"] is None:
            params["soft_punish_cache"] = params["max_completion_len"] // 4
        return params


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
    tokenizer_name_or_path: str | None = field(
        default=None, metadata={"help": "Reuse this tokenizer instead of training one (e.g. for a student)."}
    )

    def __post_init__(self):
        for name in ("tagged_fraction", "mixed_fraction"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


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
        if not 0 <= self.language_threshold <= 1:
            raise ValueError(f"language_threshold must be between 0 and 1, got {self.language_threshold}")
        for name in ("few_shot_prompts", "reflection_prompts", "refine_prompts", "samples_per_prompt", "shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


def _join_cpu_ranks(cfg: SFTConfig | GRPOConfig) -> None:
    """Several processes on a machine without an accelerator only form one job when `use_cpu` is set; otherwise
    every rank silently trains alone. Set it, loudly, instead of letting that happen."""
    import torch

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not cfg.use_cpu and not torch.cuda.is_available():
        logger.warning(
            "%s processes and no GPU: setting use_cpu=True so they train as one gloo job", os.environ["WORLD_SIZE"]
        )
        cfg.use_cpu = True


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
    epsilon: float = field(default=10.0, metadata={"help": "Clip range. Paper's first RL stage: 10."})
    sync_ref_model: bool = field(default=True, metadata={"help": "Refresh the reference model. Paper: yes."})
    ref_model_sync_steps: int = field(default=400, metadata={"help": "Reference refresh period. Paper: 400."})
    ref_model_mixup_alpha: float = field(default=1.0, metadata={"help": "1.0 copies the policy into the reference."})

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        self._check_group_divisibility()
        _join_cpu_ranks(self)
        super().__post_init__()

    def _check_group_divisibility(self) -> None:
        if self.num_generations is None or self.generation_batch_size is not None:
            return
        processes = int(os.environ.get("WORLD_SIZE", "1"))
        steps = self.steps_per_generation or self.gradient_accumulation_steps
        total = self.per_device_train_batch_size * processes * steps
        if total % self.num_generations:
            raise ValueError(
                f"per_device_train_batch_size ({self.per_device_train_batch_size}) x processes ({processes}) x "
                f"steps_per_generation ({steps}) = {total} completions per generation, which is not divisible by "
                f"num_generations ({self.num_generations}); make it a multiple, e.g. per_device_train_batch_size="
                f"{self.num_generations}"
            )


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
        if self.backend not in ("transformers", "vllm"):
            raise ValueError(f"backend must be transformers or vllm, got {self.backend!r}")
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
