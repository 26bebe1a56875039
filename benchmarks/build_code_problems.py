"""Build the built-in code benchmark (`r1_code`) from `code_problems.py`: each reference solution runs in the local
sandbox on each test input, and its output becomes the expected output. Prints what it wrote; exits 1 when a
reference fails (a crash, a timeout, an empty output) or does not reproduce its prompt's worked example.

    python benchmarks/build_code_problems.py            # writes r1_trl/evaluation/code_problems.jsonl
    python benchmarks/build_code_problems.py --check    # rebuilds in memory and compares with the shipped file
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from code_problems import PROBLEMS

from r1_trl.evaluation.benchmarks import BUILTIN_CODE
from r1_trl.sandbox import Sandbox, outputs_match


def _example(prompt: str) -> tuple[str, str]:
    head, _, output = prompt.rpartition("Example output:\n")
    return head.rpartition("Example input:\n")[2], output


def build(sandbox: Sandbox) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    for p in PROBLEMS:
        outputs = []
        for stdin in p["inputs"]:
            result = sandbox.run(p["solution"], "python", stdin)
            if not result.ok or not result.stdout.strip():
                problems.append(f"{p['id']}: the reference ended {result.status} on {stdin!r}")
            outputs.append(result.stdout)
        example_in, example_out = _example(p["prompt"])
        if not outputs_match(sandbox.run(p["solution"], "python", example_in).stdout, example_out):
            problems.append(f"{p['id']}: the reference does not reproduce the prompt's example")
        tests = [{"input": i, "output": o} for i, o in zip(p["inputs"], outputs, strict=True)]
        rows.append({"id": p["id"], "prompt": p["prompt"], "solution": p["solution"], "tests": tests})
    return rows, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args()
    with Sandbox() as sandbox:
        rows, problems = build(sandbox)
    for line in problems:
        print(f"FAIL {line}")
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.check:
        same = Path(BUILTIN_CODE).read_text(encoding="utf-8") == text
        print(f"{len(rows)} problems, {sum(len(r['tests']) for r in rows)} tests; shipped file up to date: {same}")
        return 1 if problems or not same else 0
    Path(BUILTIN_CODE).write_text(text, encoding="utf-8")
    print(f"wrote {BUILTIN_CODE}: {len(rows)} problems, {sum(len(r['tests']) for r in rows)} tests")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
