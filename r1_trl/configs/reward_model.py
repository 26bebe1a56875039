"""Arguments of the `reward_model` stage: which reward models, on which data, and TRL's RewardConfig for training."""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import RewardConfig

from .training import _join_cpu_ranks

__all__ = ["R1RewardConfig", "REWARD_MODEL_KINDS", "RewardModelArguments"]

# Kept here rather than imported from `r1_trl.data.preferences` so that parsing a recipe stays light.
REWARD_MODEL_KINDS = ("helpfulness", "harmlessness")


@dataclass
class RewardModelArguments:
    """The `reward_model` stage: the helpfulness and harmlessness reward models of the all-scenarios RL stage.

    Training hyperparameters, `output_dir` and `seed` are `R1RewardConfig`'s; each model goes to
    `<output_dir>/<kind>`. The model and its LoRA/QLoRA switches are TRL's `ModelConfig`'s: `model_name_or_path`
    unset trains a fresh tiny Qwen2 classifier (`build_reward_model`) sized to the tokenizer; any Hub id or local
    path is loaded with AutoModelForSequenceClassification(num_labels=1) (a causal LM gets a new score head).
    """

    kinds: list[str] = field(
        default_factory=lambda: list(REWARD_MODEL_KINDS),
        metadata={"help": f"Reward models to train, from {', '.join(REWARD_MODEL_KINDS)}."},
    )
    tokenizer_name_or_path: str | None = field(
        default=None,
        metadata={
            "help": "Tokenizer (path or Hub id) the reward models read with and are saved with; the policy's in the "
            "demo (e.g. runs/tiny-moe/sft). None: model_name_or_path's own."
        },
    )
    helpfulness_dataset: str | None = field(
        default=None,
        metadata={
            "help": "None: the synthetic pairs of `r1_trl.data.preferences`. Else a Hub id, local folder or "
            ".json/.jsonl file for `datasets.load_dataset` with `chosen` and `rejected` columns (conversations, or "
            "texts with a `prompt` column)."
        },
    )
    harmlessness_dataset: str | None = field(
        default=None, metadata={"help": "As helpfulness_dataset, for the harmlessness reward model."}
    )
    dataset_train_split: str = field(default="train", metadata={"help": "Split of a given dataset to train on."})
    dataset_test_split: str = field(
        default="test",
        metadata={"help": "Split of a given dataset to measure pair accuracy on; missing: a test_size holdout."},
    )
    test_size: float = field(
        default=0.1,
        metadata={"help": "Fraction of a given dataset's train split held out when it has no dataset_test_split."},
    )
    max_test_pairs: int | None = field(
        default=None, metadata={"help": "Score at most this many test pairs per model (None: all of them)."}
    )
    template: str = field(
        default="readable",
        metadata={
            "help": "Template whose response format marks the reasoning that scope='summary' (helpfulness) cuts "
            "off when scoring; the policy's template."
        },
    )
    eval_untrained: bool = field(
        default=True,
        metadata={
            "help": "Also score the test pairs with the model before training, for contrast (saves a copy of it "
            "to a temporary folder)."
        },
    )
    torch_threads: int | None = field(
        default=None,
        metadata={
            "help": "CPU threads torch uses during this stage (None: torch's default). The tiny demo models train "
            "fastest on one: a second thread buys little and stalls badly when other jobs share the cores."
        },
    )
    report_path: str | None = field(
        default=None, metadata={"help": "JSON report this stage adds its entry to (None: no report)."}
    )

    def __post_init__(self):
        unknown = [k for k in self.kinds if k not in REWARD_MODEL_KINDS]
        if unknown or not self.kinds:
            raise ValueError(f"kinds: unknown {unknown}; choose from {', '.join(REWARD_MODEL_KINDS)}")
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError(f"kinds: {self.kinds} names a reward model twice")
        if not 0 < self.test_size < 1:
            raise ValueError(f"test_size must be between 0 and 1 (exclusive), got {self.test_size}")
        if self.max_test_pairs is not None and self.max_test_pairs < 1:
            raise ValueError(f"max_test_pairs must be at least 1 (or None for all), got {self.max_test_pairs}")
        if self.torch_threads is not None and self.torch_threads < 1:
            raise ValueError(
                f"torch_threads must be at least 1 (or None for torch's default), got {self.torch_threads}"
            )


@dataclass
class R1RewardConfig(RewardConfig):
    """TRL's RewardConfig with `output_dir` required: the parent folder of the `<kind>` reward models."""

    output_dir: str | None = field(
        default=None, metadata={"help": "Where the reward models go, one folder per kind, with their checkpoints."}
    )

    def __post_init__(self):
        if self.output_dir is None:
            raise ValueError("output_dir is required: set it in the recipe or with --output_dir")
        _join_cpu_ranks(self)
        super().__post_init__()
