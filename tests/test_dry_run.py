"""`--dry-run`: every recipe in the repo passes it, and it catches what would otherwise fail hours later."""

from pathlib import Path

import pytest

from r1_trl.cli import main
from r1_trl.stages import STAGES
from r1_trl.stages.dry_run import check_tokenizer

# Pipeline files (pipeline.yaml, pipeline_<name>.yaml) list stages; they are not stage recipes.
RECIPES = sorted(p for p in Path("recipes").rglob("*.yaml") if not p.name.startswith("pipeline"))


def stage_of(recipe: Path) -> str:
    """`<stage>.yaml` or `<stage>_<variant>.yaml`: the longest stage name the file name starts with."""
    stem = recipe.stem
    names = [s for s in STAGES if stem == s or stem.startswith(f"{s}_")]
    assert names, f"{recipe} is not named after a stage"
    return max(names, key=len)


@pytest.mark.parametrize("recipe", RECIPES, ids=[str(p) for p in RECIPES])
def test_every_recipe_passes_dry_run(recipe, capsys):
    assert main([stage_of(recipe), "--config", str(recipe), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "--dry-run: OK" in out and "effective configuration" in out


def test_dry_run_counts_the_processes_of_the_accelerate_config(tmp_path, capsys):
    accelerate = tmp_path / "acc.yaml"
    # 4 per device x 2 processes = one group of 8: valid for that launch, and only for it.
    argv = ["--config", "recipes/tiny-moe/r1_zero.yaml", "--per_device_train_batch_size", "4", "--dry-run"]
    accelerate.write_text("distributed_type: MULTI_GPU\nnum_processes: 2\n")
    assert main(["r1_zero", *argv, "--accelerate_config", str(accelerate)]) == 0
    assert "for 2 process(es)" in capsys.readouterr().out
    accelerate.write_text("distributed_type: MULTI_GPU\nnum_processes: 3\n")
    assert main(["r1_zero", *argv, "--accelerate_config", str(accelerate)]) == 2
    err = capsys.readouterr().err
    assert "processes (3)" in err and "num_generations (8)" in err


def test_dry_run_names_an_unknown_reward(tmp_path, capsys):
    recipe = tmp_path / "r1_zero.yaml"
    recipe.write_text(
        Path("recipes/tiny-moe/r1_zero.yaml").read_text().replace("[accuracy, format]", "[accuracy, formt]")
    )
    assert main(["r1_zero", "--config", str(recipe), "--dry-run"]) == 2
    assert "unknown reward 'formt'" in capsys.readouterr().err


def test_tokenizer_checks(tiny_tokenizer):
    notes = check_tokenizer(tiny_tokenizer, "r1_zero", chat=False, max_completion_length=64)
    assert any("shortest well-formed answer" in n for n in notes)
    with pytest.raises(ValueError, match="below the .* tokens of the shortest"):
        check_tokenizer(tiny_tokenizer, "r1_zero", chat=False, max_completion_length=5)


def test_special_tags_and_a_prefilled_think_are_caught(tiny_tokenizer):
    import copy

    tokenizer = copy.deepcopy(tiny_tokenizer)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<think>"]})
    with pytest.raises(ValueError, match="special tokens"):
        check_tokenizer(tokenizer, "r1_zero", chat=False, max_completion_length=64)
    prefilling = copy.deepcopy(tiny_tokenizer)
    prefilling.chat_template = (
        "{% for m in messages %}{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<think>\n{% endif %}"
    )
    notes = check_tokenizer(prefilling, "r1_zero", chat=True, max_completion_length=64)
    assert any("prefills '<think>\\n'" in n for n in notes)


def test_a_chat_template_path_is_checked_as_the_trainer_will_use_it(tiny_model_dir, tmp_path):
    from types import SimpleNamespace

    from r1_trl.stages.dry_run import _tokenizer_checks

    jinja = tmp_path / "think.jinja"
    jinja.write_text(
        "{% for m in messages %}{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<think>\n{% endif %}"
    )
    script = SimpleNamespace(template="r1_zero", chat_format=True)
    model = SimpleNamespace(model_name_or_path=str(tiny_model_dir))
    notes = _tokenizer_checks(script, SimpleNamespace(chat_template_path=str(jinja), max_length=64), model)
    assert any("prefills '<think>\\n'" in n for n in notes)
    missing = SimpleNamespace(chat_template_path=str(tmp_path / "nope.jinja"))
    assert "not readable here" in _tokenizer_checks(script, missing, model)[0]
