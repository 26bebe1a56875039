"""Benchmarks as data: where each one lives, which columns hold the question and the answer, how answers are read.

The shipped entries use the Hub datasets lighteval's tasks use. Any dataset with a question and an answer column is a
benchmark too (`benchmark_from_dataset`), as is a local `.jsonl`/`.json`/`.parquet` file with the same columns.
"""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import is_data_file, load_data

__all__ = [
    "ANSWER_TYPES",
    "BENCHMARKS",
    "BUILTIN_CODE",
    "CODE_INSTRUCTION",
    "LETTERS",
    "MATH_INSTRUCTION",
    "MC_INSTRUCTION",
    "Benchmark",
    "Problem",
    "benchmark_from_dataset",
    "get_benchmark",
    "load_problems",
    "with_overrides",
]

# DeepSeek-R1's usage recommendation for math: the instruction goes in the user turn, with no system prompt.
MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
MC_INSTRUCTION = (
    "Reason step by step, then give the letter of the correct option within \\boxed{} on the last line, for "
    "example \\boxed{A}."
)
CODE_INSTRUCTION = (
    "Write a complete Python 3 program that reads standard input and writes standard output. Put the whole "
    "program in one ```python code block."
)
ANSWER_TYPES = ("math", "multiple_choice", "code")
# r1-trl's own stdin/stdout problems with reference solutions; the tests were made by running each reference in the
# sandbox (benchmarks/build_code_problems.py).
BUILTIN_CODE = str(Path(__file__).parent / "code_problems.jsonl")
LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: its data (`dataset`, `config`, `split`), columns, answer type, instruction and default k.

    `answer_type` `math` compares the last `\\boxed{}` with the gold answer by math-verify (numbers exactly);
    `multiple_choice` shows the correct option (`answer` column) among the `distractors` columns in an order
    shuffled per problem and seed, and compares letters. `code` runs the last ```` ```python ```` block in the local
    sandbox on the `answer` column's stdin/stdout tests (`[{"input", "output"}]`, or its JSON), on the host's side
    of the comparison; a sample is right when every test passes.
    """

    name: str
    dataset: str
    split: str
    question: str
    answer: str
    answer_type: str = "math"
    config: str | None = None
    distractors: tuple[str, ...] = ()
    instruction: str = MATH_INSTRUCTION
    k: int = 4
    max_new_tokens: int = 32768

    def __post_init__(self):
        if self.answer_type not in ANSWER_TYPES:
            raise ValueError(
                f"benchmark {self.name}: answer_type must be one of {ANSWER_TYPES}, got {self.answer_type!r}"
            )
        if self.answer_type == "multiple_choice" and not self.distractors:
            raise ValueError(f"benchmark {self.name}: multiple_choice needs the wrong options' columns (distractors)")
        if len(self.distractors) + 1 > len(LETTERS):
            raise ValueError(f"benchmark {self.name}: at most {len(LETTERS)} options")
        if self.k < 1 or self.max_new_tokens < 1:
            raise ValueError(f"benchmark {self.name}: k and max_new_tokens must be at least 1")


BENCHMARKS: dict[str, Benchmark] = {
    # The paper reports AIME pass@1 over 64 samples and cons@64; 30 problems each.
    "aime24": Benchmark("aime24", "HuggingFaceH4/aime_2024", "train", "problem", "answer", k=64),
    "aime25": Benchmark("aime25", "yentinglin/aime_2025", "train", "problem", "answer", k=64),
    "math500": Benchmark("math500", "HuggingFaceH4/MATH-500", "test", "problem", "answer", k=4),
    "gpqa_diamond": Benchmark(
        "gpqa_diamond",
        "Idavidrein/gpqa",
        "train",
        "Question",
        "Correct Answer",
        answer_type="multiple_choice",
        config="gpqa_diamond",
        distractors=("Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"),
        instruction=MC_INSTRUCTION,
        k=8,
    ),
    "r1_code": Benchmark(
        "r1_code",
        BUILTIN_CODE,
        "train",
        "prompt",
        "tests",
        answer_type="code",
        instruction=CODE_INSTRUCTION,
        k=4,
    ),
}


def benchmark_from_dataset(
    dataset: str,
    question: str = "problem",
    answer: str = "answer",
    split: str = "test",
    config: str | None = None,
    answer_type: str = "math",
    k: int = 4,
) -> Benchmark:
    """Any dataset (Hub id or local file) with a question and an answer column, scored as `answer_type`."""
    name = Path(dataset).stem if is_data_file(dataset) else dataset.replace("/", "--")
    return Benchmark(name, dataset, split, question, answer, answer_type=answer_type, config=config, k=k)


def get_benchmark(name: str) -> Benchmark | None:
    return BENCHMARKS.get(name)


@dataclass(frozen=True)
class Problem:
    """A benchmark row as asked: the text shown to the model, the gold answer (a letter for multiple choice)."""

    index: int
    question: str
    gold: str
    options: tuple[str, ...] = ()


def _load_rows(bench: Benchmark, path: str | None) -> Any:
    source = path or bench.dataset
    split = "train" if is_data_file(source) else bench.split
    try:
        return load_data(source, f"{source!r} split {split!r}", split=split, config=bench.config)
    except ValueError as err:
        raise ValueError(f"benchmark {bench.name}: {err}") from err.__cause__


def _shuffled(bench: Benchmark, row: dict, index: int, seed: int) -> tuple[tuple[str, ...], str]:
    """The options in an order fixed by (seed, problem), and the correct one's letter: a model must not be able to
    score by always answering A, and a rerun must show the same order."""
    options = [str(row[bench.answer]).strip(), *(str(row[c]).strip() for c in bench.distractors)]
    order = list(range(len(options)))
    random.Random(f"{seed}:{index}").shuffle(order)
    return tuple(options[i] for i in order), LETTERS[order.index(0)]


def _mc_text(question: str, options: tuple[str, ...]) -> str:
    return "\n".join([question.strip(), "", *(f"{LETTERS[i]}) {o}" for i, o in enumerate(options))])


def load_problems(bench: Benchmark, path: str | None = None, limit: int | None = None, seed: int = 0) -> list[Problem]:
    """The benchmark's rows as problems; `path` reads a local file with the benchmark's columns instead of the Hub."""
    rows = _load_rows(bench, path)
    needed = [bench.question, bench.answer, *bench.distractors]
    missing = [c for c in needed if c not in rows.column_names]
    if missing:
        raise ValueError(
            f"benchmark {bench.name}: no {', '.join(map(repr, missing))} column in {path or bench.dataset}; its "
            f"columns are {rows.column_names}"
        )
    if limit is not None:
        rows = rows.select(range(min(limit, len(rows))))
    problems = []
    for i, row in enumerate(rows):
        if bench.answer_type == "multiple_choice":
            options, gold = _shuffled(bench, row, i, seed)
            problems.append(Problem(i, _mc_text(str(row[bench.question]), options), gold, options))
        elif bench.answer_type == "code":
            # The tests stay on the host as the gold: the sandboxed program never sees them.
            tests = row[bench.answer]
            gold = tests if isinstance(tests, str) else json.dumps(tests)
            problems.append(Problem(i, str(row[bench.question]).strip(), gold))
        else:
            problems.append(Problem(i, str(row[bench.question]).strip(), str(row[bench.answer]).strip()))
    if not problems:
        raise ValueError(f"benchmark {bench.name}: {path or bench.dataset} has no rows")
    return problems


def with_overrides(bench: Benchmark, **changes: Any) -> Benchmark:
    """The entry with the command line's changes (k, instruction, ...); None means keep the entry's value."""
    return dataclasses.replace(bench, **{k: v for k, v in changes.items() if v is not None})
