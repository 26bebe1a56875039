"""`reward_model`: a tiny random Qwen2 sequence classifier stands in for a real reward model.

An untrained model's scores mean nothing, but they are a deterministic function of the exact token sequence, so
equal inputs must score equal and different inputs differently: that is what these tests check.
"""

import logging
import pickle

import pytest
import torch
from transformers import Qwen2ForSequenceClassification

from r1_trl.models import build_reward_model, build_tokenizer
from r1_trl.models.tokenizer import CHAT_TEMPLATE
from r1_trl.rewards import get_reward_func
from r1_trl.rewards.reward_model import RewardModelReward, summary_text

TEXTS = [
    "What is 2 + 3 * 4? Think step by step.",
    "<think>\nFirst multiply: 3 * 4 = 12. Then add: 2 + 12 = 14.\n</think>\n<answer>\n14\n</answer>",
    "The answer is 14 because multiplication comes before addition.",
    "Helpful, harmless and honest answers are preferred by the reward model.",
]
SUMMARY = "The answer is 14."
LONG_THINK = "<think>\n" + "Let me check the order of operations again. " * 20 + "\n</think>\n" + SUMMARY
NO_THINK = "The answer is 14, since 3 * 4 = 12 and 2 + 12 = 14."
PROMPT = "What is 2 + 3 * 4?"


def _save_model(path, tokenizer, num_labels=1, pad_token_id="tokenizer", seed=0):
    pad = tokenizer.pad_token_id if pad_token_id == "tokenizer" else pad_token_id
    build_reward_model(tokenizer, seed=seed, num_labels=num_labels, pad_token_id=pad).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(TEXTS, vocab_size=400)


@pytest.fixture(scope="module")
def rm_dir(tmp_path_factory, tokenizer):
    return _save_model(tmp_path_factory.mktemp("rm"), tokenizer)


@pytest.fixture(scope="module")
def rm_dir_no_template(tmp_path_factory):
    tok = build_tokenizer(TEXTS, vocab_size=400)
    tok.chat_template = None
    return _save_model(tmp_path_factory.mktemp("rm-plain"), tok)


def test_scores_are_deterministic_floats_and_named(rm_dir):
    reward = RewardModelReward(rm_dir)
    assert reward.__name__ == "reward_model"
    completions = [LONG_THINK, NO_THINK, "", "something else entirely"]
    first = reward(completions, prompts=[PROMPT] * 4)
    second = reward(completions, prompts=[PROMPT] * 4)
    assert len(first) == 4 and all(type(s) is float for s in first)
    assert first == second
    # Different texts, different scores: the model really sees the completions.
    assert len(set(first)) == 4


def test_summary_scope_scores_only_the_text_after_think(rm_dir):
    summary = RewardModelReward(rm_dir, scope="summary")
    full = RewardModelReward(rm_dir, scope="full")
    s = summary([LONG_THINK, NO_THINK], prompts=[PROMPT, PROMPT])
    f = full([LONG_THINK, NO_THINK], prompts=[PROMPT, PROMPT])
    assert abs(s[0] - f[0]) > 1e-6
    assert s[1] == pytest.approx(f[1], abs=1e-6)
    # The summary reading of a long response is exactly the score of its summary alone.
    assert s[0] == pytest.approx(full([SUMMARY], prompts=[PROMPT])[0], abs=1e-6)


def test_summary_text():
    assert summary_text(LONG_THINK) == SUMMARY
    assert summary_text(NO_THINK) == NO_THINK
    assert summary_text(TEXTS[1]) == "14"
    # A prefilled `<think>` leaves only the closing tag in the completion.
    assert summary_text("reasoning...\n</think>\n<answer>\n7\n</answer>") == "7"
    # Cut off mid-reasoning: no summary was written.
    assert summary_text("<think>\nstill thinking") == ""
    assert summary_text("") == ""


