"""Loading a stage's prompts: the embedded task, or any dataset `datasets.load_dataset` can open."""

from __future__ import annotations

import logging

from datasets import Dataset, load_dataset

from ..configs import EMBEDDED_DATASET, R1ScriptArguments
from .arithmetic import make_problems, to_rows

__all__ = ["REQUIRED_COLUMNS", "load_prompts"]

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("prompt", "solution")


def _embedded(args: R1ScriptArguments, split: str) -> Dataset:
    n = args.num_train_prompts if split == "train" else args.num_test_prompts
    problems = make_problems(
        n,
        split,
        seed=args.task_seed,
        difficulties=tuple(args.difficulties),
        max_operand=args.max_operand,
        max_value=args.max_value,
    )
    return Dataset.from_list(to_rows(problems, tuple(args.langs), seed=args.task_seed))


def load_prompts(args: R1ScriptArguments, split: str, required: tuple[str, ...] = REQUIRED_COLUMNS) -> Dataset:
    """The `train` or `test` prompts of a recipe, checked for the columns the stage needs."""
    if args.dataset_name == EMBEDDED_DATASET:
        ds = _embedded(args, split)
    else:
        name = args.dataset_train_split if split == "train" else args.dataset_test_split
        try:
            ds = load_dataset(args.dataset_name, args.dataset_config, split=name)
        except Exception as err:  # datasets raises many types for "not found" and "offline"; all mean the same here
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise ValueError(f"cannot load dataset {args.dataset_name!r} split {name!r}: {first}") from err
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise ValueError(
            f"dataset {args.dataset_name!r} ({split}) has no {', '.join(map(repr, missing))} column; "
            f"its columns are {ds.column_names}"
        )
    return ds
