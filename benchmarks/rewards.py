"""Reward throughput and worst-case latency, measured; prints its figures and whether the targets are met.

    python benchmarks/rewards.py                 # 2,000 realistic completions, 10,000 hostile examples per reward
    python benchmarks/rewards.py --hostile 500   # a quicker look

1. `accuracy` against a plain math-verify reward written the way open-r1 writes it (parse the gold, parse the
   completion with LaTeX extraction, `verify(gold, answer)`), on the same 2,000 realistic completions in the same
   run: completions per second for each and the number of differing verdicts. Target: at least as fast, identical.
2. Every registered reward on hostile text (hypothesis-generated: arbitrary unicode, binary junk, huge strings,
   deeply nested braces and LaTeX): the slowest single completion. Target: none over its bound
   (`timeout_s` plus the helper's restart for `accuracy`, `PLAIN_BOUND_S` for the string rewards).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from r1_trl.rewards import REWARDS, AccuracyReward, get_reward_func  # noqa: E402
from tests.test_reward_properties import HOSTILE  # noqa: E402

TIMEOUT_S = 2.0
PLAIN_BOUND_S = 1.0
# A killed helper is replaced on the next call: interpreter start plus the math-verify import.
RESTART_ALLOWANCE_S = 10.0


def realistic_set(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """R1-shaped completions with boxed answers: integers, fractions, decimals and LaTeX, right and wrong."""
    rng = random.Random(seed)
    completions, golds = [], []
    for _ in range(n):
        a, b = rng.randint(1, 99), rng.randint(2, 12)
        kind = rng.random()
        if kind < 0.6:
            gold, right, wrong = str(a * b), str(a * b), str(a * b + rng.choice((-1, 1, 10)))
        elif kind < 0.8:
            gold, right, wrong = f"\\frac{{{a}}}{{{b}}}", f"\\frac{{{a}}}{{{b}}}", f"\\frac{{{b}}}{{{a + 1}}}"
        elif kind < 0.9:
            gold, right, wrong = f"{a / 4}", f"\\frac{{{a}}}{{4}}", f"{a / 4 + 1}"
        else:
            gold, right, wrong = f"\\sqrt{{{b}}}", f"\\sqrt{{{b}}}", f"\\sqrt{{{b + 1}}}"
        answer = right if rng.random() < 0.6 else wrong
        chain = f"First, {a} * {b} = {a * b}. Then we simplify."
        completions.append(f"<think>\n{chain}\n</think>\n<answer>\n$\\boxed{{{answer}}}$\n</answer>")
        golds.append(gold)
    return completions, golds


def open_r1_style_accuracy(completions: list[str], solution: list[str]) -> list[float | None]:
    """The baseline: math-verify on the whole completion, as open-r1's accuracy reward does it."""
    from latex2sympy2_extended import NormalizationConfig
    from math_verify import LatexExtractionConfig, parse, verify

    rewards: list[float | None] = []
    for content, sol in zip(completions, solution, strict=True):
        gold_parsed = parse(sol, extraction_mode="first_match")
        if len(gold_parsed) == 0:
            gold_parsed = parse(f"${sol}$", extraction_mode="first_match")
        if len(gold_parsed) == 0:
            rewards.append(None)
            continue
        answer_parsed = parse(
            content,
            extraction_config=[
                LatexExtractionConfig(
                    normalization_config=NormalizationConfig(
                        nits=False, malformed_operators=False, basic_latex=True, boxed="all", units=True
                    ),
                    boxed_match_priority=0,
                    try_extract_without_anchor=False,
                )
            ],
            extraction_mode="first_match",
        )
        try:
            rewards.append(float(verify(gold_parsed, answer_parsed)))
        except Exception:
            rewards.append(0.0)
    return rewards


def throughput(n: int) -> bool:
    completions, golds = realistic_set(n)
    ours = AccuracyReward(timeout_s=TIMEOUT_S)
    ours(completions[:4], solution=golds[:4])  # start the helper outside the clock, as training would have
    open_r1_style_accuracy(completions[:4], golds[:4])
    t0 = time.perf_counter()
    mine = ours(completions, solution=golds)
    t1 = time.perf_counter()
    base = open_r1_style_accuracy(completions, golds)
    t2 = time.perf_counter()
    differ = [(c, g, m, b) for c, g, m, b in zip(completions, golds, mine, base, strict=True) if m != b]
    ours_rate, base_rate = n / (t1 - t0), n / (t2 - t1)
    print(f"accuracy on {n} realistic completions ({sum(1 for m in mine if m)} right):")
    print(f"  r1-trl accuracy        {ours_rate:10.1f} completions/s")
    print(f"  open-r1-style baseline {base_rate:10.1f} completions/s   ({ours_rate / base_rate:.1f}x)")
    print(f"  differing verdicts     {len(differ)}")
    for c, g, m, b in differ[:5]:
        print(f"    gold {g!r}: r1-trl {m}, baseline {b}: {c[-60:]!r}")
    return ours_rate >= base_rate and not differ


def _slowest(reward, examples: int) -> tuple[float, str, int]:
    worst = [0.0, "", 0]

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(text=HOSTILE)
    def run(text):
        t = time.perf_counter()
        reward(
            [text],
            solution=["\\frac{1}{2}"],
            lang=["en"],
            prompts=["What is 1/2?"],
            completion_ids=[list(range(len(text) % 97))],
        )
        dt = time.perf_counter() - t
        worst[2] += 1
        if dt > worst[0]:
            worst[0], worst[1] = dt, text[:40]

    run()
    return worst[0], worst[1], worst[2]


def worst_latency(examples: int, model_dir: str) -> bool:
    ok = True
    print(f"worst single-completion latency on {examples} hostile examples per reward:")
    for name in sorted(REWARDS):
        reward = get_reward_func(
            name, timeout_s=TIMEOUT_S, reward_model_name_or_path=model_dir, max_completion_len=64, soft_punish_cache=16
        )
        bound = TIMEOUT_S + RESTART_ALLOWANCE_S if name in ("accuracy", "length", "cosine") else PLAIN_BOUND_S
        if name == "reward_model":
            bound = 5.0
        started = time.perf_counter()
        worst, text, count = _slowest(reward, examples)
        met = worst <= bound
        ok &= met
        print(
            f"  {name:<26} worst {worst * 1000:9.1f} ms  bound {bound * 1000:7.0f} ms  "
            f"{'ok' if met else 'OVER'}  ({count} examples, {time.perf_counter() - started:.0f} s; worst on {text!r})"
        )
    return ok


def build_reward_model(path: str) -> None:
    from r1_trl.models import build_reward_model as build
    from r1_trl.models import build_tokenizer

    tokenizer = build_tokenizer(["What is 2 + 3 * 4? First, 3 * 4 = 12. 首先 然後 答案是"] * 50, vocab_size=300)
    build(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--realistic", type=int, default=2000)
    parser.add_argument("--hostile", type=int, default=10_000)
    args = parser.parse_args()
    fast_and_same = throughput(args.realistic)
    with tempfile.TemporaryDirectory() as model_dir:
        build_reward_model(model_dir)
        bounded = worst_latency(args.hostile, model_dir)
    print(
        f"targets: at least as fast with identical verdicts: {'met' if fast_and_same else 'NOT met'}; "
        f"no item over its bound: {'met' if bounded else 'NOT met'}"
    )
    return 0 if fast_and_same and bounded else 1


if __name__ == "__main__":
    sys.exit(main())
