"""Each kind of bad input ends in one line that names the problem, with exit status 2."""

import json

import pytest

from r1_trl.cli import main

RECIPE = "recipes/tiny-moe/r1_zero.yaml"


def _run(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    message = [line for line in err if "r1-trl" in line]
    assert len(message) == 1, err
    assert "Traceback" not in "\n".join(err)
    return message[0]


def _recipe(tmp_path, tiny_model_dir, **overrides):
    lines = [
        f"model_name_or_path: {tiny_model_dir}",
        f"output_dir: {tmp_path / 'out'}",
        "report_to: none",
        "per_device_train_batch_size: 8",
        "num_generations: 4",
        "max_steps: 1",
        "bf16: false",
        "gradient_checkpointing: false",
        "num_train_prompts: 16",
    ]
    lines += [f"{k}: {json.dumps(v)}" for k, v in overrides.items()]
    path = tmp_path / "recipe.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_unknown_recipe_key(capsys, tmp_path, tiny_model_dir):
    msg = _run(capsys, "r1_zero", "--config", _recipe(tmp_path, tiny_model_dir, num_generation=8))
    assert "unknown recipe key 'num_generation'" in msg and "num_generations" in msg


def test_unknown_reward_lists_known(capsys, tmp_path, tiny_model_dir):
    msg = _run(capsys, "r1_zero", "--config", _recipe(tmp_path, tiny_model_dir, reward_funcs=["acuracy"]))
    assert "unknown reward 'acuracy'" in msg and "accuracy" in msg and "format" in msg


def test_batch_not_divisible_shows_arithmetic(capsys, tmp_path, tiny_model_dir):
    msg = _run(
        capsys,
        "r1_zero",
        "--config",
        _recipe(tmp_path, tiny_model_dir, per_device_train_batch_size=6, num_generations=4),
    )
    assert "6" in msg and "num_generations (4)" in msg and "= 6" in msg


def test_dataset_without_solution_column(capsys, tmp_path, tiny_model_dir):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(json.dumps({"prompt": "What is 1 + 1?", "answer": "2"}) + "\n")
    msg = _run(capsys, "r1_zero", "--config", _recipe(tmp_path, tiny_model_dir, dataset_name=str(data)))
    assert "'solution'" in msg and "answer" in msg


def test_missing_model_path(capsys, tmp_path):
    msg = _run(
        capsys,
        "r1_zero",
        "--config",
        RECIPE,
        "--model_name_or_path",
        str(tmp_path / "nope"),
        "--output_dir",
        str(tmp_path / "out"),
    )
    assert "does not exist" in msg and "nope" in msg


def test_unreachable_hub_model(capsys, tmp_path):
    msg = _run(
        capsys,
        "r1_zero",
        "--config",
        RECIPE,
        "--model_name_or_path",
        "no-such-org/no-such-model",
        "--output_dir",
        str(tmp_path / "out"),
    )
    assert "no-such-org/no-such-model" in msg and "Hub" in msg


def test_unknown_stage(capsys):
    msg = _run(capsys, "r2_zero", "--config", RECIPE)
    assert "unknown stage 'r2_zero'" in msg and "r1_zero" in msg


@pytest.mark.parametrize("bad", ["[1, 2", "- a\n- b"])
def test_malformed_recipe(capsys, tmp_path, bad):
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    msg = _run(capsys, "r1_zero", "--config", str(path))
    assert str(path) in msg


def test_dataset_columns_map_to_prompt_and_solution(tmp_path):
    import json

    from r1_trl.configs import R1ScriptArguments
    from r1_trl.data import load_prompts

    rows = [{"problem": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(3)]
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    args = R1ScriptArguments(dataset_name=str(tmp_path), prompt_column="problem", solution_column="answer")
    ds = load_prompts(args, "train")
    assert ds["prompt"][0] == "What is 0 + 1?" and ds["solution"][2] == "3"
    with pytest.raises(ValueError, match="has no 'solution' column"):
        load_prompts(R1ScriptArguments(dataset_name=str(tmp_path), prompt_column="problem"), "train")
