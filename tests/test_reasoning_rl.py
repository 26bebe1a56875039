"""reasoning_rl end to end on a tiny model, with and without the language-consistency reward (the recipe flag)."""

import json

from r1_trl.cli import main


def _recipe(tmp_path, name, model_dir, **extra):
    lines = {
        "model_name_or_path": str(model_dir),
        "output_dir": str(tmp_path / name),
        "report_path": str(tmp_path / "report.json"),
        "num_train_prompts": 16,
        "num_test_prompts": 4,
        "difficulties": "[1]",
        "template": "readable",
        "chat_format": "true",
        "reward_funcs": "[accuracy, format, language_consistency]",
        "reward_weights": "[1.0, 0.5, 0.5]",
        "max_steps": 2,
        "per_device_train_batch_size": 8,
        "num_generations": 4,
        "max_completion_length": 12,
        "learning_rate": 1.0e-3,
        "bf16": "false",
        "gradient_checkpointing": "false",
        "report_to": "none",
        "save_strategy": "'no'",
        "logging_steps": 1,
        "eval_k": 1,
        "eval_max_tokens": 8,
        **extra,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in lines.items()))
    return path


def test_lc_flag_switches_the_reward_and_the_report_entry(tmp_path, tiny_model_dir):
    with_lc = _recipe(tmp_path, "with", tiny_model_dir)
    without = _recipe(tmp_path, "without", tiny_model_dir, use_language_consistency="false")
    assert main(["reasoning_rl", "--config", str(with_lc)]) == 0
    assert main(["reasoning_rl_no_lc", "--config", str(without)]) == 0
    stages = json.loads((tmp_path / "report.json").read_text())["stages"]
    assert set(stages) == {"reasoning_rl", "reasoning_rl_no_lc"}
    assert "rewards/language_consistency/mean" in stages["reasoning_rl"]["curve"]
    assert "rewards/language_consistency/mean" not in stages["reasoning_rl_no_lc"]["curve"]
    assert "rewards/accuracy/mean" in stages["reasoning_rl_no_lc"]["curve"]
    assert stages["reasoning_rl"]["sampling"]["template"] == "readable"
    assert "language_consistency" in stages["reasoning_rl_no_lc"]["per_lang"]["en"]


def test_reward_weights_must_match_the_rewards(tmp_path, tiny_model_dir, capsys):
    bad = _recipe(tmp_path, "bad", tiny_model_dir, reward_weights="[1.0, 0.5]")
    assert main(["reasoning_rl", "--config", str(bad)]) == 2
    assert "reward_weights has 2 values for 3 reward_funcs" in capsys.readouterr().err
