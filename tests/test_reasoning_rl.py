"""reasoning_rl end to end on a tiny model, and its comparison without the language-consistency reward."""

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


def test_no_lc_stage_runs_the_base_recipe_without_lc_and_records_itself(tmp_path, tiny_model_dir):
    recipe = _recipe(tmp_path, "reasoning_rl", tiny_model_dir)
    assert main(["reasoning_rl", "--config", str(recipe)]) == 0
    assert main(["reasoning_rl_no_lc", "--config", str(recipe)]) == 0
    stages = json.loads((tmp_path / "report.json").read_text())["stages"]
    assert set(stages) == {"reasoning_rl", "reasoning_rl_no_lc"}
    assert "rewards/language_consistency/mean" in stages["reasoning_rl"]["curve"]
    assert "rewards/language_consistency/mean" not in stages["reasoning_rl_no_lc"]["curve"]
    assert "rewards/accuracy/mean" in stages["reasoning_rl_no_lc"]["curve"]
    assert stages["reasoning_rl"]["sampling"]["template"] == "readable"
    assert "language_consistency" in stages["reasoning_rl_no_lc"]["per_lang"]["en"]
    # Its own folder: the run with LC is not overwritten.
    assert stages["reasoning_rl_no_lc"]["model"] == str(tmp_path / "reasoning_rl_no_lc")
    assert (tmp_path / "reasoning_rl" / "stage.json").exists() and (tmp_path / "reasoning_rl_no_lc").is_dir()


def test_the_recipe_switch_records_the_comparison_too(tmp_path, tiny_model_dir, capsys):
    recipe = _recipe(
        tmp_path, "reasoning_rl", tiny_model_dir, use_language_consistency="false", max_completion_length=24
    )
    assert main(["reasoning_rl", "--config", str(recipe), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rewards resolve: accuracy, format\n" in out and str(tmp_path / "reasoning_rl_no_lc") in out
    flag = ["--config", str(recipe), "--use_language_consistency", "true", "--dry-run"]
    assert main(["reasoning_rl_no_lc", *flag]) == 2
    assert "contradicts it" in capsys.readouterr().err


def test_reward_weights_must_match_the_rewards(tmp_path, tiny_model_dir, capsys):
    bad = _recipe(tmp_path, "bad", tiny_model_dir, reward_weights="[1.0, 0.5]")
    assert main(["reasoning_rl", "--config", str(bad)]) == 2
    assert "reward_weights has 2 values for 3 reward_funcs" in capsys.readouterr().err
