"""Reading and scoring benchmark answers: the last `\\boxed{}` (math-verify, as lighteval uses it), option letters,
the majority vote and the summary figures (pass@1, cons@k, length, truncation)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..rewards import answers_match, last_boxed
from .benchmarks import LETTERS, Benchmark

__all__ = ["extract_choice", "extract_math", "majority", "score_samples", "summarize_benchmark"]

_ANSWER_LINE = re.compile(r"answer\s*(?:is)?\s*[:：]?\s*\(?\**([A-J])\b\)?", re.IGNORECASE)
_LONE_LETTER = re.compile(r"(?<![A-Za-z])\(?([A-J])\)?(?![A-Za-z])")


def extract_math(text: str) -> str | None:
    """The last `\\boxed{}` content. No box, no answer: the paper's protocol asks for one, and guessing the last
    number of a long chain of thought would credit intermediate results."""
    boxed = last_boxed(text)
    return boxed.strip() if boxed is not None and boxed.strip() else None


def extract_choice(text: str, num_options: int) -> str | None:
    """The chosen option's letter: from the last `\\boxed{}`, else an `Answer: X` line, else None."""
    valid = LETTERS[:num_options]
    boxed = extract_math(text)
    if boxed is not None:
        letter = _LONE_LETTER.fullmatch(re.sub(r"\\text\{([^}]*)\}", r"\1", boxed).strip())
        return letter.group(1).upper() if letter and letter.group(1).upper() in valid else None
    found = [m.group(1).upper() for m in _ANSWER_LINE.finditer(text or "")]
    found = [f for f in found if f in valid]
    return found[-1] if found else None


def _same(a: str, b: str, math: bool, timeout_s: float) -> bool:
    if a == b:
        return True
    return bool(answers_match(a, b, timeout_s)) if math else False


def majority(answers: Sequence[str | None], math: bool = True, timeout_s: float = 5.0) -> str | None:
    """The most frequent answer, equivalent answers counted together (`1/2` and `\\frac{1}{2}`); ties go to the
    answer seen first. None when no sample gave an answer."""
    clusters: list[list[str]] = []
    for answer in answers:
        if answer is None:
            continue
        for cluster in clusters:
            if _same(cluster[0], answer, math, timeout_s):
                cluster.append(answer)
                break
        else:
            clusters.append([answer])
    if not clusters:
        return None
    return max(clusters, key=len)[0]


def score_samples(
    bench: Benchmark,
    gold: str,
    texts: Sequence[str],
    num_options: int = 0,
    timeout_s: float = 5.0,
    sandbox: Any = None,
):
    """(answers, correct) for one problem's samples; a `code` benchmark's answers are the programs, judged by
    `sandbox` (an `r1_trl.sandbox.Sandbox`) on the tests in `gold`."""
    if bench.answer_type == "code":
        return _score_programs(gold, texts, sandbox)
    if bench.answer_type == "multiple_choice":
        answers = [extract_choice(t, num_options) for t in texts]
        return answers, [a == gold for a in answers]
    answers = [extract_math(t) for t in texts]
    return answers, [a is not None and bool(answers_match(gold, a, timeout_s)) for a in answers]


def _score_programs(gold: str, texts: Sequence[str], sandbox: Any) -> tuple[list[str | None], list[bool]]:
    from ..rewards.code_exec import extract_code

    tests = json.loads(gold)
    inputs, outputs = [str(t["input"]) for t in tests], [str(t["output"]) for t in tests]
    answers = [extract_code(t, "python") or None for t in texts]
    correct = [
        a is not None and sandbox.check(a, "python", inputs, outputs, stop_on_failure=True).all_passed for a in answers
    ]
    return answers, correct


def summarize_benchmark(rows: list[dict[str, Any]], timeout_s: float = 5.0, code: bool = False) -> dict[str, Any]:
    """pass@1 (mean correctness over a problem's k samples, averaged over problems), cons@k (the majority answer is
    right; for `code`, pass@k: some sample passes every test), the share of samples with an answer, mean length in
    tokens and the truncation rate."""
    if not rows:
        raise ValueError("benchmark: no scored problems")
    samples = [s for r in rows for s in r["samples"]]
    k = {len(r["samples"]) for r in rows}
    lengths = [s["num_tokens"] for s in samples]
    return {
        "pass@1": round(sum(sum(s["correct"] for s in r["samples"]) / len(r["samples"]) for r in rows) / len(rows), 4),
        f"{'pass' if code else 'cons'}@{max(k)}": round(sum(bool(r["majority_correct"]) for r in rows) / len(rows), 4),
        "answered_rate": round(sum(s["answer"] is not None for s in samples) / len(samples), 4),
        "mean_length": round(sum(lengths) / len(lengths), 1),
        "max_length": max(lengths),
        "truncation_rate": round(sum(bool(s["truncated"]) for s in samples) / len(samples), 4),
        "num_problems": len(rows),
        "num_samples": len(samples),
    }
