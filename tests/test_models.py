import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl.models import REASONING_TAGS, active_parameters, build_model


def test_tags_are_single_non_special_tokens(tiny_tokenizer):
    seed = "<think>\n運算順序:先乘後加。3 * 4 = 12。2 + 12 = 14\n</think>\n<answer>\n14\n</answer>"
    ids = tiny_tokenizer(seed).input_ids
    # GRPOTrainer decodes with skip_special_tokens=True: special tags would vanish and zero every reward.
    assert tiny_tokenizer.decode(ids, skip_special_tokens=True) == seed
    for tag in REASONING_TAGS:
        assert len(tiny_tokenizer(tag).input_ids) == 1
        assert tag not in tiny_tokenizer.all_special_tokens
    assert tiny_tokenizer.convert_tokens_to_ids("3") != tiny_tokenizer.convert_tokens_to_ids("4")
    assert len(tiny_tokenizer("1234").input_ids) == 4  # every digit its own token


def test_saved_tokenizer_keeps_padding_side_and_template(tiny_model_dir):
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert tok.padding_side == "left"
    assert tok.pad_token and tok.eos_token and tok.pad_token != tok.eos_token
    out = tok.apply_chat_template(
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "14"}],
        return_assistant_tokens_mask=True,
        return_dict=True,
    )
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tok.decode(masked) == "14<|end|>"


def test_tiny_moe_is_a_real_moe_and_reloads_bit_identically(tiny_model_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    cfg = model.config
    assert cfg.model_type == "deepseek_v3"
    assert cfg.n_routed_experts > cfg.num_experts_per_tok >= 2 and cfg.n_shared_experts >= 1
    assert cfg.kv_lora_rank and cfg.q_lora_rank  # MLA
    n = sum(p.numel() for p in model.parameters())
    assert 0.5e6 < n < 5e6
    names = [name for name, _ in model.named_modules()]
    assert any(name.endswith("mlp.gate") for name in names) and any("shared_experts" in name for name in names)
    again = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    for (k, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    x = torch.tensor([[1, 2, 3, 4]])
    assert torch.equal(model(x).logits, again(x).logits)


def test_models_that_only_sample_go_to_the_process_device(tiny_model_dir, monkeypatch):
    import accelerate

    from r1_trl.models import load_for_generation

    # On a GPU machine PartialState().device is this rank's GPU; "meta" stands in for it here.
    monkeypatch.setattr(accelerate, "PartialState", lambda: type("State", (), {"device": torch.device("meta")})())
    model = load_for_generation(str(tiny_model_dir))
    assert model.device.type == "meta"
    assert model.dtype == AutoModelForCausalLM.from_pretrained(tiny_model_dir).dtype


def test_active_parameters_count_k_of_n_routed_experts(tiny_tokenizer):
    moe = build_model("tiny-moe", tiny_tokenizer)
    cfg = moe.config
    total = sum(p.numel() for p in moe.parameters())
    routed = sum(p.numel() for n, p in moe.named_parameters() if ".mlp.experts." in n)
    assert routed > 0
    assert active_parameters(moe) == total - routed + routed * cfg.num_experts_per_tok // cfg.n_routed_experts
    dense = build_model("tiny-dense", tiny_tokenizer)
    assert active_parameters(dense) == sum(p.numel() for p in dense.parameters())
