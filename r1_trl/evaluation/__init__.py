"""Everything that scores a model: held-out evaluation (`heldout`), the reward models' scores on general prompts
(`general`), the closures each stage hands to its run tail (`evaluator`), and benchmarks by the DeepSeek-R1 protocol
(`benchmarks`, `bench_run`, `bench_cli`: `r1-trl eval --benchmark NAME --model M`), with one scorer (`scoring`):
pass@1 over k samples and cons@k by the majority of equivalent answers."""

from .bench_run import BenchmarkSettings, run_benchmark
from .benchmarks import BENCHMARKS, Benchmark, Problem, benchmark_from_dataset, get_benchmark, load_problems
from .scoring import extract_choice, extract_math, majority, summarize_benchmark

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "BenchmarkSettings",
    "Problem",
    "benchmark_from_dataset",
    "extract_choice",
    "extract_math",
    "get_benchmark",
    "load_problems",
    "majority",
    "run_benchmark",
    "summarize_benchmark",
]
