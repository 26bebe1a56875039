"""`python -m r1_trl.release`: a finished base run becomes a release only as its recipe made it."""

import json

import pytest
import yaml

from r1_trl.release import MODEL_FILES, RELEASE_FILE, main, release

RECIPE = {
    "model_preset": "tiny-moe",
    "seed": 3,
    "corpus_documents": 1000,
    "direct_fraction": 0.75,
    "max_steps": 10,
    "per_device_train_batch_size": 4,
    "max_length": 32,
    "output_dir": "runs/x/base",
}


def _run(tmp_path, steps=10, tokens=10 * 4 * 32):
    run = tmp_path / "run"
    run.mkdir()
    for name in MODEL_FILES:
        (run / name).write_text(name)
    record = {
        "global_steps": steps,
        "train_tokens": tokens,
        "num_processes": 1,
        "num_parameters": 100,
        "num_active_parameters": 60,
        "model_type": "deepseek_v3",
        "train_seconds": 12.0,
        "accuracy_lenient": 0.4,
        "format_rate": 0.0,
        "mean_length": 9.0,
        "num_prompts": 8,
        "sampling": {"k": 4, "temperature": 0.6},
        "history": {"step": [5, 10], "loss": [2.0, 1.0]},
    }
    (run / "stage.json").write_text(json.dumps(record))
    recipe = tmp_path / "base.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    return run, recipe


def test_a_release_records_its_recipe_tokens_and_gate(tmp_path):
    run, recipe = _run(tmp_path)
    info = release(run, recipe, tmp_path / "out", {"output_dir": "/tmp/elsewhere"}, "gate: passed", {"passed": True})
    saved = json.loads((tmp_path / "out" / RELEASE_FILE).read_text())
    assert saved == json.loads(json.dumps(info))
    assert saved["recipe_values"] == {**RECIPE, "output_dir": "/tmp/elsewhere"}
    assert saved["train_tokens"] == 1280 and saved["gate_figures"] == {"passed": True}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "1,280" in card and "gate: passed" in card and "| 10 | 1.000 |" in card
    assert all((tmp_path / "out" / name).read_text() == name for name in MODEL_FILES)


def test_a_release_refuses_what_its_recipe_did_not_make(tmp_path):
    run, recipe = _run(tmp_path, steps=5, tokens=5 * 4 * 32)
    with pytest.raises(ValueError, match="saw 640 tokens in 5 steps; the recipe asks for 1280 in 10"):
        release(run, recipe, tmp_path / "out")
    run2, _ = _run(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    with pytest.raises(ValueError, match=r"override\(s\) \['direct_fraction'\] change what is trained"):
        release(run2, recipe, tmp_path / "out", {"direct_fraction": 0.5})
    assert not (tmp_path / "out").exists()


def test_the_release_command_fails_in_one_line(tmp_path, capsys):
    assert main(["--run", str(tmp_path), "--recipe", "x.yaml", "--to", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no finished stage to release" in err
