"""LoRA and QLoRA by recipe switches: the stage commands train adapters only, save them to `output_dir/adapter`, merge
them into a full model at `output_dir`, and refuse the switch combinations that cannot train."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
from trl import ModelConfig

from r1_trl.cli import main
from r1_trl.configs import R1GRPOConfig
from r1_trl.data import make_problems
from r1_trl.models import ADAPTER_DIR, build_model, load_causal_lm, quantization_kwargs, save_lora


def _write(path, fields):
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return path


def _eval_fields(tmp_path):
    return {
        "report_path": tmp_path / "report.json",
        "use_cpu": "true",
        "bf16": "false",
        "gradient_checkpointing": "false",
        "report_to": "none",
        "save_strategy": "'no'",
        "num_test_prompts": 4,
        "eval_k": 1,
        "eval_max_tokens": 8,
    }


@pytest.fixture(scope="module")
def tiny_dense_dir(tmp_path_factory, tiny_tokenizer):
    """A tiny dense Qwen2: every linear size is a multiple of 32, which bitsandbytes' CPU 4-bit kernels need."""
    path = tmp_path_factory.mktemp("tiny-dense")
    build_model("tiny-dense", tiny_tokenizer, seed=0).save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def sft_data(tmp_path_factory):
    rows = [
        {
            "messages": [
                {"role": "user", "content": p.question("en")},
                {"role": "assistant", "content": f"<think>{p.expression}</think> {p.answer}"},
            ]
        }
        for p in make_problems(16, "train", difficulties=(1,))
    ]
    path = tmp_path_factory.mktemp("sft-data") / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _lora_tensors(out):
    return load_file(str(out / ADAPTER_DIR / "adapter_model.safetensors"))


def _check_merged(out, base_dir, tensors):
    """The merged model loads as a plain causal LM and differs from its base only in the adapted modules."""
    merged = AutoModelForCausalLM.from_pretrained(out)
    base = AutoModelForCausalLM.from_pretrained(base_dir)
    assert not hasattr(merged, "peft_config") and getattr(merged.config, "quantization_config", None) is None
    # `base_model.model.<module>[.base_layer].lora_A.weight`: a fused-experts module nests one wrapper per parameter.
    adapted = {k.removeprefix("base_model.model.").split(".lora_")[0].replace(".base_layer", "") for k in tensors}
    merged_sd = merged.state_dict()
    changed = {name for name, value in base.state_dict().items() if not torch.equal(merged_sd[name], value)}
    assert changed, "the merge changed nothing"
    assert {name.rsplit(".", 1)[0] for name in changed} <= adapted, "a weight outside the adapter changed"
    return merged


def test_lora_grpo_stage_trains_the_adapter_and_merges_it(tmp_path, tiny_model_dir):
    out = tmp_path / "r1_zero"
    recipe = _write(
        tmp_path / "r1_zero.yaml",
        {
            "model_name_or_path": tiny_model_dir,
            "output_dir": out,
            **_eval_fields(tmp_path),
            "num_train_prompts": 16,
            "difficulties": "[1]",
            "reward_funcs": "[accuracy, format, tests.conftest.length_reward]",
            "max_steps": 2,
            "per_device_train_batch_size": 8,
            "num_generations": 4,
            "max_completion_length": 12,
            "learning_rate": 1.0e-2,
            "sync_ref_model": "false",
            "logging_steps": 1,
            "use_peft": "true",
            "lora_r": 4,
            "lora_alpha": 8,
            "lora_target_modules": "[all-linear]",
            "lora_dropout": 0.0,  # all-linear reaches the fused experts too, whose LoRA takes no dropout
        },
    )
    assert main(["r1_zero", "--config", str(recipe)]) == 0
    # The adapter in adapter/, the merged model (and no adapter file) in output_dir.
    assert (out / ADAPTER_DIR / "adapter_config.json").exists() and (out / "config.json").exists()
    assert not (out / "adapter_config.json").exists()
    tensors = _lora_tensors(out)
    assert tensors and all(".lora_A." in k or ".lora_B." in k for k in tensors)
    assert {v.dtype for v in tensors.values()} == {torch.float32}
    # lora_B starts at zero: non-zero means the adapter trained.
    assert any(v.abs().sum() > 0 for k, v in tensors.items() if ".lora_B." in k)
    merged = _check_merged(out, tiny_model_dir, tensors)
    assert merged.config.model_type == "deepseek_v3"
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["r1_zero"]
    assert entry["lora"]["merged"] is True and entry["global_steps"] == 2
    assert "pass@1" in entry  # evaluated on the PeftModel itself


def test_load_in_4bit_gives_bitsandbytes_layers(tiny_dense_dir):
    import bitsandbytes as bnb

    args = ModelConfig(model_name_or_path=str(tiny_dense_dir), use_peft=True, load_in_4bit=True)
    training_args = R1GRPOConfig(output_dir="unused", use_cpu=True, num_generations=2, per_device_train_batch_size=2)
    model = load_causal_lm(str(tiny_dense_dir), **quantization_kwargs(args, training_args))
    linears = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert model.is_loaded_in_4bit
    assert {n for n, m in linears.items() if not isinstance(m, bnb.nn.Linear4bit)} == {"lm_head"}
    assert quantization_kwargs(ModelConfig(model_name_or_path="x"), training_args) == {}


