"""The built-in code benchmark (`r1_code`): its problems tell right programs from nearly right ones in the sandbox,
and `r1-trl eval --benchmark r1_code` runs on a model and records the sandbox's limits."""

import importlib.util
import json
from pathlib import Path

import pytest

from r1_trl.cli import main as cli_main
from r1_trl.evaluation.benchmarks import BENCHMARKS, BUILTIN_CODE, load_problems
from r1_trl.evaluation.scoring import score_samples
from r1_trl.sandbox import Sandbox, SandboxUnavailable

try:
    Sandbox().close()
    SANDBOX_ERROR = None
except SandboxUnavailable as err:
    SANDBOX_ERROR = str(err)

needs_sandbox = pytest.mark.skipif(SANDBOX_ERROR is not None, reason=f"sandbox unavailable: {SANDBOX_ERROR}")
SOURCE = Path(__file__).parents[1] / "benchmarks" / "code_problems.py"


def _source():
    spec = importlib.util.spec_from_file_location("code_problems", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fenced(program: str) -> str:
    return f"Here it is.\n```python\n{program}```"


def test_the_shipped_set_is_the_source_with_generated_tests():
    source = _source()
    rows = [json.loads(line) for line in Path(BUILTIN_CODE).read_text(encoding="utf-8").splitlines()]
    assert 20 <= len(rows) <= 40 and [r["id"] for r in rows] == [p["id"] for p in source.PROBLEMS]
    for row, problem in zip(rows, source.PROBLEMS, strict=True):
        assert row["prompt"] == problem["prompt"] and row["solution"] == problem["solution"]
        assert [t["input"] for t in row["tests"]] == problem["inputs"] and all(t["output"] for t in row["tests"])
    assert sum(any(t["output"].strip().count("\n") for t in r["tests"]) for r in rows) >= 10  # multi-line answers


@needs_sandbox
def test_every_reference_passes_and_every_nearly_right_program_fails():
    bench = BENCHMARKS["r1_code"]
    problems = load_problems(bench)
    wrong = _source().WRONG
    rows = {json.loads(line)["id"]: json.loads(line) for line in Path(BUILTIN_CODE).read_text().splitlines()}
    with Sandbox() as sandbox:
        for problem, (pid, row) in zip(problems, rows.items(), strict=True):
            texts = [fenced(row["solution"]), fenced(wrong[pid]), "no program"]
            answers, correct = score_samples(bench, problem.gold, texts, sandbox=sandbox)
            assert correct == [True, False, False], pid
            assert answers[2] is None


@needs_sandbox
def test_eval_runs_the_code_benchmark_on_a_model_and_records_the_limits(tmp_path, tiny_model_dir):
    out = tmp_path / "bench"
    argv = ["eval", "--benchmark", "r1_code", "--model", str(tiny_model_dir), "--limit", "3", "--k", "2"]
    argv += ["--max_new_tokens", "8", "--output", str(out), "--no_chat"]
    assert cli_main(argv) == 0
    result = json.loads((out / "r1_code.json").read_text())
    metrics = result["metrics"]
    assert metrics["num_problems"] == 3 and metrics["num_samples"] == 6 and "pass@2" in metrics
    # An untrained model writes no program: nothing passes, and no answer is extracted.
    assert metrics["pass@1"] == 0.0 and metrics["answered_rate"] == 0.0
    assert result["settings"]["answer_type"] == "code" and result["settings"]["sandbox"]["time_s"] > 0
    assert (out / "r1_code.md").exists()