def test_full_scope_survives_templates_that_strip_reasoning(tmp_path, rm_dir):
    tok = build_tokenizer(TEXTS, vocab_size=400)
    # The project's template, cutting assistant turns as DeepSeek-R1's does: everything up to `</think>` goes.
    assistant = "{% generation %}{{ m['content'] }}"
    assert assistant in CHAT_TEMPLATE
    tok.chat_template = CHAT_TEMPLATE.replace(assistant, "{% generation %}{{ m['content'].split('</think>')[-1] }}")
    path = _save_model(tmp_path, tok)
    full = RewardModelReward(path, scope="full")([LONG_THINK], prompts=[PROMPT])
    # Same weights, and a template that renders reasoning-free turns exactly alike: the reasoning must be scored.
    expected = RewardModelReward(rm_dir, scope="full")([LONG_THINK], prompts=[PROMPT])
    assert full == pytest.approx(expected, abs=1e-6)
    summary = RewardModelReward(path, scope="summary")([LONG_THINK], prompts=[PROMPT])
    assert abs(summary[0] - full[0]) > 1e-6


def test_prompts_strings_and_conversations(rm_dir):
    reward = RewardModelReward(rm_dir, scope="full")
    with_prompt = reward([NO_THINK], prompts=[PROMPT])
    as_chat = reward([[{"role": "assistant", "content": NO_THINK}]], prompts=[[{"role": "user", "content": PROMPT}]])
    alone = reward([NO_THINK])
    assert with_prompt == pytest.approx(as_chat, abs=1e-6)
    assert abs(with_prompt[0] - alone[0]) > 1e-6
    # Empty completions are scored like any other, with or without a prompt.
    empty = reward(["", ""], prompts=[PROMPT, ""]) + reward([""])
    assert all(type(s) is float for s in empty)


def test_without_chat_template_prompt_and_response_are_joined_by_a_newline(rm_dir_no_template):
    reward = RewardModelReward(rm_dir_no_template, scope="full")
    joined = reward([NO_THINK], prompts=[PROMPT])
    assert joined == reward([PROMPT + "\n" + NO_THINK])
    assert abs(joined[0] - reward([NO_THINK])[0]) > 1e-6
    # No template and no prompt: an empty completion is no tokens at all, and still gets a score.
    empty = reward([""]) + reward(["", NO_THINK])
    assert all(type(s) is float for s in empty)


def test_scores_do_not_depend_on_batching(rm_dir):
    completions = [LONG_THINK, NO_THINK, "", "14", TEXTS[2]]
    prompts = [PROMPT] * len(completions)
    batched = RewardModelReward(rm_dir, scope="full", batch_size=8)(completions, prompts=prompts)
    one_by_one = RewardModelReward(rm_dir, scope="full", batch_size=1)(completions, prompts=prompts)
    by_two = RewardModelReward(rm_dir, scope="full", batch_size=2)(completions, prompts=prompts)
    assert batched == pytest.approx(one_by_one, abs=1e-5)
    assert by_two == pytest.approx(one_by_one, abs=1e-5)


def test_left_truncation_keeps_the_end(rm_dir, tokenizer):
    ending = " and so the final answer is 14" * 5
    reward = RewardModelReward(rm_dir, scope="full", max_length=len(tokenizer(ending + "<|end|>\n")["input_ids"]))
    a, b, c = reward(["First opening." + ending, "A different opening." + ending, "First opening." + ending + "!"])
    assert a == pytest.approx(b, abs=1e-6)
    assert abs(a - c) > 1e-6
    # Without truncation the openings matter.
    x, y = RewardModelReward(rm_dir, scope="full")(["First opening." + ending, "A different opening." + ending])
    assert abs(x - y) > 1e-6


def test_tokenizer_and_model_without_pad_token(tmp_path):
    tok = build_tokenizer(TEXTS, vocab_size=400)
    tok.pad_token = None
    path = _save_model(tmp_path, tok, pad_token_id=None)
    completions = [LONG_THINK, NO_THINK, "14"]
    batched = RewardModelReward(path, scope="full", batch_size=4)(completions, prompts=[PROMPT] * 3)
    single = RewardModelReward(path, scope="full", batch_size=1)(completions, prompts=[PROMPT] * 3)
    assert all(type(s) is float for s in batched)
    assert batched == pytest.approx(single, abs=1e-5)


