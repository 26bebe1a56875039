"""In-stage evaluation of a model trained under ZeRO-3 or FSDP: rank 0 holds only shards of each weight, so it
evaluates the whole model the stage saved instead, and the stages refuse an evaluation they could not run."""

import pytest
import torch
from transformers import AutoModelForCausalLM

from r1_trl.cli import main
from r1_trl.configs import R1ScriptArguments
from r1_trl.evaluation.evaluator import make_evaluator

EVAL = {"num_test_prompts": 6, "eval_k": 2, "eval_max_tokens": 8, "eval_temperature": 0.0}


def _shard(model):
    # What ZeRO-3 leaves in each module on a rank: parameters partitioned away to empty tensors.
    for p in model.parameters():
        p.data = torch.empty(0, dtype=p.dtype)
    return model


def test_a_sharded_model_is_evaluated_from_its_saved_folder(tiny_model_dir, tiny_tokenizer):
    args = R1ScriptArguments(**EVAL)
    evaluator = make_evaluator(args, tiny_tokenizer, model_dir=str(tiny_model_dir))
    expected = evaluator(AutoModelForCausalLM.from_pretrained(tiny_model_dir))
    sharded = _shard(AutoModelForCausalLM.from_pretrained(tiny_model_dir))
    assert evaluator(sharded) == expected
    assert expected["examples"] and expected["num_prompts"] == 6
    with pytest.raises(ValueError, match="sharded"):
        make_evaluator(args, tiny_tokenizer)(sharded)


def test_an_unsharded_model_is_evaluated_as_it_is(tiny_model_dir, tiny_tokenizer, tmp_path):
    # A folder that holds no model: evaluating the live model must not touch it.
    evaluator = make_evaluator(R1ScriptArguments(**EVAL), tiny_tokenizer, model_dir=str(tmp_path))
    assert evaluator(AutoModelForCausalLM.from_pretrained(tiny_model_dir))["num_prompts"] == 6


def test_vllm_evaluation_of_an_unmerged_lora_stage_is_refused_before_training(tmp_path, capsys, tiny_model_dir):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"model_name_or_path: {tiny_model_dir}\noutput_dir: {tmp_path / 'o'}\nbf16: false\nnum_generations: 2\n"
        "per_device_train_batch_size: 2\nuse_peft: true\nsync_ref_model: false\nmerge_lora: false\n"
        "eval_backend: vllm\n"
    )
    for extra in ([], ["--dry-run"]):
        assert main(["r1_zero", "--config", str(recipe), *extra]) == 2
        err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("r1-trl r1_zero:")]
        assert len(err) == 1 and "merge_lora: true" in err[0], err
    assert not (tmp_path / "o").exists()
