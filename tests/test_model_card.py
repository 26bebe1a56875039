"""The model card: huggingface_hub metadata the Hub can read back, with only Hub ids as `base_model`, and the body."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from huggingface_hub import ModelCard

from r1_trl.report.model_card import is_hub_id, model_card


def _trainer(base: str, output_dir: str = "runs/x/r1_zero", **args: object) -> SimpleNamespace:
    return SimpleNamespace(
        args=SimpleNamespace(output_dir=output_dir, **args),
        model=SimpleNamespace(config=SimpleNamespace(_name_or_path=base)),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Qwen/Qwen2.5-Math-7B", True),
        ("gpt2", True),
        ("runs/tiny-moe/base", False),
        ("/abs/path", False),
        ("./base", False),
        ("~/models/base", False),
        ("built from scratch", False),
        ("embedded:arithmetic", False),
        ("", False),
        (None, False),
    ],
)
def test_hub_ids_are_told_from_paths(name, expected):
    assert is_hub_id(name) is expected


def test_an_existing_local_folder_is_no_hub_id_even_when_spelled_like_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org" / "name").mkdir(parents=True)
    assert not is_hub_id("org/name") and is_hub_id("org/other")
    card = ModelCard(str(model_card(_trainer("org/name"), "sft", {})))
    assert card.data.base_model is None and "- base model: `org/name`" in card.text


@pytest.mark.parametrize("base", ["runs/tiny-moe/base", "/abs/path/base", ""])
def test_a_local_or_missing_base_model_stays_out_of_the_metadata(base, tmp_path):
    card = model_card(_trainer(base), "base", {"global_steps": 3})
    path = tmp_path / "README.md"
    card.save(path)
    loaded = ModelCard.load(path)
    assert loaded.data.base_model is None and "base_model" not in loaded.data.to_dict()
    assert loaded.data.library_name == "transformers" and loaded.data.tags == ["r1-trl", "base"]
    # The body still says where the model came from.
    assert f"- base model: `{base or 'built from scratch'}`" in loaded.text


def test_a_hub_base_model_and_dataset_are_in_the_metadata(tmp_path):
    card = model_card(
        _trainer("Qwen/Qwen2.5-Math-7B"), "r1_zero", {}, SimpleNamespace(dataset_name="org/math", template="r1_zero")
    )
    card.save(tmp_path / "README.md")
    data = ModelCard.load(tmp_path / "README.md").data
    assert data.base_model == "Qwen/Qwen2.5-Math-7B" and data.datasets == ["org/math"]
    local = model_card(_trainer("gpt2"), "sft", {}, SimpleNamespace(sft_dataset=str(tmp_path), template="plain"))
    assert local.data.datasets is None and f"- data: `{tmp_path}` (template `plain`)" in local.text


def test_the_grpo_model_card_records_rewards_values_and_evaluation():
    trainer = _trainer("Qwen/Qwen2.5-Math-7B", reward_weights=[1.0, 0.5], beta=0.001, num_generations=8)
    trainer.reward_funcs = [SimpleNamespace(__name__="accuracy"), SimpleNamespace(__name__="format")]
    entry = {"pass@1": 0.745, "global_steps": 200, "num_processes": 8, "sampling": {"k": 4, "temperature": 0.6}}
    card = model_card(
        trainer, "r1_zero", entry, SimpleNamespace(dataset_name="embedded:arithmetic", template="r1_zero")
    )
    text = card.text
    assert text.lstrip().startswith("# r1_zero\n") and "stage **`r1_zero`**" in text
    assert "- data: `embedded:arithmetic` (template `r1_zero`)" in text and "- steps: 200, processes: 8" in text
    assert "| accuracy | 1.0 |" in text and "| format | 0.5 |" in text
    assert "| beta | 0.001 |" in text and "| num_generations | 8 |" in text
    assert "sampling {'k': 4, 'temperature': 0.6}" in text and "| pass@1 | 0.745 |" in text
    assert card.data.base_model == "Qwen/Qwen2.5-Math-7B" and card.data.datasets is None
