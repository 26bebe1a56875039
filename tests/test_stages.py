"""The stage commands end to end on a tiny budget: files, report entries and evaluation fields."""

import json

from transformers import AutoModelForCausalLM

from r1_trl.cli import main
from r1_trl.report import format_table

EVAL_FIELDS = {"pass@1", "accuracy_lenient", "cons@k", "format_rate", "mean_length", "per_lang", "sampling"}


def _tiny_base_recipe(tmp_path):
    recipe = tmp_path / "base.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"output_dir: {tmp_path / 'base'}",
                f"report_path: {tmp_path / 'report.json'}",
                "corpus_documents: 400",
                "vocab_size: 600",
                "dataset_text_field: text",
                "packing: true",
                "packing_strategy: wrapped",
                "padding_free: false",
                "max_length: 64",
                "per_device_train_batch_size: 4",
                "max_steps: 3",
                "save_strategy: steps",
                "save_steps: 2",
                "bf16: false",
                "gradient_checkpointing: false",
                "report_to: none",
                "num_test_prompts: 6",
                "eval_k: 2",
                "eval_max_tokens: 8",
            ]
        )
        + "\n"
    )
    return recipe


def test_base_stage_then_eval_command(tmp_path):
    recipe = _tiny_base_recipe(tmp_path)
    assert main(["base", "--config", str(recipe)]) == 0
    out = tmp_path / "base"
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.model_type == "deepseek_v3"
    report = json.loads((tmp_path / "report.json").read_text())
    entry = report["stages"]["base"]
    assert EVAL_FIELDS <= set(entry)
    assert set(entry["per_lang"]) == {"en", "zh"}
    assert entry["sampling"] == {
        "k": 2,
        "temperature": 0.6,
        "top_p": 0.95,
        "max_new_tokens": 8,
        "seed": 0,
        "template": "r1_zero",
    }
    assert entry["num_prompts"] == 6 and entry["global_steps"] == 3
    assert "base" in format_table(report)

    # `eval` reads any stage's recipe and ignores the keys that are not about evaluation.
    result_path = tmp_path / "eval.json"
    code = main(["eval", "--model", str(out), "--config", str(recipe), "--output", str(result_path), "--eval_k", "3"])
    assert code == 0
    result = json.loads(result_path.read_text())
    assert EVAL_FIELDS <= set(result) and result["sampling"]["k"] == 3