def test_several_labels_use_the_last_logit(tmp_path, tokenizer):
    path = _save_model(tmp_path, tokenizer, num_labels=3)
    reward = RewardModelReward(path, scope="full")
    (score,) = reward([NO_THINK], prompts=[PROMPT])
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": NO_THINK}], tokenize=False
    )
    model = Qwen2ForSequenceClassification.from_pretrained(path).eval()
    with torch.inference_mode():
        logits = model(**tokenizer(text, add_special_tokens=False, return_tensors="pt")).logits[0]
    assert logits.shape == (3,)
    assert score == pytest.approx(float(logits[-1]), abs=1e-6)
    assert score != pytest.approx(float(logits[0]), abs=1e-6)


def test_pickles_before_and_after_loading(rm_dir):
    reward = RewardModelReward(rm_dir, scope="full")
    fresh = pickle.loads(pickle.dumps(reward))
    assert fresh.__name__ == "reward_model" and fresh._model is None
    expected = reward([LONG_THINK, NO_THINK], prompts=[PROMPT, PROMPT])
    assert reward._model is not None
    blob = pickle.dumps(reward)
    # The model stays behind: the pickle is a few hundred bytes of settings.
    assert len(blob) < 5_000
    after = pickle.loads(blob)
    assert after.__name__ == "reward_model" and after._model is None and reward._model is not None
    assert after([LONG_THINK, NO_THINK], prompts=[PROMPT, PROMPT]) == expected
    assert fresh([LONG_THINK, NO_THINK], prompts=[PROMPT, PROMPT]) == expected


def test_construction_is_lazy(rm_dir):
    reward = RewardModelReward(rm_dir)
    assert reward._model is None and reward._tokenizer is None
    assert repr(reward).startswith("RewardModelReward(") and "scope='summary'" in repr(reward)


def test_missing_path_fails_in_the_constructor(tmp_path):
    missing = str(tmp_path / "no-such-rm")
    with pytest.raises(ValueError, match="no-such-rm") as info:
        RewardModelReward(missing)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="does-not-exist"):
        RewardModelReward("./does-not-exist")


def test_unreachable_hub_id_is_one_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    reward = RewardModelReward("r1-trl-test-org/no-such-reward-model")
    with pytest.raises(ValueError, match="r1-trl-test-org/no-such-reward-model") as info:
        reward([NO_THINK])
    assert "\n" not in str(info.value)


def test_bad_arguments(rm_dir):
    with pytest.raises(ValueError, match="summary, full") as info:
        RewardModelReward(rm_dir, scope="reasoning")
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="batch_size"):
        RewardModelReward(rm_dir, batch_size=0)
    with pytest.raises(ValueError, match="max_length"):
        RewardModelReward(rm_dir, max_length=0)
    with pytest.raises(ValueError, match="2 prompts for 1 completions"):
        RewardModelReward(rm_dir)([NO_THINK], prompts=[PROMPT, PROMPT])


def test_a_failing_batch_scores_none_and_is_logged(rm_dir, monkeypatch, caplog):
    reward = RewardModelReward(rm_dir, scope="full", batch_size=2)
    original = reward._render

    def render(prompt, response):
        if response == "boom":
            raise RuntimeError("boom")
        return original(prompt, response)

    monkeypatch.setattr(reward, "_render", render)
    with caplog.at_level(logging.ERROR, logger="r1_trl.rewards.reward_model"):
        scores = reward(["a", "boom", "c", "d", "e"])
    assert scores[:2] == [None, None]
    assert all(type(s) is float for s in scores[2:]) and len(scores) == 5
    assert "reward reward_model failed" in caplog.text and "boom" in caplog.text
    assert reward.take_failures()[0] == 2


def test_hostile_completions_never_raise(rm_dir):
    reward = RewardModelReward(rm_dir)
    weird = [None, 42, {"content": None}, [{"role": "assistant", "content": [{"type": "text", "text": "hi"}]}]]
    weird += ["</think>" * 50, "<think>" * 50, "<answer></answer>", "\x00" * 10]
    scores = reward(weird, prompts=[None, 3, [], [{"role": "user"}], PROMPT, PROMPT, PROMPT, PROMPT])
    assert len(scores) == len(weird) and all(type(s) is float for s in scores)


def test_reachable_through_a_dotted_path(rm_dir):
    reward = get_reward_func(
        "r1_trl.rewards.reward_model.RewardModelReward", model_name_or_path=rm_dir, scope="full", lenient=True
    )
    assert isinstance(reward, RewardModelReward) and reward.scope == "full"
