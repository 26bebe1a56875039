"""vLLM against transformers on the same saved models: greedy agreement and sampled accuracy.

    .venv-engines/bin/python benchmarks/vllm_agreement.py --model runs/tiny-moe/base runs/tiny-moe/student_base

Needs vLLM (`make install-engines`). For each model, on the embedded task's held-out prompts:
- temperature 0, one answer each: the share of prompts whose completions are the same text through both backends;
- the demo's evaluation settings (T 0.6, top-p 0.95, k samples): format-free accuracy, format and mean length
  through each backend, with the standard error of the accuracy difference, and each backend's sampling seconds.
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from r1_trl.configs import R1ScriptArguments  # noqa: E402
from r1_trl.data import load_prompts  # noqa: E402
from r1_trl.evaluation.heldout import evaluate  # noqa: E402
from r1_trl.generation import SamplingSettings, VllmEngine, sample_completions  # noqa: E402
from r1_trl.models import load_for_generation, load_tokenizer  # noqa: E402
from r1_trl.templates import get_template  # noqa: E402


def load(backend: str, model_dir: str, seed: int):
    if backend == "vllm":
        return VllmEngine(model_dir, seed=seed), None
    return load_for_generation(model_dir, False), load_tokenizer(model_dir, False)


def run_backend(backend: str, model_dir: str, dataset, template, greedy, sampled) -> dict:
    """Greedy texts, the sampled evaluation and its seconds, through one backend (one engine for both)."""
    started = time.perf_counter()
    model, tokenizer = load(backend, model_dir, sampled.seed)
    loaded = time.perf_counter() - started
    prompts = [template.format_prompt(q, lang) for q, lang in zip(dataset["prompt"], dataset["lang"], strict=True)]
    try:
        texts = [group[0].text for group in sample_completions(model, tokenizer, prompts, greedy)]
        started = time.perf_counter()
        result = evaluate(model, tokenizer, dataset, template, sampled)
        seconds = time.perf_counter() - started
    finally:
        if isinstance(model, VllmEngine):
            model.close()
    return {"greedy": texts, "sampled": result, "seconds": seconds, "load_seconds": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="+", required=True, help="saved model folders")
    parser.add_argument("--prompts", type=int, default=200, help="held-out prompts")
    parser.add_argument("--k", type=int, default=4, help="samples per prompt at the demo's temperature")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    args = parser.parse_args()

    task = R1ScriptArguments(num_test_prompts=args.prompts)
    dataset, template = load_prompts(task, "test"), get_template(task.template)
    greedy = SamplingSettings(n=1, temperature=0.0, max_new_tokens=args.max_new_tokens)
    sampled = SamplingSettings(n=args.k, temperature=0.6, top_p=0.95, max_new_tokens=args.max_new_tokens)
    print(f"{args.prompts} held-out prompts; sampled: k={args.k}, T 0.6, top-p 0.95, {args.max_new_tokens} tokens")
    for model_dir in args.model:
        rows = {b: run_backend(b, model_dir, dataset, template, greedy, sampled) for b in ("vllm", "transformers")}
        pairs = list(zip(rows["vllm"]["greedy"], rows["transformers"]["greedy"], strict=True))
        same = sum(a == b for a, b in pairs)
        print(f"\n{model_dir}: greedy completions identical for {same}/{len(pairs)} prompts ({same / len(pairs):.1%})")
        n = args.prompts * args.k
        acc = {b: r["sampled"]["accuracy_lenient"] for b, r in rows.items()}
        print(f"{'backend':<13} {'accuracy':>9} {'format':>7} {'length':>7} {'sampling s':>11} {'load s':>7}")
        for backend, r in rows.items():
            s = r["sampled"]
            print(
                f"{backend:<13} {s['accuracy_lenient']:>9.3f} {s['format_rate']:>7.3f} {s['mean_length']:>7.1f} "
                f"{r['seconds']:>11.1f} {r['load_seconds']:>7.1f}"
            )
        err = math.sqrt(sum(p * (1 - p) / n for p in acc.values()))
        diff = acc["vllm"] - acc["transformers"]
        print(f"accuracy difference {diff:+.3f}, standard error {err:.3f} ({n} samples per backend)")


if __name__ == "__main__":
    main()
