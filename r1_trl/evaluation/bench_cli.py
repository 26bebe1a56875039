"""`r1-trl eval --benchmark NAME --model M` and `r1-trl eval --compare A B`.

NAME is a shipped benchmark (aime24, aime25, math500, gpqa_diamond) or any dataset with a question and an answer
column: a Hub id or a local .jsonl/.json/.parquet/.csv file (`--question_column`, `--answer_column`, `--split`).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..configs.sampling import SamplingSettings
from .bench_run import BenchmarkSettings, results_dir, run_benchmark
from .benchmarks import ANSWER_TYPES, BENCHMARKS, benchmark_from_dataset, get_benchmark, load_problems, with_overrides

__all__ = ["compare", "main"]

logger = logging.getLogger(__name__)

_COMPARED = ("pass@1", "cons@", "answered_rate", "mean_length", "truncation_rate", "num_problems", "num_samples")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="r1-trl eval", description=__doc__)
    p.add_argument("--benchmark", help=f"one of {', '.join(BENCHMARKS)}, a Hub dataset id or a local file")
    p.add_argument("--model", help="model directory or Hub id")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two result JSONs or model directories")
    p.add_argument("--dataset_path", help="a local file with the benchmark's columns, read instead of the Hub")
    p.add_argument("--question_column", help="dataset benchmarks: the question column (default problem)")
    p.add_argument("--answer_column", help="dataset benchmarks: the answer column (default answer)")
    p.add_argument("--split", help="dataset split (default: the benchmark's; test for a dataset benchmark)")
    p.add_argument("--dataset_config", help="dataset config (subset)")
    p.add_argument("--answer_type", choices=ANSWER_TYPES, help="dataset benchmarks: how answers are compared")
    p.add_argument("--instruction", help="replace the benchmark's instruction")
    p.add_argument("--k", type=int, help="samples per problem (default: the benchmark's; aime 64, math500 4)")
    p.add_argument("--temperature", type=float, default=0.6, help="the paper's 0.6")
    p.add_argument("--top_p", type=float, default=0.95, help="the paper's 0.95")
    p.add_argument("--max_new_tokens", type=int, help="longest answer (default: the benchmark's, 32768)")
    p.add_argument("--limit", type=int, help="only the first N problems (a quick check; not the benchmark)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch_size", type=int, default=64, help="sequences generated at once (transformers)")
    p.add_argument("--shard_size", type=int, default=25, help="problems per resumable shard")
    p.add_argument("--backend", choices=("transformers", "vllm"), default="transformers")
    p.add_argument("--no_chat", action="store_true", help="ask as plain text, for a model without a chat template")
    p.add_argument("--output", help="folder for the result (default <model>/benchmarks/)")
    p.add_argument("--warn_truncation", type=float, default=0.05, help="warn above this truncation rate")
    p.add_argument("--trust_remote_code", action="store_true")
    return p


def _benchmark(args: argparse.Namespace):
    bench = get_benchmark(args.benchmark)
    if bench is None:
        bench = benchmark_from_dataset(
            args.benchmark,
            question=args.question_column or "problem",
            answer=args.answer_column or "answer",
            split=args.split or "test",
            config=args.dataset_config,
            answer_type=args.answer_type or "math",
        )
    elif args.question_column or args.answer_column or args.answer_type:
        raise ValueError(f"--benchmark {bench.name} defines its own columns and answer type; name a dataset instead")
    return with_overrides(
        bench,
        split=args.split,
        config=args.dataset_config,
        instruction=args.instruction,
        k=args.k,
        max_new_tokens=args.max_new_tokens,
    )


def _check(args: argparse.Namespace) -> None:
    for name in ("k", "max_new_tokens", "limit", "batch_size", "shard_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be at least 1, got {value}")
    if args.temperature <= 0:
        raise ValueError(f"--temperature must be positive (the protocol samples), got {args.temperature}")
    if not 0 < args.top_p <= 1:
        raise ValueError(f"--top_p must be in (0, 1], got {args.top_p}")


def _load(args: argparse.Namespace, world: int, rank: int):
    from ..models import load_for_generation, load_tokenizer

    if args.backend == "vllm":
        from ..generation import VllmEngine

        # One engine per process: under `accelerate launch` each rank holds its own GPU, as TRL's colocate mode does.
        options = {"distributed_executor_backend": "external_launcher"} if world > 1 else {}
        engine = VllmEngine(args.model, seed=args.seed + rank, trust_remote_code=args.trust_remote_code, **options)
        return engine, engine.tokenizer
    tokenizer = load_tokenizer(args.model, args.trust_remote_code)
    return load_for_generation(args.model, args.trust_remote_code), tokenizer


def _run(args: argparse.Namespace) -> dict[str, Any] | None:
    from accelerate import PartialState

    if not args.model:
        raise ValueError("--benchmark needs --model")
    _check(args)
    bench = _benchmark(args)
    problems = load_problems(bench, args.dataset_path, args.limit, args.seed)
    state = PartialState()
    model, tokenizer = _load(args, state.num_processes, state.process_index)
    if not args.no_chat and not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"{args.model} has no chat template; pass --no_chat to ask the benchmark as plain text")
    spec = SamplingSettings(
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
        batch_size=args.batch_size,
        backend=args.backend,
        shard_size=args.shard_size,
    )
    settings = BenchmarkSettings.for_benchmark(
        bench, spec, chat=not args.no_chat, limit=args.limit, warn_truncation=args.warn_truncation
    )
    out = Path(args.output) if args.output else results_dir(args.model)
    try:
        return run_benchmark(
            model,
            tokenizer,
            bench,
            problems,
            settings,
            out,
            args.model,
            rank=state.process_index,
            world=state.num_processes,
            barrier=state.wait_for_everyone,
        )
    finally:
        close = getattr(model, "close", None)
        if close is not None:
            close()


def _results(path: str) -> dict[str, dict[str, Any]]:
    """Results by benchmark name: one result JSON, or every one in a model's benchmarks folder."""
    p = Path(path)
    files = [p] if p.is_file() else sorted(results_dir(path).glob("*.json"))
    if not files:
        raise ValueError(f"--compare: no benchmark result at {path} (run r1-trl eval --benchmark NAME --model {path})")
    out = {}
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        if "benchmark" not in data or "metrics" not in data:
            raise ValueError(f"--compare: {f} is not a benchmark result")
        out[data["benchmark"]] = data
    return out


