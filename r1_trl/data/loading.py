"""Loading a stage's prompts: the embedded task, or any dataset `datasets.load_dataset` can open."""

from __future__ import annotations

import logging
import random

from datasets import Dataset

from ..configs import EMBEDDED_DATASET, TaskArguments
from ..files import is_data_file, load_data
from .arithmetic import make_problems, to_rows

__all__ = ["REQUIRED_COLUMNS", "load_general_prompts", "load_prompts", "load_sft_data"]

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("prompt", "solution")


def _embedded(args: TaskArguments, split: str) -> Dataset:
    n = args.num_train_prompts if split == "train" else args.num_test_prompts
    problems = make_problems(
        n,
        split,
        seed=args.task_seed,
        difficulties=tuple(args.difficulties),
        max_operand=args.max_operand,
        max_value=args.max_value,
    )
    rows = to_rows(problems, tuple(args.langs), seed=args.task_seed)
    if split == "train" and args.general_prompts:
        rows = _mix_general(rows, args)
    return Dataset.from_list(rows)


def _mix_general(reasoning: list[dict], args: TaskArguments) -> list[dict]:
    """The reasoning rows tagged task=reasoning plus `general_prompts` general rows tagged task=general, shuffled
    together so every GRPO batch sees both."""
    from .preferences import general_prompts

    pool = [r for r in general_prompts("train") if r["lang"] in args.langs]
    if not pool:
        raise ValueError(f"general_prompts: the built-in general prompts have none in langs {args.langs}")
    general = [pool[i % len(pool)] for i in range(args.general_prompts)]
    rows = [{**r, "task": "reasoning", "category": "reasoning"} for r in reasoning]
    rows += [{**{k: None for k in reasoning[0]}, **g, "solution": ""} for g in general] if reasoning else general
    random.Random(args.task_seed).shuffle(rows)
    return rows


def _rename_columns(ds: Dataset, args: TaskArguments) -> Dataset:
    """The recipe's question and answer columns under the names every stage reads (`prompt`, `solution`)."""
    renames = {args.prompt_column: "prompt", args.solution_column: "solution"}
    renames = {old: new for old, new in renames.items() if old != new and old in ds.column_names}
    clashes = [new for new in renames.values() if new in ds.column_names]
    if clashes:
        raise ValueError(
            f"dataset {args.dataset_name!r} already has a {clashes[0]!r} column; it cannot also take the "
            "prompt_column/solution_column of the recipe"
        )
    return ds.rename_columns(renames) if renames else ds


def load_general_prompts(args: TaskArguments) -> list[dict]:
    """`general_eval_prompts` held-out general prompts (task=general) for the reward-model scores, drawn with a fixed
    seed: the split is ordered by category, and its first rows alone would leave the harmful prompts out."""
    from .preferences import general_prompts

    rows = [r for r in general_prompts("test") if r["lang"] in args.langs]
    random.Random(args.task_seed).shuffle(rows)
    return rows[: args.general_eval_prompts]


def load_prompts(args: TaskArguments, split: str, required: tuple[str, ...] = REQUIRED_COLUMNS) -> Dataset:
    """The `train` or `test` prompts of a recipe, checked for the columns the stage needs."""
    if args.dataset_name == EMBEDDED_DATASET:
        ds = _embedded(args, split)
    else:
        name = args.dataset_train_split if split == "train" else args.dataset_test_split
        what = f"dataset {args.dataset_name!r} split {name!r}"
        ds = _rename_columns(load_data(args.dataset_name, what, split=name, config=args.dataset_config), args)
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise ValueError(
            f"dataset {args.dataset_name!r} ({split}) has no {', '.join(map(repr, missing))} column; "
            f"its columns are {ds.column_names}"
        )
    return ds


def load_sft_data(path: str, split: str, config: str | None = None) -> Dataset:
    """The `messages` column of an SFT set (a data file, or a Hub id's `split`), which every SFT stage trains on."""
    ds = load_data(path, f"SFT dataset {path!r}", split="train" if is_data_file(path) else split, config=config)
    if "messages" not in ds.column_names:
        raise ValueError(f"SFT dataset {path!r} has no 'messages' column; its columns are {ds.column_names}")
    # Provenance columns stay in the dataset on disk; the trainer only needs the conversations.
    return ds.select_columns(["messages"])
