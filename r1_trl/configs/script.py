"""The recipe groups the stages compose their parsers from: task, evaluation, report and Hub (rewards: `rewards.py`).

Each stage parses exactly the groups it uses (see `r1_trl.stages.STAGES`), so a key the stage would ignore is an
error. `R1ScriptArguments` joins all four for library use and tests; no stage parses into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import ScriptArguments

from .rewards import RewardArguments
from .sampling import SamplingSettings

__all__ = [
    "BACKENDS",
    "BudgetArguments",
    "EMBEDDED_DATASET",
    "EvalArguments",
    "HubArguments",
    "LanguageSwitchArguments",
    "R1ScriptArguments",
    "ReportArguments",
    "SFTDataArguments",
    "TaskArguments",
    "check_backend",
]

EMBEDDED_DATASET = "embedded:arithmetic"
# Sampling backends of every generating path (evaluation, rejection sampling, traces).
BACKENDS = ("transformers", "vllm")


def check_backend(name: str, value: str) -> None:
    if value not in BACKENDS:
        raise ValueError(f"{name} must be one of {', '.join(BACKENDS)}, got {value!r}")


@dataclass
class TaskArguments(ScriptArguments):
    """The prompts a stage trains and evaluates on, and how they are put to the model."""

    dataset_name: str | None = field(
        default=EMBEDDED_DATASET,
        metadata={
            "help": f"`{EMBEDDED_DATASET}` for the built-in bilingual task, else a Hub id or local path "
            "given to `datasets.load_dataset`. Needs `prompt` and `solution` columns (see prompt_column)."
        },
    )
    prompt_column: str = field(
        default="prompt", metadata={"help": "Dataset column holding the question (e.g. `problem` for MATH sets)."}
    )
    solution_column: str = field(
        default="solution",
        metadata={"help": "Dataset column with the gold answer (e.g. `answer`; a solution with a \\boxed{} works)."},
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
    general_prompts: int = field(
        default=0,
        metadata={
            "help": "Embedded task: general (non-verifiable) prompts mixed into the training set with "
            "task=general; the reasoning prompts get task=reasoning. 0: reasoning prompts only."
        },
    )
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
    system_prompt: str | None = field(
        default=None,
        metadata={
            "help": "A system turn before every prompt (needs chat_format; an open-r1 recipe that sets it gets "
            "chat_format true and template `plain`, as open-r1 builds its prompts)."
        },
    )
    reward_timeout_s: float = field(
        default=5.0,
        metadata={
            "help": "Per-completion time bound of checking an answer against the gold (rewards, filters, eval)."
        },
    )

    def __post_init__(self):
        if self.dataset_name == EMBEDDED_DATASET:
            bad = [d for d in self.difficulties if not 1 <= d <= 4]
            if bad or not self.difficulties:
                raise ValueError(f"difficulties must be operator counts between 1 and 4, got {self.difficulties}")
            unknown = sorted(set(self.langs) - {"en", "zh"})
            if unknown:
                raise ValueError(f"langs: the embedded task speaks 'en' and 'zh', not {unknown}")
        if self.general_prompts < 0:
            raise ValueError("general_prompts must be >= 0")
        if self.system_prompt is not None and not self.chat_format:
            raise ValueError("system_prompt needs chat_format: true (a system turn exists only in a chat template)")
        if not self.reward_timeout_s > 0:
            raise ValueError(f"reward_timeout_s must be positive, got {self.reward_timeout_s}")


@dataclass
class EvalArguments:
    """The held-out evaluation after a stage: sampling settings (the paper's by default) and what is scored."""

    eval_k: int = field(default=4, metadata={"help": "Evaluation: samples per held-out prompt."})
    eval_prompts: int | None = field(
        default=None, metadata={"help": "Evaluation: number of held-out prompts (None: the whole test split)."}
    )
    eval_temperature: float = field(default=0.6, metadata={"help": "Evaluation sampling temperature (paper: 0.6)."})
    eval_top_p: float = field(default=0.95, metadata={"help": "Evaluation nucleus top-p (paper: 0.95)."})
    eval_max_tokens: int = field(default=96, metadata={"help": "Evaluation: most new tokens per sample."})
    eval_generation_batch: int = field(
        default=256, metadata={"help": "Evaluation: sequences generated at once (transformers backend)."}
    )
    eval_backend: str = field(
        default="transformers",
        metadata={
            "help": "Evaluation sampling backend: `transformers`, or `vllm` (needs vLLM installed), which loads the "
            "model the stage saved (or `r1-trl eval --model`) into vLLM."
        },
    )
    eval_vllm_gpu_memory_utilization: float = field(
        default=0.3,
        metadata={
            "help": "eval_backend vllm: share of GPU memory vLLM may take. In-stage evaluation runs after training "
            "in the same process, whose model and optimizer still hold GPU memory; raise it for `r1-trl eval`."
        },
    )
    general_eval_prompts: int = field(
        default=0,
        metadata={"help": "Evaluation: held-out general prompts scored by the reward models (0: none)."},
    )
    eval_after_training: bool = field(default=True, metadata={"help": "Evaluate the saved model at the end."})
    eval_benchmarks: list[str] | None = field(
        default=None,
        metadata={
            "help": "Benchmarks the saved model also runs after the stage, by the paper's protocol (aime24, aime25, "
            "math500, gpqa_diamond; see `r1-trl eval --benchmark`), at eval_temperature and eval_top_p. Results go "
            "to <output_dir>/benchmarks/ and into the stage's entry."
        },
    )
    eval_benchmark_k: int | None = field(
        default=None, metadata={"help": "eval_benchmarks: samples per problem (None: each benchmark's own k)."}
    )
    eval_benchmark_max_tokens: int | None = field(
        default=None, metadata={"help": "eval_benchmarks: most new tokens per sample (None: the benchmark's 32768)."}
    )
    eval_benchmark_limit: int | None = field(
        default=None, metadata={"help": "eval_benchmarks: only the first N problems of each (None: all)."}
    )

    def __post_init__(self):
        for name in ("eval_benchmark_k", "eval_benchmark_max_tokens", "eval_benchmark_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.eval_k < 1:
            raise ValueError(f"eval_k must be at least 1, got {self.eval_k}")
        if not 0 < self.eval_top_p <= 1:
            raise ValueError(f"eval_top_p must be in (0, 1], got {self.eval_top_p}")
        check_backend("eval_backend", self.eval_backend)
        if not 0 < self.eval_vllm_gpu_memory_utilization <= 1:
            raise ValueError(
                f"eval_vllm_gpu_memory_utilization must be in (0, 1], got {self.eval_vllm_gpu_memory_utilization}"
            )
        if self.general_eval_prompts < 0:
            raise ValueError("general_eval_prompts must be >= 0")

    def eval_sampling(self, seed: int = 0) -> SamplingSettings:
        """The held-out evaluation's spec; every evaluation samples with seed 0 unless a caller says otherwise, so
        a model scores the same in every pipeline seed."""
        return SamplingSettings(
            n=self.eval_k,
            temperature=self.eval_temperature,
            top_p=self.eval_top_p,
            max_new_tokens=self.eval_max_tokens,
            batch_size=self.eval_generation_batch,
            seed=seed,
            backend=self.eval_backend,
        )


@dataclass
class ReportArguments:
    """Where a stage records itself beside its own output folder."""

    report_path: str | None = field(
        default=None, metadata={"help": "JSON report to add this stage's evaluation to (None: no report)."}
    )


@dataclass
class HubArguments:
    """What a training stage pushes to the Hub beyond TRL's `push_to_hub`."""

    push_checkpoint_revisions: bool = field(
        default=False,
        metadata={
            "help": "With push_to_hub and hub_model_id: upload every saved checkpoint as a branch `step-<N>` of the "
            "model repo, loadable with `revision=`. A failed upload is logged; training goes on."
        },
    )


@dataclass
class SFTDataArguments:
    """The SFT stages' training set."""

    sft_dataset: str | None = field(
        default=None,
        metadata={
            "help": "A conversational (`messages`) dataset, as a .jsonl file, folder or Hub id. Unset, a non-embedded "
            "dataset_name (with dataset_config) is the SFT data, as in open-r1's SFT recipes."
        },
    )


@dataclass
class LanguageSwitchArguments:
    """reasoning_rl's comparison switch."""

    use_language_consistency: bool = field(
        default=True,
        metadata={
            "help": "Keep the language_consistency reward; false runs the comparison without it and records it as "
            "`reasoning_rl_no_lc` (the same as `r1-trl reasoning_rl_no_lc` with this recipe)."
        },
    )


@dataclass
class BudgetArguments:
    """A time-matched comparison run."""

    time_budget_of: str | None = field(
        default=None,
        metadata={
            "help": "A finished stage's output folder: train for as many seconds as its `budget_seconds`, for a "
            "same-wall-clock comparison (the RL-only student against distillation)."
        },
    )


@dataclass
class R1ScriptArguments(TaskArguments, RewardArguments, EvalArguments, ReportArguments, HubArguments):
    """Task, rewards, evaluation, report and Hub in one object, for calling r1-trl's functions from Python."""

    def __post_init__(self):
        for group in (TaskArguments, RewardArguments, EvalArguments):
            group.__post_init__(self)