def test_qlora_sft_stage_trains_and_merges_unquantized(tmp_path, tiny_dense_dir, sft_data):
    out = tmp_path / "sft"
    recipe = _write(
        tmp_path / "sft.yaml",
        {
            "model_name_or_path": tiny_dense_dir,
            "sft_dataset": sft_data,
            "output_dir": out,
            **_eval_fields(tmp_path),
            "packing": "false",
            "max_length": 64,
            "per_device_train_batch_size": 8,
            "max_steps": 2,
            "learning_rate": 1.0e-2,
            "use_peft": "true",
            "lora_r": 4,
            "lora_alpha": 8,
            "lora_target_modules": "[all-linear]",
            "load_in_4bit": "true",
            "bnb_4bit_quant_type": "nf4",
        },
    )
    assert main(["sft", "--config", str(recipe)]) == 0
    tensors = _lora_tensors(out)
    assert any(v.abs().sum() > 0 for k, v in tensors.items() if ".lora_B." in k)
    # TRL casts the adapter to bf16 only on a quantized base: this run was QLoRA.
    assert {v.dtype for v in tensors.values()} == {torch.bfloat16}
    assert not (out / "adapter_config.json").exists()
    # Merged into the base reloaded in full precision: no 4-bit layer, no quantization config.
    merged = _check_merged(out, tiny_dense_dir, tensors)
    assert merged.generation_config.eos_token_id == merged.config.eos_token_id is not None
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["sft"]
    assert entry["lora"]["merged"] is True and "pass@1" in entry


def test_without_merge_the_output_holds_the_adapter_only(tmp_path, tiny_dense_dir, tiny_tokenizer):
    from peft import LoraConfig, get_peft_model

    base = AutoModelForCausalLM.from_pretrained(tiny_dense_dir)
    model = get_peft_model(base, LoraConfig(r=2, target_modules="all-linear", task_type="CAUSAL_LM"))
    out = tmp_path / "stage"
    model.save_pretrained(out / ADAPTER_DIR)
    tiny_tokenizer.save_pretrained(out)
    (out / "adapter_config.json").write_text("{}")  # a stray copy, as Trainer's hub pushes leave
    assert save_lora(model, tiny_tokenizer, out, merge=False) is False
    assert not (out / "adapter_config.json").exists() and not (out / "config.json").exists()
    with pytest.raises(ValueError, match="merge_lora: true"):
        load_causal_lm(str(out))


@pytest.mark.parametrize("bits", [None, 4])
def test_lora_reward_model_trains_adapter_and_head_and_merges_them(tmp_path, tiny_dense_dir, bits):
    out = tmp_path / "rm"
    fields = {
        "model_name_or_path": tiny_dense_dir,
        "output_dir": out,
        "kinds": "[harmlessness]",
        "max_test_pairs": 16,
        "use_cpu": "true",
        "bf16": "false",
        "report_to": "none",
        "save_strategy": "'no'",
        "max_steps": 3,
        "per_device_train_batch_size": 4,
        "learning_rate": 1.0e-2,
        "max_length": 256,
        "use_peft": "true",
        "lora_r": 4,
        "lora_alpha": 8,
        "lora_target_modules": "[all-linear]",
    }
    if bits:
        fields.update({"load_in_4bit": "true", "bnb_4bit_quant_type": "nf4", "dtype": "bfloat16"})
    assert main(["reward_model", "--config", str(_write(tmp_path / "rm.yaml", fields))]) == 0
    kind = out / "harmlessness"
    tensors = _lora_tensors(kind)
    assert any(v.abs().sum() > 0 for k, v in tensors.items() if ".lora_B." in k)
    # peft's SEQ_CLS task saves the score head with the adapter: without it the merged head would be random.
    heads = [k for k in tensors if ".score." in k]
    assert heads, sorted(tensors)[:5]
    merged = AutoModelForSequenceClassification.from_pretrained(kind)
    assert merged.config.num_labels == 1 and getattr(merged.config, "quantization_config", None) is None
    assert not (kind / "adapter_config.json").exists()
    assert torch.equal(merged.score.weight, tensors[heads[0]].to(merged.score.weight.dtype))
    entry = json.loads((out / "stage.json").read_text())["harmlessness"]
    assert entry["pair_accuracy"] is not None and entry["pair_accuracy_untrained"] is not None
    assert json.loads((kind / "stage.json").read_text())["lora"]["merged"] is True


@pytest.mark.parametrize(
    ("stage", "fields", "message"),
    [
        ("sft", {"load_in_4bit": "true"}, "load_in_4bit needs use_peft: true"),
        ("r1_zero", {"load_in_8bit": "true"}, "load_in_8bit needs use_peft: true"),
        ("sft", {"use_peft": "true", "load_in_4bit": "true", "load_in_8bit": "true"}, "8 bit and 4 bit"),
        ("r1_zero", {"use_peft": "true", "sync_ref_model": "true"}, "use_peft needs sync_ref_model: false"),
        ("base", {"use_peft": "true"}, "unknown recipe key 'use_peft'"),
        ("reward_model", {"use_peft": "true"}, "use_peft needs a pretrained model_name_or_path"),
        ("reward_model", {"model_name_or_path": "x", "load_in_4bit": "true"}, "load_in_4bit needs use_peft: true"),
        (
            "reward_model",
            {"model_name_or_path": "x", "use_peft": "true", "load_in_8bit": "true"},
            "QLoRA reward models need dtype: bfloat16",
        ),
    ],
)
def test_bad_combinations_are_one_line_errors(tmp_path, capsys, stage, fields, message):
    common = {"output_dir": tmp_path / "o", "bf16": "false"}
    own = {
        "sft": {"model_name_or_path": tmp_path, "sft_dataset": tmp_path / "x.jsonl"},
        "r1_zero": {"model_name_or_path": tmp_path, "num_generations": 2, "per_device_train_batch_size": 2},
        "base": {},
        "reward_model": {"tokenizer_name_or_path": tmp_path},
    }[stage]
    recipe = _write(tmp_path / "r.yaml", {**common, **own, **fields})
    assert main([stage, "--config", str(recipe)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith(f"r1-trl {stage}:")]
    assert len(err) == 1 and message in err[0], err
