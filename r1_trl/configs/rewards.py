"""The GRPO stages' reward group: which rewards, their parameters (open-r1's field names, lengths in tokens), the
code rewards' sandbox settings, and per-reward routing by task and start step."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RewardArguments"]


@dataclass
class RewardArguments:
    """The GRPO stages' rewards, their parameters (open-r1's field names; lengths in tokens) and their routing."""

    reward_funcs: list[str] = field(
        default_factory=lambda: ["accuracy", "format"],
        metadata={"help": "Reward names from the registry, or dotted import paths (`my_pkg.rewards.fn`)."},
    )
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
        default="en", metadata={"help": "repetition_penalty: 'en' splits words on spaces, 'zh' segments Chinese."}
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
    code_provider: str = field(
        default="local",
        metadata={"help": "code, binary_code, cf_code: where programs run; `local`, r1-trl's bubblewrap sandbox."},
    )
    code_time_limit_s: float = field(
        default=5.0,
        metadata={"help": "code, binary_code: wall clock per test, seconds (cf_code: a row's own time_limit)."},
    )
    code_memory_limit_mb: int = field(
        default=512,
        metadata={"help": "code, binary_code: address space per test, MiB (cf_code: a row's own memory_limit)."},
    )
    parallel_code_exec_per_proc: int = field(
        default=2, metadata={"help": "code rewards: tests run at once per training process (about one per core)."}
    )
    code_eval_scoring_mode: str = field(
        default="weighted_sum",
        metadata={
            "help": "cf_code: `pass_fail`, `partial` (share passed) or `weighted_sum` (pass_fail + 0.1 partial)."
        },
    )
    enforce_same_language: bool = field(
        default=False, metadata={"help": "code, binary_code: refuse a batch whose rows mix languages."}
    )
    code_unsupported_language: str = field(
        default="none",
        metadata={
            "help": "code rewards: a row in a language the sandbox does not run scores None (`none`) or fails "
            "the step (`error`). The sandbox runs python and cpp."
        },
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
    max_reward_failure_share: float = field(
        default=0.1,
        metadata={
            "help": "Stop training with the reward's name when it raises on more than this share of a batch; "
            "below it, failures are counted in `reward_failures/<name>`."
        },
    )

    PARAM_FIELDS = (
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
        "code_provider",
        "code_time_limit_s",
        "code_memory_limit_mb",
        "parallel_code_exec_per_proc",
        "code_eval_scoring_mode",
        "enforce_same_language",
        "code_unsupported_language",
    )

    def __post_init__(self):
        if self.code_provider != "local":
            raise ValueError(
                f"code_provider {self.code_provider!r} is a cloud service; r1-trl runs code in its local sandbox "
                "(code_provider: local)"
            )
        mode, unsupported = self.code_eval_scoring_mode, self.code_unsupported_language
        if mode not in ("pass_fail", "partial", "weighted_sum"):
            raise ValueError(f"code_eval_scoring_mode must be pass_fail, partial or weighted_sum, got {mode!r}")
        if unsupported not in ("none", "error"):
            raise ValueError(f"code_unsupported_language must be none or error, got {unsupported!r}")
        limits = (self.code_time_limit_s, self.code_memory_limit_mb, self.parallel_code_exec_per_proc)
        if not all(v > 0 for v in limits):
            raise ValueError(
                f"code_time_limit_s, code_memory_limit_mb, parallel_code_exec_per_proc must be positive: {limits}"
            )
        if self.repetition_max_penalty > 0:
            raise ValueError(
                f"repetition_max_penalty must be <= 0 (it is a penalty), got {self.repetition_max_penalty}"
            )
        for name in ("reward_tasks", "reward_start_steps"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.reward_funcs):
                raise ValueError(
                    f"{name} has {len(values)} entries for {len(self.reward_funcs)} reward_funcs {self.reward_funcs}"
                )
        if self.reward_start_steps is not None and any(s < 0 for s in self.reward_start_steps):
            raise ValueError(f"reward_start_steps must be >= 0, got {self.reward_start_steps}")
        if not 0 <= self.max_reward_failure_share < 1:
            raise ValueError(f"max_reward_failure_share must be in [0, 1), got {self.max_reward_failure_share}")

    def reward_params(self, max_completion_length: int | None = None, timeout_s: float | None = None) -> dict:
        """The params every reward factory picks its own from; see `r1_trl.rewards.registry`. `timeout_s` is the
        task's `reward_timeout_s`, a field of another group (read here when this object has it too)."""
        params = {name: getattr(self, name) for name in self.PARAM_FIELDS}
        params["timeout_s"] = timeout_s if timeout_s is not None else getattr(self, "reward_timeout_s", 5.0)
        if params["max_completion_len"] is None:
            params["max_completion_len"] = max_completion_length or 1024
        if params["soft_punish_cache"] is None:
            params["soft_punish_cache"] = params["max_completion_len"] // 4
        return params