def compare(a: str, b: str) -> str:
    """A markdown table of the benchmarks both sides ran, metric by metric, with B - A."""
    left, right = _results(a), _results(b)
    common = [n for n in left if n in right]
    if not common:
        raise ValueError(f"--compare: {a} and {b} share no benchmark ({sorted(left)} vs {sorted(right)})")
    lines = [f"| benchmark | metric | {a} | {b} | B - A |", "|---|---|---|---|---|"]
    for name in common:
        ma, mb = left[name]["metrics"], right[name]["metrics"]
        for key in [k for k in ma if any(k.startswith(c) for c in _COMPARED) and k in mb]:
            lines.append(f"| {name} | {key} | {ma[key]} | {mb[key]} | {round(mb[key] - ma[key], 4)} |")
        sa, sb = left[name]["settings"], right[name]["settings"]
        differ = [
            k for k in ("k", "temperature", "top_p", "max_new_tokens", "limit", "chat") if sa.get(k) != sb.get(k)
        ]
        if differ:
            lines.append(f"| {name} | settings differ | {', '.join(differ)} | | not comparable as they stand |")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> dict[str, Any] | str | None:
    args = _parser().parse_args(list(argv))
    if args.compare:
        if args.benchmark or args.model:
            raise ValueError("--compare reads finished results; it takes no --benchmark or --model")
        table = compare(*args.compare)
        print(table)  # noqa: T201 - the table is this command's output
        return table
    if not args.benchmark:
        raise ValueError("give --benchmark NAME (with --model) or --compare A B")
    return _run(args)
