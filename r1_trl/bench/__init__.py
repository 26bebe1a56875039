"""Benchmark evaluation by the DeepSeek-R1 protocol: `r1-trl eval --benchmark NAME --model M`."""

from .registry import BENCHMARKS, Benchmark, Problem, benchmark_from_dataset, get_benchmark, load_problems
from .run import BenchmarkSettings, run_benchmark
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
