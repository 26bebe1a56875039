"""Probe a model on held-out problems, prompt shape by prompt shape, and print where it is right and wrong.

    python benchmarks/probe_base.py --model runs/tiny-moe/base [--n 100] [--temperature 0.6]

Lenient accuracy (last number anywhere) and format rate per language and difficulty, under the R1-Zero template and
under a bare `User: ... Assistant:` prompt, plus a few raw samples. It answers "is the base weak at arithmetic, or
lost in the long template?" before any RL time is spent.

It also splits every cell by the answer's mode: `step` when the completion writes out an equation, `direct` when it
states a result with no working. R1-Zero can only learn that thinking pays if step-by-step is clearly more accurate
than direct on multi-step problems, and sampled often enough to be found.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from r1_trl.data.arithmetic import make_problems, to_rows
from r1_trl.generation import SamplingSettings, sample_completions
from r1_trl.models import load_causal_lm, load_tokenizer
from r1_trl.rewards import FormatReward, answers_match, last_number
from r1_trl.templates import get_template

BARE = {"en": "User: {q} Assistant:", "zh": "用戶:{q}助手:"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--n", type=int, default=100, help="held-out problems")
    parser.add_argument("--k", type=int, default=2, help="samples per problem")
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--difficulties", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-operand", type=int, default=10)
    parser.add_argument("--max-value", type=int, default=100)
    args = parser.parse_args()
    tokenizer = load_tokenizer(args.model)
    model = load_causal_lm(args.model)
    rows = to_rows(make_problems(args.n, "test", 0, tuple(args.difficulties), args.max_operand, args.max_value))
    template = get_template("r1_zero")
    fmt = FormatReward(template.response_format)
    settings = SamplingSettings(n=args.k, temperature=args.temperature, max_new_tokens=96)
    shapes = {
        "template": [template.format_prompt(r["prompt"], r["lang"]) for r in rows],
        "bare": [BARE[r["lang"]].format(q=r["prompt"]) for r in rows],
    }
    for shape, prompts in shapes.items():
        samples = sample_completions(model, tokenizer, prompts, settings, desc=shape)
        cells: dict[tuple[str, int], list[float]] = defaultdict(list)
        modes: dict[tuple[int, str], list[float]] = defaultdict(list)
        formats = []
        for row, comps in zip(rows, samples, strict=True):
            for c in comps:
                right = float(bool(answers_match(row["solution"], last_number(c.text))))
                cells[(row["lang"], row["difficulty"])].append(right)
                modes[(row["difficulty"], "step" if "=" in c.text else "direct")].append(right)
            formats += fmt([c.text for c in comps])
        print(f"\n== {shape}: format {sum(formats) / len(formats):.3f}")
        for key in sorted(cells):
            print(f"  lang {key[0]} difficulty {key[1]}: lenient {sum(cells[key]) / len(cells[key]):.3f}")
        for d in sorted({d for d, _ in modes}):
            total = sum(len(modes[(d, m)]) for m in ("step", "direct"))
            line = "  ".join(
                f"{m} share {len(modes[(d, m)]) / total:.2f} acc {sum(modes[(d, m)]) / max(len(modes[(d, m)]), 1):.2f}"
                for m in ("step", "direct")
            )
            print(f"  difficulty {d}: {line}")
        for row, comps in list(zip(rows, samples, strict=True))[:6]:
            print(f"  [{row['lang']}] {row['prompt']} (gold {row['solution']}) -> {comps[0].text!r}")


if __name__ == "__main__":
    main()
