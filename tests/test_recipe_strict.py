"""Each stage parses only the groups it uses: a key it would ignore is an error naming the stage; `--dry-run` refuses
what the run refuses; open-r1's recipe keys are honoured, mapped, ignored with a reason or refused."""

import json

import pytest

from r1_trl.cli import main
from r1_trl.stages import STAGES
from r1_trl.stages.recipe import parse_stage


def _write(tmp_path, text, name="recipe.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GRPO_BASE = (
    "model_name_or_path: {model}\noutput_dir: {out}\nbf16: false\nper_device_train_batch_size: 8\nnum_generations: 4\n"
)
SFT_BASE = "model_name_or_path: {model}\noutput_dir: {out}\nsft_dataset: {data}\n"


def test_a_key_of_another_stage_is_an_error_naming_the_stage(tmp_path, tiny_model_dir, capsys):
    grpo = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o")
    path = _write(tmp_path, grpo + "use_language_consistency: false\n")
    assert main(["all_scenarios_rl", "--config", path, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "all_scenarios_rl" in err and "'use_language_consistency'" in err
    assert "reasoning_rl" in err and "would ignore it" in err
    sft = SFT_BASE.format(model=tiny_model_dir, out=tmp_path / "o", data=tmp_path / "d.jsonl")
    path = _write(tmp_path, sft + "reward_funcs: [accuracy]\n", "sft.yaml")
    assert main(["sft", "--config", path, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "sft: unknown recipe key 'reward_funcs'" in err and "r1_zero" in err


def test_every_unknown_key_is_listed_at_once(tmp_path, tiny_model_dir, capsys):
    grpo = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o")
    path = _write(tmp_path, grpo + "num_generation: 4\nlearning_rat: 1.0\nsomething_else: 1\n")
    assert main(["r1_zero", "--config", path]) == 2
    err = capsys.readouterr().err
    assert "unknown recipe keys" in err
    assert "'num_generation' (did you mean 'num_generations'?)" in err
    assert "'learning_rat' (did you mean 'learning_rate'?)" in err and "'something_else'" in err


def test_a_command_line_flag_the_stage_ignores_is_refused(tmp_path, tiny_model_dir, capsys):
    path = _write(tmp_path, GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o"))
    assert main(["r1_zero", "--config", path, "--sft_dataset", "x.jsonl", "--dry-run"]) == 2
    assert "the command line" in capsys.readouterr().err


def test_dry_run_refuses_what_the_run_refuses(tmp_path, tiny_model_dir, capsys):
    # An SFT recipe without data: both fail with the same line, before any model is loaded.
    path = _write(tmp_path, f"model_name_or_path: {tiny_model_dir}\noutput_dir: {tmp_path / 'o'}\nbf16: false\n")
    assert main(["sft", "--config", path, "--dry-run"]) == 2
    dry = capsys.readouterr().err
    assert main(["sft", "--config", path]) == 2
    run = capsys.readouterr().err
    assert "sft_dataset is required" in dry and dry == run
    # A LoRA GRPO stage that keeps syncing its reference: the same for the GRPO stages.
    grpo = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o") + "use_peft: true\nbeta: 0.04\n"
    path = _write(tmp_path, grpo, "lora.yaml")
    assert main(["r1_zero", "--config", path, "--dry-run"]) == 2
    dry = capsys.readouterr().err
    assert main(["r1_zero", "--config", path]) == 2
    assert "sync_ref_model: false" in dry and dry == capsys.readouterr().err


def test_an_unknown_reward_fails_the_dry_run_and_the_run_alike(tmp_path, tiny_model_dir, capsys):
    grpo = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o") + "reward_funcs: [accuracy, no_such_reward]\n"
    path = _write(tmp_path, grpo)
    assert main(["r1_zero", "--config", path, "--dry-run"]) == 2
    dry = capsys.readouterr().err
    assert main(["r1_zero", "--config", path]) == 2
    assert "unknown reward 'no_such_reward'" in dry and dry == capsys.readouterr().err


# open-r1's recipe keys, written as its GRPO and SFT recipes write them (values are this test's own).
OPEN_R1_GRPO = """model_name_or_path: {model}
model_revision: main
torch_dtype: float32
attn_implementation: eager
chat_template: "{{% for m in messages %}}<{{{{ m['role'] }}}}>{{{{ m['content'] }}}}{{% endfor %}}<assistant>"
dataset_name: embedded:arithmetic
dataset_prompt_column: prompt
system_prompt: "Think first, inside <think> </think>, then answer inside <answer> </answer>."
output_dir: {out}
overwrite_output_dir: true
max_prompt_length: 256
max_completion_length: 32
warmup_ratio: 0.1
per_device_train_batch_size: 8
num_generations: 4
reward_funcs: [accuracy, format, tag_count]
reward_weights: [1.0, 1.0, 1.0]
benchmarks: []
callbacks: []
wandb_log_unique_prompts: true
report_to: none
bf16: false
"""


def test_an_open_r1_grpo_recipe_is_read_key_by_key(tmp_path, tiny_model_dir, caplog, capsys):
    path = _write(tmp_path, OPEN_R1_GRPO.format(model=tiny_model_dir, out=tmp_path / "o"))
    with caplog.at_level("INFO"):
        recipe = parse_stage("r1_zero", ["--config", path])
    assert recipe.dtype == "float32" and recipe.prompt_column == "prompt" and recipe.warmup_steps == 0.1
    assert recipe.chat_format and recipe.template == "plain" and recipe.system_prompt.startswith("Think first")
    assert recipe.chat_template.startswith("{% for m in messages %}")
    logged = caplog.text
    assert "'torch_dtype' (open-r1) is 'dtype'" in logged and "'overwrite_output_dir' (open-r1) is ignored" in logged
    assert "'max_prompt_length' (open-r1) is ignored" in logged and "'benchmarks' (open-r1) is ignored" in logged
    assert "'callbacks' (open-r1) is empty" in logged
    assert main(["r1_zero", "--config", path, "--dry-run"]) == 0
    out = capsys.readouterr().out
    # The inline chat template is the one the checks render with: no prefill, and the tags survive.
    assert "no prefill" in out and "format tags survive decoding" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("callbacks: [push_to_hub_revision]\n", "callbacks: open-r1's callbacks"),
        ("push_to_hub_revision: true\n", "push_to_hub_revision"),
        ("dataset_mixture: {datasets: []}\n", "dataset mixtures are not supported"),
        ("dtype: float32\n", "sets both 'torch_dtype' (open-r1) and its successor 'dtype'"),
    ],
)
def test_open_r1_keys_that_would_change_the_run_are_refused(tmp_path, tiny_model_dir, capsys, extra, message):
    path = _write(tmp_path, OPEN_R1_GRPO.format(model=tiny_model_dir, out=tmp_path / "o") + extra)
    assert main(["r1_zero", "--config", path, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_open_r1_sft_recipe_trains_on_its_dataset_name(tmp_path, tiny_model_dir, capsys):
    text = f"model_name_or_path: {tiny_model_dir}\ntorch_dtype: float32\ndataset_name: org/some-traces\n"
    text += (
        f"dataset_config: all\noutput_dir: {tmp_path / 'o'}\nwarmup_ratio: 0.03\neos_token: <|im_end|>\nbf16: false\n"
    )
    path = _write(tmp_path, text)
    recipe = parse_stage("sft", ["--config", path])
    assert recipe.eval_after_training is False
    path = _write(tmp_path, text + "eval_after_training: true\n", "eval.yaml")
    assert main(["sft", "--config", path, "--dry-run"]) == 2
    assert "is the SFT data here" in capsys.readouterr().err


def test_the_stage_table_is_flat_and_names_the_comparison_switch():
    assert STAGES["reasoning_rl_no_lc"].run == STAGES["reasoning_rl"].run == STAGES["r1_zero"].run
    assert STAGES["reasoning_rl_no_lc"].options == {"use_language_consistency": False}
    assert "LanguageSwitchArguments" not in STAGES["all_scenarios_rl"].groups
    assert "RewardArguments" not in STAGES["sft"].groups and "SFTDataArguments" in STAGES["sft"].groups


def test_the_system_prompt_reaches_every_prompt(tmp_path, tiny_model_dir):
    from r1_trl.evaluation.evaluator import template_of

    recipe = parse_stage("r1_zero", ["--config", _write(tmp_path, OPEN_R1_GRPO.format(model=tiny_model_dir, out="o"))])
    turns = template_of(recipe).as_conversation("2 + 3 * 4")
    assert [t["role"] for t in turns] == ["system", "user"] and turns[1]["content"] == "2 + 3 * 4"
    assert turns[0]["content"] == recipe.system_prompt
    path = _write(
        tmp_path,
        GRPO_BASE.format(model=tiny_model_dir, out="o") + "system_prompt: hi\nchat_format: false\n",
        "plain.yaml",
    )
    with pytest.raises(ValueError, match="system_prompt needs chat_format"):
        parse_stage("r1_zero", ["--config", path])


def test_the_pipeline_runs_the_comparison_from_the_base_recipe():
    from r1_trl.stages.pipeline import load_pipeline

    spec = load_pipeline("recipes/tiny-moe/pipeline.yaml")
    assert spec.recipes["reasoning_rl_no_lc"] == spec.recipes["reasoning_rl"]
    recipe = parse_stage("reasoning_rl_no_lc", ["--config", str(spec.recipes["reasoning_rl"]), "--bf16", "false"])
    assert recipe.output_dir == str(spec.run_dir / "reasoning_rl_no_lc")
    assert "language_consistency" not in recipe.reward_funcs and len(recipe.reward_weights) == len(recipe.reward_funcs)


def test_reward_params_take_the_task_timeout(tmp_path, tiny_model_dir):
    grpo = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o") + "reward_timeout_s: 1.5\ncosine_max_len: 77\n"
    recipe = parse_stage("r1_zero", ["--config", _write(tmp_path, grpo)])
    params = recipe.reward_params(32, recipe.reward_timeout_s)
    assert params["timeout_s"] == 1.5 and params["cosine_max_len"] == 77 and params["max_completion_len"] == 32


def test_an_in_training_evaluation_is_honoured(tmp_path, tiny_model_dir):
    # open-r1's do_eval/eval_strategy: TRL evaluates on the held-out prompts, templated as the training ones.
    # Without an eval_dataset the Trainer would refuse the recipe.
    text = GRPO_BASE.format(model=tiny_model_dir, out=tmp_path / "o")
    text += "num_train_prompts: 8\nnum_test_prompts: 4\nmax_steps: 1\nmax_completion_length: 8\nreport_to: none\n"
    text += "save_strategy: 'no'\nper_device_eval_batch_size: 8\neval_after_training: false\ndifficulties: [1]\n"
    path = _write(tmp_path, text + "do_eval: true\neval_strategy: steps\neval_steps: 1\n")
    assert main(["r1_zero", "--config", path]) == 0
    history = json.loads((tmp_path / "o" / "stage.json").read_text())["history"]
    assert history["step"] == [1]


def test_an_output_dir_flag_is_kept_for_the_comparison(tmp_path):
    argv = ["--config", "recipes/tiny-moe/reasoning_rl.yaml", "--bf16", "false", "--output_dir", str(tmp_path / "x")]
    assert parse_stage("reasoning_rl_no_lc", argv).output_dir == str(tmp_path / "x")


def test_a_registry_name_flag_without_its_value_is_one_line(tmp_path):
    from r1_trl.stages.recipe import parse_stage

    with pytest.raises(ValueError, match=r"^the command line: argument --template: expected one argument$"):
        parse_stage("r1_zero", ["--output_dir", str(tmp_path), "--template"])
