"""Two CPU ranks through `accelerate launch`, checked by the world size the run itself recorded.

`accelerate launch --cpu --num_processes 2` silently starts one process, which is why this test exists.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_r1_zero_under_accelerate_with_two_cpu_ranks(tmp_path, tiny_model_dir):
    recipe = tmp_path / "r1_zero.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"model_name_or_path: {tiny_model_dir}",
                f"output_dir: {tmp_path / 'out'}",
                "num_train_prompts: 32",
                "reward_funcs: [accuracy, format, tests.conftest.length_reward]",
                "per_device_train_batch_size: 4",
                "num_generations: 4",
                "max_completion_length: 12",
                "max_steps: 2",
                "bf16: false",
                "gradient_checkpointing: false",
                "report_to: none",
                "save_strategy: 'no'",
                "eval_after_training: false",
            ]
        )
        + "\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(ROOT / "accelerate_configs/multi_cpu.yaml"),
        "-m",
        "r1_trl",
        "r1_zero",
        "--config",
        str(recipe),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "out" / "stage.json").read_text())
    assert result["num_processes"] == 2
    assert result["global_steps"] == 2
    assert (tmp_path / "out" / "model.safetensors").exists()


def test_sft_under_accelerate_with_two_cpu_ranks(tmp_path, tiny_model_dir):
    data = tmp_path / "train.jsonl"
    with data.open("w") as f:
        for i in range(16):
            answer = f"|special_token|\nFirst, {i} + 1 = {i + 1}.\n|special_token|\n{i + 1}"
            messages = [{"role": "user", "content": f"Compute {i} + 1."}, {"role": "assistant", "content": answer}]
            f.write(json.dumps({"messages": messages}) + "\n")
    recipe = tmp_path / "sft.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"model_name_or_path: {tiny_model_dir}",
                f"sft_dataset: {data}",
                f"output_dir: {tmp_path / 'out'}",
                "template: readable",
                "chat_format: true",
                "per_device_train_batch_size: 4",
                "max_length: 64",
                "max_steps: 2",
                "bf16: false",
                "gradient_checkpointing: false",
                "report_to: none",
                "save_strategy: 'no'",
                "eval_after_training: false",
            ]
        )
        + "\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    config = str(ROOT / "accelerate_configs/multi_cpu.yaml")
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", config, "-m", "r1_trl", "sft"]
    proc = subprocess.run(
        [*cmd, "--config", str(recipe)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "out" / "stage.json").read_text())
    assert result["num_processes"] == 2 and result["global_steps"] == 2
    assert (tmp_path / "out" / "model.safetensors").exists()
