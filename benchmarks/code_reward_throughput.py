"""Throughput of the local code sandbox and of open-r1's `code` reward on it; prints figures, asserts nothing.

    python benchmarks/code_reward_throughput.py                      # 256 completions x 5 tests, 2 workers
    python benchmarks/code_reward_throughput.py --completions 64 --workers 1

Three figures:
- sandbox start overhead: the wall time of one trivial run (`print(1)`), median over `--trivial` runs; it is the
  cost every test pays (bwrap, namespaces, the launcher, the interpreter's start);
- tests per second: `Sandbox.check` on a program that passes all its tests, `--workers` tests at once;
- the reward: `code` on `--completions` completions of 5 tests each, a realistic mix of a right program, a wrong
  one (fails its first test, and binary scoring would stop there), a missing code block (never run) and a program
  that crashes, with the time per completion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from r1_trl.rewards import get_reward_func
from r1_trl.sandbox import Sandbox, SandboxLimits

RIGHT = "```python\nn = int(input())\nprint(n * n)\n```"
WRONG = "```python\nn = int(input())\nprint(n + n)\n```"
CRASH = "```python\nraise SystemExit(int(input()) // 0)\n```"
NO_CODE = "I would square the number."
TESTS = [{"input": f"{n}\n", "output": f"{n * n}\n"} for n in (3, 4, 5, 6, 7)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=256)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--trivial", type=int, default=40, help="runs for the start overhead")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; workers {args.workers}; limits {SandboxLimits()}")

    with Sandbox(workers=args.workers) as sandbox:
        walls = []
        for _ in range(args.trivial):
            clock = time.perf_counter()
            result = sandbox.run("print(1)", "python")
            walls.append(time.perf_counter() - clock)
            assert result.ok, result
        median, p90 = statistics.median(walls), sorted(walls)[int(0.9 * len(walls))]
        print(
            f"sandbox start overhead (trivial python run, {args.trivial} runs): median {1000 * median:.1f} ms, "
            f"p90 {1000 * p90:.1f} ms"
        )
        inputs, outputs = [t["input"] for t in TESTS] * 8, [t["output"] for t in TESTS] * 8
        clock = time.perf_counter()
        check = sandbox.check(RIGHT.split("\n", 1)[1].rsplit("```", 1)[0], "python", inputs, outputs)
        spent = time.perf_counter() - clock
        assert check.all_passed
        print(f"tests per second ({len(inputs)} passing tests, {args.workers} at once): {len(inputs) / spent:.1f}")

    reward = get_reward_func("code", parallel_code_exec_per_proc=args.workers)
    mix = [RIGHT, WRONG, NO_CODE, CRASH]
    completions = [mix[i % len(mix)] for i in range(args.completions)]
    info = [{"language": "python", "test_cases": TESTS}] * len(completions)
    clock = time.perf_counter()
    scores = reward(completions, verification_info=info)
    spent = time.perf_counter() - clock
    counts = {s: scores.count(s) for s in sorted(set(scores))}
    print(
        f"code reward: {len(completions)} completions x {len(TESTS)} tests (mix right/wrong/no code/crash) in "
        f"{spent:.1f} s, {1000 * spent / len(completions):.0f} ms per completion; scores {counts}"
    )
    binary = get_reward_func("binary_code", parallel_code_exec_per_proc=args.workers)
    clock = time.perf_counter()
    binary(completions, verification_info=info)
    spent = time.perf_counter() - clock
    print(f"binary_code reward (stops at the first failure): same batch in {spent:.1f} s")


if __name__ == "__main__":
    main()
