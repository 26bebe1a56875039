"""The script arguments every stage shares: data, template, rewards, evaluation and report."""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import ScriptArguments

__all__ = ["EMBEDDED_DATASET", "R1ScriptArguments"]

EMBEDDED_DATASET = "embedded:arithmetic"


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
    helpfulness_model_name_or_path: str | None = field(
        default=None, metadata={"help": "helpfulness: reward model scoring the final summary (path or Hub id)."}
    )
    harmlessness_model_name_or_path: str | None = field(
        default=None, metadata={"help": "harmlessness: reward model scoring the whole response (path or Hub id)."}
    )
    reward_tasks: list[str] | None = field(
        default=None,
        metadata={
            "help": "Per reward, in reward_funcs order: the `task` values whose rows it scores (several joined by "
            "`+`), or `all`. Other rows score None. None: every reward scores every row."
        },
    )
    reward_start_steps: list[int] | None = field(
        default=None,
        metadata={
            "help": "Per reward, in reward_funcs order: the training step it starts scoring at (0: from the "
            "start). The paper adds the preference rewards only in the last part of all-scenarios RL."
        },
    )
    general_prompts: int = field(
        default=0,
        metadata={
            "help": "Embedded task: general (non-verifiable) prompts mixed into the training set with "
            "task=general; the reasoning prompts get task=reasoning. 0: reasoning prompts only."
        },
    )
    general_eval_prompts: int = field(
        default=0,
        metadata={"help": "Evaluation: held-out general prompts scored by the reward models (0: none)."},
    )
    time_budget_of: str | None = field(
        default=None,
        metadata={
            "help": "A finished stage's output folder: train for as many seconds as its `budget_seconds`, for a "
            "same-wall-clock comparison (the RL-only student against distillation)."
        },
    )
    merge_lora: bool = field(
        default=True,
        metadata={
            "help": "With use_peft: also write the adapter merged into its base (reloaded unquantized) as a full "
            "model in output_dir, for the next stage to load; the adapter itself goes to output_dir/adapter. "
            "false: the adapter only. Without use_peft it does nothing."
        },
    )
    push_checkpoint_revisions: bool = field(
        default=False,
        metadata={
            "help": "With push_to_hub and hub_model_id: upload every saved checkpoint as a branch `step-<N>` of the "
            "model repo, loadable with `revision=`. A failed upload is logged; training goes on."
        },
    )
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
        if self.general_prompts < 0 or self.general_eval_prompts < 0:
            raise ValueError("general_prompts and general_eval_prompts must be >= 0")
        if self.reward_tasks is not None and len(self.reward_tasks) != len(self.reward_funcs):
            raise ValueError(
                f"reward_tasks has {len(self.reward_tasks)} entries for {len(self.reward_funcs)} reward_funcs "
                f"{self.reward_funcs}"
            )
        if self.reward_start_steps is not None:
            if len(self.reward_start_steps) != len(self.reward_funcs):
                raise ValueError(
                    f"reward_start_steps has {len(self.reward_start_steps)} entries for {len(self.reward_funcs)} "
                    f"reward_funcs {self.reward_funcs}"
                )
            if any(s < 0 for s in self.reward_start_steps):
                raise ValueError(f"reward_start_steps must be >= 0, got {self.reward_start_steps}")
        if self.eval_k < 1:
            raise ValueError(f"eval_k must be at least 1, got {self.eval_k}")
        if not 0 < self.eval_top_p <= 1:
            raise ValueError(f"eval_top_p must be in (0, 1], got {self.eval_top_p}")
        if self.eval_backend not in ("transformers", "vllm"):
            raise ValueError(f"eval_backend must be transformers or vllm, got {self.eval_backend!r}")
        if not 0 < self.eval_vllm_gpu_memory_utilization <= 1:
            raise ValueError(
                f"eval_vllm_gpu_memory_utilization must be in (0, 1], got {self.eval_vllm_gpu_memory_utilization}"
            )

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
        "helpfulness_model_name_or_path",
        "harmlessness_model_name_or_path",
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
