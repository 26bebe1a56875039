"""The Hub paths offline (HF_HUB_OFFLINE=1, set by conftest): one clear line, nothing local lost."""

import json
from types import SimpleNamespace

import pytest
from huggingface_hub import ModelCard

from r1_trl.cli import main
from r1_trl.trainers.hub import CheckpointRevisionCallback, push_dataset, revision_name
from r1_trl.trainers.run import STAGE_FILE
from tests.test_stages import _tiny_base_recipe


def test_an_offline_model_push_is_one_line_and_keeps_the_run(tmp_path, capsys, monkeypatch):
    recipe = _tiny_base_recipe(tmp_path)
    recipe.write_text(recipe.read_text() + "push_to_hub: true\nhub_model_id: nobody/tiny-r1\n")
    assert main(["base", "--config", str(recipe)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("r1-trl")]
    assert len(err) == 1 and "Hub" in err[0] and "nobody/tiny-r1" in err[0]
    # Refused before training: the run costs nothing, and nothing half-done is left to mistake for a result.
    assert not (tmp_path / "base" / STAGE_FILE).exists()


def test_a_push_that_fails_after_training_keeps_every_artifact(tmp_path, capsys, monkeypatch):
    """The Hub was reachable at the start and is not at the end: the model, eval and card stay on disk."""
    from r1_trl.trainers.hub import HubRepoMixin

    def reachable(self, token=None, private=None):
        self.hub_model_id, self.push_in_progress = "nobody/tiny-r1", None

    monkeypatch.setattr(HubRepoMixin, "init_hf_repo", reachable)
    recipe = _tiny_base_recipe(tmp_path)
    recipe.write_text(recipe.read_text() + "push_to_hub: true\nhub_model_id: nobody/tiny-r1\n")
    assert main(["base", "--config", str(recipe)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("r1-trl")]
    assert len(err) == 1 and "nothing is lost" in err[0] and str(tmp_path / "base") in err[0]
    out = tmp_path / "base"
    assert (out / "model.safetensors").exists() and (out / STAGE_FILE).exists()
    card = (out / "README.md").read_text()
    assert "stage **`base`**" in card and "## Evaluation" in card
    # Built from scratch: the Hub must not be told of a base model.
    assert ModelCard.load(out / "README.md").data.base_model is None
    assert json.loads((tmp_path / "report.json").read_text())["stages"]["base"]["global_steps"] == 3


def test_an_offline_dataset_push_names_the_kept_file(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text('{"messages": []}\n')
    with pytest.raises(ValueError, match="nothing is lost") as err:
        push_dataset(data, "nobody/data")
    assert str(data) in str(err.value) and "\n" not in str(err.value) and data.exists()


def test_checkpoint_revisions_are_named_by_step_and_never_stop_training(tmp_path, caplog):
    (tmp_path / "checkpoint-50").mkdir()
    callback = CheckpointRevisionCallback("nobody/tiny-r1")
    state = SimpleNamespace(is_world_process_zero=True, global_step=50)
    callback.on_save(SimpleNamespace(output_dir=str(tmp_path)), state, None)  # offline: logged, not raised
    assert revision_name(50) == "step-50" and "could not push" in caplog.text and "step-50" in caplog.text
