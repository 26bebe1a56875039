import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl.configs import R1GRPOConfig
from r1_trl.data import make_problems, to_rows
from r1_trl.trainers import R1GRPOTrainer


def _args(tmp_path, **kw):
    base = dict(
        output_dir=str(tmp_path / "out"),
        max_steps=2,
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=16,
        learning_rate=1e-2,
        beta=0.001,
        loss_type="dapo",
        temperature=1.0,
        bf16=False,
        gradient_checkpointing=False,
        report_to="none",
        save_strategy="no",
        logging_steps=1,
        use_cpu=True,
        seed=0,
    )
    return R1GRPOConfig(**{**base, **kw})


def test_two_grpo_steps_change_the_weights(tmp_path, tiny_model_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    data = Dataset.from_list(to_rows(make_problems(16, "train", difficulties=(1,))))
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=["accuracy", "format", "tests.conftest.length_reward"],
        args=_args(tmp_path),
        train_dataset=data,
        processing_class=tok,
        template="r1_zero",
    )
    assert trainer.reward_func_names == ["accuracy", "format", "length_reward"]
    # The template was applied, in each row's language.
    prompts = trainer.train_dataset["prompt"]
    assert any(p.startswith("A conversation between User and Assistant.") for p in prompts)
    assert any(p.startswith("用戶和助手之間的對話。") for p in prompts)
    trainer.train()
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    assert changed, "GRPO did not change any weight"
    history = trainer.state.log_history
    assert any("rewards/accuracy/mean" in h for h in history) and any("rewards/format/mean" in h for h in history)
    # Every reward is guarded; the built-in ones never fail, even on an untrained model's noise.
    failures = [h[f"reward_failures/{name}"] for h in history for name in trainer.reward_func_names if "loss" in h]
    assert failures and all(v == 0.0 for v in failures)
    assert not hasattr(trainer, "log_samples")


def test_prefilled_chat_template_is_prepended_for_rewards(tmp_path, tiny_model_dir):
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    tok.chat_template = tok.chat_template.replace("<|assistant|>\n{% endif %}", "<|assistant|>\n<think>\n{% endif %}")
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    data = Dataset.from_list(to_rows(make_problems(8, "train", difficulties=(1,))))
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=["format"],
        args=_args(tmp_path, max_steps=1),
        train_dataset=data,
        processing_class=tok,
        chat=True,
    )
    assert trainer.prefix == "<think>\n"
    completion = "2 + 3 = 5.\n</think>\n<answer>\n5\n</answer>"
    assert trainer.reward_funcs[0]([completion]) == [1.0]
    assert trainer.reward_funcs[0].__name__ == "format"
