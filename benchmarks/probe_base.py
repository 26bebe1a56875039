"""The gate before any RL: is there a competent, rarely chosen step-by-step mode for R1-Zero to amplify?

    python benchmarks/probe_base.py --model released/tiny-moe/base [--n 200] [--k 4] [--temperature 1.0] [--prefill]

Samples held-out problems under the R1-Zero template (the prompt RL will use) and splits every answer by its mode:
`step` when the completion writes out an equation, `direct` when it states a result with no working. Prints, by
number of operations, each mode's share and format-free accuracy, the format rate per language, a few raw samples,
and the gate (issue 22): R1-Zero can only learn that thinking pays if

- step-by-step answers are sampled often enough to be found and rarely enough to leave RL something to do
  (share 10-35%, every difficulty together), and
- on 3-4-operation problems they are accurate (at least 0.6) and at least 3x as accurate as direct answers, and
- the response format is rare but not absent in each language (format rate at most 0.05, above 0 per language).

Exits 1 when the gate fails, so `make base` can refuse a base that RL could not improve.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import defaultdict
from pathlib import Path

from r1_trl.data.arithmetic import CONNECTIVES, make_problems, to_rows
from r1_trl.generation import SamplingSettings, sample_completions
from r1_trl.models import load_causal_lm, load_tokenizer
from r1_trl.rewards import FormatReward, answers_match, last_number
from r1_trl.templates import get_template

STEP_SHARE = (0.10, 0.35)
HARD = (3, 4)
MIN_HARD_STEP_ACCURACY = 0.6
MIN_STEP_OVER_DIRECT = 3.0
MAX_FORMAT = 0.05
REVISION_MARKERS = tuple(c["wait"] for c in CONNECTIVES.values())


def mode(text: str) -> str:
    return "step" if "=" in text else "direct"


def figures(modes: dict[tuple[int, str], list[float]], formats: dict[str, list[float]]) -> dict:
    """What the gate reads: mode shares and accuracies, overall and on the hard problems, and format per language."""
    total = sum(len(xs) for xs in modes.values())
    steps = [x for (_, m), xs in modes.items() if m == "step" for x in xs]
    hard_step = [x for d in HARD for x in modes.get((d, "step"), [])]
    hard_direct = [x for d in HARD for x in modes.get((d, "direct"), [])]
    return {
        "samples": total,
        "step_share": len(steps) / max(total, 1),
        "hard_step_accuracy": sum(hard_step) / max(len(hard_step), 1),
        "hard_step_samples": len(hard_step),
        "hard_direct_accuracy": sum(hard_direct) / max(len(hard_direct), 1),
        "hard_direct_samples": len(hard_direct),
        "format": sum(sum(v) for v in formats.values()) / max(sum(len(v) for v in formats.values()), 1),
        "format_by_lang": {lang: sum(v) / len(v) for lang, v in sorted(formats.items())},
    }


def gate(f: dict) -> list[tuple[str, bool]]:
    """(description, passed) for each condition of the gate."""
    rates = f["format_by_lang"]
    return [
        (
            f"step-by-step share {f['step_share']:.3f} in [{STEP_SHARE[0]}, {STEP_SHARE[1]}]",
            STEP_SHARE[0] <= f["step_share"] <= STEP_SHARE[1],
        ),
        (
            f"step-by-step accuracy on {HARD} ops {f['hard_step_accuracy']:.3f} >= {MIN_HARD_STEP_ACCURACY} "
            f"(n={f['hard_step_samples']})",
            f["hard_step_accuracy"] >= MIN_HARD_STEP_ACCURACY,
        ),
        (
            f"... and >= {MIN_STEP_OVER_DIRECT}x direct accuracy {f['hard_direct_accuracy']:.3f} "
            f"(n={f['hard_direct_samples']})",
            f["hard_step_accuracy"] >= MIN_STEP_OVER_DIRECT * f["hard_direct_accuracy"],
        ),
        (
            f"format {f['format']:.3f} <= {MAX_FORMAT}, above 0 in each language "
            + ", ".join(f"{lang} {r:.3f}" for lang, r in rates.items()),
            f["format"] <= MAX_FORMAT and all(r > 0 for r in rates.values()),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--n", type=int, default=200, help="held-out problems")
    parser.add_argument("--k", type=int, default=4, help="samples per problem")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--difficulties", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--max-operand", type=int, default=10)
    parser.add_argument("--max-value", type=int, default=50)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--json", help="also write the gate's figures here (make base puts them in the release)")
    parser.add_argument(
        "--prefill",
        action="store_true",
        help="end every prompt with `<think>` (as DeepSeek's later chat templates do) and score the completion with "
        "it: the alternative to discovering the tag, measured against it",
    )
    args = parser.parse_args()
    tokenizer = load_tokenizer(args.model)
    model = load_causal_lm(args.model)
    rows = to_rows(make_problems(args.n, "test", 0, tuple(args.difficulties), args.max_operand, args.max_value))
    template = get_template("r1_zero")
    fmt = FormatReward(template.response_format)
    settings = SamplingSettings(n=args.k, temperature=args.temperature, top_p=1.0, max_new_tokens=args.max_new_tokens)
    prefill = template.response_format.think_open if args.prefill else ""
    # The corpus's own spacing after the speaker: a space in English, none in Chinese.
    prompts = [
        template.format_prompt(r["prompt"], r["lang"]) + (" " if prefill and r["lang"] == "en" else "") + prefill
        for r in rows
    ]
    samples = sample_completions(model, tokenizer, prompts, settings, desc="probe")
    if prefill:
        samples = [[dataclasses.replace(c, text=prefill + c.text) for c in group] for group in samples]
    modes: dict[tuple[int, str], list[float]] = defaultdict(list)
    langs: dict[str, list[float]] = defaultdict(list)
    formats: dict[str, list[float]] = defaultdict(list)
    for row, comps in zip(rows, samples, strict=True):
        for c in comps:
            right = float(bool(answers_match(row["solution"], last_number(c.text))))
            modes[(row["difficulty"], mode(c.text))].append(right)
            langs[row["lang"]].append(right)
        formats[row["lang"]] += fmt([c.text for c in comps])
    n = sum(len(v) for v in langs.values())
    accuracy = sum(sum(v) for v in langs.values()) / n
    print(
        f"{args.model}: {args.n} held-out problems x {args.k} samples, T {args.temperature}, top_p 1.0, "
        f"R1-Zero template{' + <think>' if prefill else ''}; format-free accuracy {accuracy:.3f} "
        + " ".join(f"({lang} {sum(v) / len(v):.3f})" for lang, v in sorted(langs.items()))
    )
    # The corpus's self-corrections (`Then 3 * 4 = 13. Wait, 3 * 4 = 12.`): how often a model still writes them.
    texts = [c.text for group in samples for c in group]
    revised = sum(any(m in t for m in REVISION_MARKERS) for t in texts)
    print(f"self-corrections: {revised} of {len(texts)} samples ({revised / len(texts):.3%})")
    print("ops | step share | step acc | direct acc")
    for d in sorted({d for d, _ in modes}):
        step, direct = modes[(d, "step")], modes[(d, "direct")]
        total = len(step) + len(direct)
        print(
            f"{d:>3} | {len(step) / total:10.2f} | {sum(step) / max(len(step), 1):8.2f} | "
            f"{sum(direct) / max(len(direct), 1):10.2f}"
        )
    for row, comps in list(zip(rows, samples, strict=True))[:6]:
        print(f"  [{row['lang']}] {row['prompt']} (gold {row['solution']}) -> {comps[0].text!r}")
    measured = figures(modes, formats)
    results = gate(measured)
    if args.json:
        passed = all(p for _, p in results)
        Path(args.json).write_text(json.dumps({**measured, "passed": passed, "temperature": args.temperature}) + "\n")
    for text, passed in results:
        print(f"gate {'PASS' if passed else 'FAIL'}: {text}")
    print(f"gate: {'passed' if all(p for _, p in results) else 'FAILED'}")
    sys.exit(0 if all(p for _, p in results) else 1)


if __name__ == "__main__":
    main()
