"""r1-trl's own vLLM paths on the real `vllm.LLM` (CPU build): evaluation, rejection sampling, distillation traces.

Each is compared with the transformers backend on the same saved model: at temperature 0 the completions must be
the same for almost every prompt (the two backends run different kernels, so a near-tie can flip a token); at the
demo's temperature the sample statistics must agree within sampling noise. `benchmarks/vllm_agreement.py` makes the
same comparison on the demo's trained models and prints the figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl import generation
from r1_trl.cli import main
from r1_trl.configs import R1ScriptArguments
from r1_trl.data import load_prompts
from r1_trl.generation import SamplingSettings, VllmEngine, sample_completions
from r1_trl.templates import get_template
from r1_trl.vllm_platform import CPU_MEMORY_SHARE
from tests.engines.helpers import write_recipe

pytestmark = [pytest.mark.engines, pytest.mark.usefixtures("vllm_installed")]

# Greedy answers through the two backends are the same text for at least this share of prompts. Measured on the
# fixtures' 200-step models: 78/100 (MoE) and 93/100 (dense); on the demo's fully trained ones 97/100 and more
# (benchmarks/vllm_agreement.py): the less trained the model, the more near-ties for the kernels to split, and
# a 200-step model trains differently on each machine, hence the margin.
MIN_GREEDY_AGREEMENT = 0.6
PROMPTS = 100


def held_out_prompts(n: int = PROMPTS) -> list[str]:
    args = R1ScriptArguments(num_test_prompts=n)
    test, template = load_prompts(args, "test"), get_template(args.template)
    return [template.format_prompt(q, lang) for q, lang in zip(test["prompt"], test["lang"], strict=True)]


@pytest.fixture
def engine_settings(monkeypatch) -> list[dict]:
    """Every set of platform arguments a VllmEngine started with."""
    seen: list[dict] = []
    original = generation.engine_kwargs

    def record(model, share=None):
        kwargs = original(model, share)
        seen.append(kwargs)
        return kwargs

    monkeypatch.setattr(generation, "engine_kwargs", record)
    return seen


def both_backends(model_dir: Path, prompts: list[str], settings: SamplingSettings):
    engine = VllmEngine(str(model_dir), seed=settings.seed)
    try:
        through_vllm = sample_completions(engine, None, prompts, settings)
    finally:
        engine.close()
    assert engine.closed
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return through_vllm, sample_completions(model, tokenizer, prompts, settings)


@pytest.mark.parametrize("preset", ["moe", "dense"])
def test_greedy_completions_agree_with_transformers(preset, moe_dir, dense_dir, engine_settings):
    model_dir = moe_dir if preset == "moe" else dense_dir
    settings = SamplingSettings(n=1, temperature=0.0, max_new_tokens=24)
    through_vllm, through_hf = both_backends(model_dir, held_out_prompts(), settings)
    same = sum(v[0].text == h[0].text for v, h in zip(through_vllm, through_hf, strict=True))
    assert same / PROMPTS >= MIN_GREEDY_AGREEMENT, f"{preset}: greedy agreement {same}/{PROMPTS}"
    # Not a degenerate pass: the answers differ between prompts and both backends count the same tokens.
    assert len({h[0].text for h in through_hf}) >= 3
    lengths = [(v[0].num_tokens, h[0].num_tokens) for v, h in zip(through_vllm, through_hf, strict=True)]
    assert sum(a == b for a, b in lengths) / PROMPTS >= MIN_GREEDY_AGREEMENT
    # The CPU default: a share of the machine's RAM that can be had, no CUDA graphs to capture.
    expected = {"gpu_memory_utilization": CPU_MEMORY_SHARE, "enforce_eager": True}
    if preset == "moe":  # an MLA latent the CPU kernel was not built for
        expected["model_impl"] = "transformers"
    assert engine_settings == [expected]


def _mean_and_error(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var / len(values))


@pytest.mark.parametrize("preset", ["moe", "dense"])
def test_sampled_statistics_agree_with_transformers(preset, moe_dir, dense_dir):
    model_dir = moe_dir if preset == "moe" else dense_dir
    # The demo's evaluation settings, 4 samples of each of 100 prompts per backend.
    settings = SamplingSettings(n=4, temperature=0.6, top_p=0.95, max_new_tokens=24, seed=3)
    through_vllm, through_hf = both_backends(model_dir, held_out_prompts(), settings)
    for name, stat in (("length", lambda c: c.num_tokens), ("truncated", lambda c: float(c.truncated))):
        v_mean, v_err = _mean_and_error([stat(c) for group in through_vllm for c in group])
        h_mean, h_err = _mean_and_error([stat(c) for group in through_hf for c in group])
        # Four standard errors of the difference: fails about once in 16,000 runs by chance.
        bound = 4 * math.hypot(v_err, h_err) + 1e-9
        assert abs(v_mean - h_mean) <= bound, f"{preset} {name}: vLLM {v_mean:.3f} vs transformers {h_mean:.3f}"
    # Sampled, not greedy: the four samples of a prompt are not all one answer.
    assert sum(len({c.text for c in group}) > 1 for group in through_vllm) > PROMPTS // 4


def test_eval_command_through_vllm_matches_transformers(moe_dir, tmp_path):
    common = ["--num_test_prompts", "40", "--eval_k", "1", "--eval_temperature", "0", "--eval_max_tokens", "24"]
    out_hf, out_vllm = tmp_path / "hf.json", tmp_path / "vllm.json"
    assert main(["eval", "--model", str(moe_dir), "--output", str(out_hf), *common]) == 0
    argv = ["eval", "--model", str(moe_dir), "--output", str(out_vllm), "--eval_backend", "vllm", *common]
    assert main(argv) == 0
    hf, vllm = json.loads(out_hf.read_text()), json.loads(out_vllm.read_text())
    assert vllm["sampling"]["backend"] == "vllm" and "backend" not in hf["sampling"]
    assert abs(vllm["mean_length"] - hf["mean_length"]) <= 0.1 * hf["mean_length"]
    assert vllm["num_prompts"] == hf["num_prompts"] == 40 and vllm["sampling"]["k"] == 1


def _rs_recipe(tmp_path: Path, model: Path, name: str, backend: str) -> str:
    fields = {
        "output_dir": tmp_path / name,
        "model_name_or_path": model,
        "num_train_prompts": 40,
        "num_prompts": 20,
        "samples_per_prompt": 2,
        "shard_size": 10,
        "max_new_tokens": 24,
        "temperature": 0.0,
        "seed": 5,
        "backend": backend,
    }
    return str(write_recipe(tmp_path / f"{name}.yaml", fields))


def _sampled(out: Path) -> list[tuple[str, str]]:
    rows = []
    for shard in sorted((out / "shards").glob("samples-*.jsonl")):
        rows += [json.loads(line) for line in shard.read_text().splitlines() if line.strip()]
    return [(r["prompt"], r["response"]) for r in rows]


def test_rejection_sampling_through_vllm_matches_transformers(moe_dir, tmp_path, monkeypatch, engine_settings):
    closed = []
    close = VllmEngine.close
    monkeypatch.setattr(VllmEngine, "close", lambda engine: (closed.append(engine.model), close(engine)))
    assert main(["rejection_sampling", "--config", _rs_recipe(tmp_path, moe_dir, "hf", "transformers")]) == 0
    assert main(["rejection_sampling", "--config", _rs_recipe(tmp_path, moe_dir, "vllm", "vllm")]) == 0
    hf, vllm = _sampled(tmp_path / "hf"), _sampled(tmp_path / "vllm")
    assert len(hf) == len(vllm) == 40 and [p for p, _ in hf] == [p for p, _ in vllm]
    same = sum(a == b for a, b in zip(hf, vllm, strict=True))
    assert same / len(hf) >= MIN_GREEDY_AGREEMENT, f"rejection sampling: {same}/{len(hf)} samples agree"
    # One engine for every shard, closed once sampled (distillation trains a student in this process next).
    assert closed == [str(moe_dir)] and len(engine_settings) == 1


def test_a_benchmark_runs_through_vllm_as_through_transformers(tmp_path, dense_dir):
    """`r1-trl eval --benchmark` on the real engine, beside the transformers backend: the same problems, protocol
    and scorer, and a result that says which backend sampled it. (The protocol samples, so figures are not
    compared sample for sample; greedy agreement of the two backends is tested above.)"""
    fixture = Path(__file__).parents[1] / "fixtures" / "benchmarks" / "math500.jsonl"
    results = {}
    for backend in ("transformers", "vllm"):
        argv = ["eval", "--benchmark", "math500", "--dataset_path", str(fixture), "--model", str(dense_dir)]
        argv += ["--k", "2", "--max_new_tokens", "16", "--backend", backend, "--output", str(tmp_path / backend)]
        assert main(argv) == 0
        results[backend] = json.loads((tmp_path / backend / "math500.json").read_text())
    for result in results.values():
        assert result["metrics"]["num_samples"] == 6 and result["settings"]["temperature"] == 0.6
    assert results["vllm"]["settings"]["backend"] == "vllm"
    lengths = [r["metrics"]["mean_length"] for r in results.values()]
    assert all(0 < n <= 16 for n in lengths)
