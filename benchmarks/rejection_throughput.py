"""Rejection-sampling throughput on the demo model: batched generation against one prompt at a time, same run.

    python benchmarks/rejection_throughput.py [--model runs/tiny-moe/reasoning_rl] [--prompts 64] [--n 4]

Prints generated tokens per second and kept samples per second (kept: readable format and correct answer, the
first two rejection-sampling filters) for both ways, on the same prompts and sampling settings.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from r1_trl.data.arithmetic import make_problems, to_rows  # noqa: E402
from r1_trl.generation import SamplingSettings, sample_completions  # noqa: E402
from r1_trl.models import load_causal_lm, load_tokenizer  # noqa: E402
from r1_trl.rewards import AccuracyReward, FormatReward  # noqa: E402
from r1_trl.templates import get_template  # noqa: E402


def measure(model, tokenizer, rows: list[dict], settings: SamplingSettings, batch_prompts: int) -> tuple[float, ...]:
    template = get_template("readable")
    fmt = template.response_format
    chats = [template.as_conversation(r["prompt"], r["lang"]) for r in rows]
    started = time.perf_counter()
    groups = []
    for i in range(0, len(chats), batch_prompts):
        groups += sample_completions(model, tokenizer, chats[i : i + batch_prompts], settings, desc="sampling")
    seconds = time.perf_counter() - started
    tokens = sum(c.num_tokens for g in groups for c in g)
    kept = 0
    for row, group in zip(rows, groups, strict=True):
        texts = [c.text for c in group]
        ok_format = FormatReward(fmt)(texts)
        ok_answer = AccuracyReward(fmt)(texts, solution=[row["solution"]] * len(texts))
        kept += sum(1 for f, a in zip(ok_format, ok_answer, strict=True) if f == 1.0 and a == 1.0)
    return seconds, tokens / seconds, kept / seconds, kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="runs/tiny-moe/reasoning_rl")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--n", type=int, default=4, help="samples per prompt")
    args = parser.parse_args()
    tokenizer = load_tokenizer(args.model)
    model = load_causal_lm(args.model)
    rows = to_rows(make_problems(args.prompts, "train", seed=7, difficulties=(1, 2), max_operand=10, max_value=50))
    settings = SamplingSettings(n=args.n, temperature=0.7, top_p=1.0, max_new_tokens=96, batch_size=256)
    print(f"{args.prompts} prompts x {args.n} samples, model {args.model}")
    for name, batch_prompts in (("batched (up to 256 sequences)", args.prompts), ("one prompt at a time", 1)):
        seconds, tok_s, kept_s, kept = measure(model, tokenizer, rows, settings, batch_prompts)
        print(
            f"  {name:<30} {seconds:7.1f} s  {tok_s:9.0f} generated tokens/s  {kept_s:7.1f} kept samples/s "
            f"({kept} kept)"
        )


if __name__ == "__main__":
    main()
