"""The cold-start stages end to end on a tiny model: data construction by every method, then SFT on the result."""

import json

import torch
from transformers import AutoModelForCausalLM

from r1_trl.cli import main
from r1_trl.data import make_problems
from r1_trl.data.cold_start import exemplar_response
from r1_trl.templates import READABLE_FORMAT


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cold_start_data_runs_every_method_and_counts_rejections(tmp_path, tiny_model_dir):
    recipe = _write(
        tmp_path / "cold_start_data.yaml",
        [
            f"output_dir: {tmp_path / 'csd'}",
            f"report_path: {tmp_path / 'report.json'}",
            f"generator_model: {tiny_model_dir}",
            f"r1_zero_model: {tiny_model_dir}",
            "methods: [few_shot, reflection, refine]",
            "num_train_prompts: 40",
            "few_shot_prompts: 6",
            "reflection_prompts: 6",
            "refine_prompts: 6",
            "shard_size: 4",
            "max_new_tokens: 12",
        ],
    )
    assert main(["cold_start_data", "--config", str(recipe)]) == 0
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["cold_start_data"]
    # An untrained model writes junk: every method generated 12 samples and the filters say why each was dropped.
    for method in ("few_shot", "reflection", "refine"):
        counts = entry["filters"][method]
        assert counts["input"] == 12
        rejected = sum(v for k, v in counts.items() if k not in ("input", "kept"))
        assert rejected + counts["kept"] == 12
    assert entry["num_generated"] == 36 and entry["num_examples"] == entry["filters"]["total"]["kept"]
    shards = sorted(p.name for p in (tmp_path / "csd" / "shards").glob("*.jsonl"))
    assert shards == sorted(f"{m}-{i:05d}.jsonl" for m in ("few_shot", "reflection", "refine") for i in (0, 1))
    assert (tmp_path / "csd" / "filter_counts.json").exists() and (tmp_path / "csd" / "train.jsonl").exists()


def test_cold_start_data_refuses_missing_models(tmp_path, capsys):
    recipe = _write(tmp_path / "r.yaml", [f"output_dir: {tmp_path / 'x'}", "methods: [refine]"])
    assert main(["cold_start_data", "--config", str(recipe)]) == 2
    assert "r1_zero_model" in capsys.readouterr().err


def test_cold_start_sft_trains_the_base_on_readable_conversations(tmp_path, tiny_model_dir):
    rows = []
    for p in make_problems(40, "train", difficulties=(1, 2)):
        for lang in ("en", "zh"):
            answer = exemplar_response(p, lang)
            assert READABLE_FORMAT.matches(answer)
            rows.append(
                {
                    "messages": [
                        {"role": "user", "content": p.question(lang)},
                        {"role": "assistant", "content": answer},
                    ],
                    "method": "refine",
                    "lang": lang,
                    "solution": str(p.answer),
                }
            )
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    recipe = _write(
        tmp_path / "cold_start_sft.yaml",
        [
            f"model_name_or_path: {tiny_model_dir}",
            f"sft_dataset: {data}",
            f"output_dir: {tmp_path / 'sft'}",
            f"report_path: {tmp_path / 'report.json'}",
            "template: readable",
            "chat_format: true",
            "assistant_only_loss: true",
            "packing: false",
            "max_length: 128",
            "per_device_train_batch_size: 8",
            "max_steps: 3",
            "learning_rate: 1.0e-3",
            "bf16: false",
            "gradient_checkpointing: false",
            "report_to: none",
            "save_strategy: 'no'",
            "num_test_prompts: 4",
            "eval_k: 1",
            "eval_max_tokens: 8",
        ],
    )
    assert main(["cold_start_sft", "--config", str(recipe)]) == 0
    before = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    after = AutoModelForCausalLM.from_pretrained(tmp_path / "sft")
    changed = any(not torch.equal(a, b) for a, b in zip(before.parameters(), after.parameters(), strict=True))
    assert changed
    assert after.generation_config.eos_token_id == after.config.eos_token_id is not None
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["cold_start_sft"]
    assert entry["num_train_examples"] == 80 and entry["sampling"]["template"] == "readable"
    assert "language_consistency" in entry and entry["global_steps"] == 3


def test_sft_with_a_missing_dataset_is_one_line(tmp_path, tiny_model_dir, capsys):
    missing = tmp_path / "nope.jsonl"
    recipe = _write(
        tmp_path / "sft.yaml",
        [
            f"model_name_or_path: {tiny_model_dir}",
            f"sft_dataset: {missing}",
            f"output_dir: {tmp_path / 'out'}",
            "report_to: none",
            "bf16: false",
        ],
    )
    assert main(["sft", "--config", str(recipe)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("r1-trl sft:")]
    assert len(err) == 1 and "cannot load SFT dataset" in err[0] and "nope.jsonl" in err[0]
