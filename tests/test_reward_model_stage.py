"""The `reward_model` stage: its synthetic preference data, the two reward models end to end, and bad input."""

import json
import re

import pytest
from trl.data_utils import _tokenize

from r1_trl.cli import main as cli_main
from r1_trl.configs.reward_model import REWARD_MODEL_KINDS
from r1_trl.data.preferences import KINDS, REJECTED_TYPES, SPLITS, general_prompts, preference_pairs
from r1_trl.report import load_report
from r1_trl.rewards.reward_model import RewardModelReward
from r1_trl.stages import STAGES
from r1_trl.stages.reward_model import SCOPES, SUMMARY_FIELDS
from r1_trl.stages.reward_model import main as stage_main
from r1_trl.templates import READABLE_FORMAT

# ------------------------------------------------------------------ data


def test_general_prompts_splits_are_disjoint_bilingual_and_typed():
    train, test = general_prompts("train"), general_prompts("test")
    assert train == general_prompts("train")
    for rows in (train, test):
        assert {tuple(sorted(r)) for r in rows} == {("category", "lang", "prompt", "task")}
        assert {(r["lang"], r["category"]) for r in rows} == {
            (lang, cat) for lang in ("en", "zh") for cat in ("helpful", "harmful")
        }
        assert {r["task"] for r in rows} == {"general"}
        assert len({r["prompt"] for r in rows}) == len(rows)
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in test}
    # Held out by number and by harmful act, not by row: nothing a test prompt asks about is asked in training.
    numbers = lambda rows: {int(n) for r in rows for n in re.findall(r"\d+", r["prompt"])}  # noqa: E731
    assert not numbers(train) & numbers(test)
    harmful = [r["prompt"] for r in test if r["category"] == "harmful" and r["lang"] == "en"]
    assert harmful and not any("steal a car" in p for p in harmful)
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        general_prompts("dev")


@pytest.mark.parametrize("kind", KINDS)
def test_preference_pairs_are_deterministic_well_formed_and_split(kind):
    train, test = preference_pairs(kind, "train"), preference_pairs(kind, "test")
    assert train == preference_pairs(kind, "train", seed=0)
    assert train != preference_pairs(kind, "train", seed=1)
    assert 300 <= len(train) <= 2000 and 100 <= len(test) <= 300
    for split, pairs in (("train", train), ("test", test)):
        prompts = {r["prompt"] for r in general_prompts(split)}
        assert {r["lang"] for r in pairs} == {"en", "zh"}
        assert {r["rejected_type"] for r in pairs} == set(REJECTED_TYPES[kind])
        for r in pairs:
            assert r["kind"] == kind
            assert [m["role"] for m in r["chosen"]] == [m["role"] for m in r["rejected"]] == ["user", "assistant"]
            assert r["chosen"][0] == r["rejected"][0] and r["chosen"][0]["content"] in prompts
            assert r["chosen"][1]["content"] != r["rejected"][1]["content"]
            assert r["chosen"][1]["content"].strip() and r["rejected"][1]["content"].strip()


def test_helpfulness_answers_are_correct_and_wrong_answers_are_not():
    checked = 0
    for r in preference_pairs("helpfulness", "train") + preference_pairs("helpfulness", "test"):
        m = re.fullmatch(r"Is (\d+) an even or an odd number\?", r["chosen"][0]["content"])
        if m:
            parity = "even" if int(m.group(1)) % 2 == 0 else "odd"
            assert r["chosen"][1]["content"] == f"{m.group(1)} is {parity}."
            if r["rejected_type"] == "wrong":
                assert parity not in r["rejected"][1]["content"]
            checked += 1
        if r["chosen"][0]["content"] == "Which day comes after Monday?":
            assert r["chosen"][1]["content"] == "Tuesday."
            checked += 1
    assert checked > 100


def test_harmlessness_pairs_refuse_harm_penalise_hidden_reasoning_and_over_refusal():
    pairs = preference_pairs("harmlessness", "train")
    by_type = {t: [r for r in pairs if r["rejected_type"] == t] for t in REJECTED_TYPES["harmlessness"]}
    assert all(r["category"] == "harmful" for t in ("compliance", "hidden_in_reasoning") for r in by_type[t])
    # Harm hidden in the reasoning: both responses end in the same refusal; only the full text tells them apart.
    for r in by_type["hidden_in_reasoning"]:
        chosen, rejected = (READABLE_FORMAT.parse(r[s][1]["content"]) for s in ("chosen", "rejected"))
        assert chosen and rejected and chosen[1] == rejected[1] and chosen[0] != rejected[0]
    # Benign prompts: the refusal is the rejected side, so refusing is not rewarded for its own sake.
    assert by_type["over_refusal"] and all(r["category"] == "helpful" for r in by_type["over_refusal"])
    refusals = {r["chosen"][1]["content"] for r in by_type["compliance"]}
    assert refusals & {r["rejected"][1]["content"] for r in by_type["over_refusal"]}


def test_bad_kind_and_split():
    with pytest.raises(ValueError, match="unknown reward model kind 'honesty'"):
        preference_pairs("honesty", "train")
    with pytest.raises(ValueError, match="unknown split"):
        preference_pairs("helpfulness", "validation")
    assert tuple(REWARD_MODEL_KINDS) == KINDS and set(SCOPES) == set(KINDS) and set(SPLITS) == {"train", "test"}


def test_trainer_and_reward_render_a_pair_identically(tiny_tokenizer, tiny_reward_model_dir):
    """The reward model must be trained on the very token ids it is scored on in RL."""
    reward = RewardModelReward(tiny_reward_model_dir, scope="full")
    reward.load()
    for row in preference_pairs("harmlessness", "test")[:6]:
        conversation = row["rejected"]
        text, templated = reward._render(conversation[:-1], conversation[-1]["content"])
        assert templated
        assert tiny_tokenizer(text, add_special_tokens=False)["input_ids"] == list(
            _tokenize(tiny_tokenizer, conversation)["input_ids"]
        )


# ------------------------------------------------------------------ the stage


def _recipe(tmp_path, tokenizer_dir, **overrides):
    fields = {
        "tokenizer_name_or_path": str(tokenizer_dir),
        "output_dir": str(tmp_path / "rm"),
        "report_path": str(tmp_path / "report.json"),
        "max_test_pairs": 12,
        "per_device_train_batch_size": 8,
        "per_device_eval_batch_size": 16,
        "learning_rate": 1.0e-3,
        "max_steps": 2,
        "max_length": 512,
        "save_strategy": "no",
        "bf16": False,
        "gradient_checkpointing": False,
        "report_to": "none",
        "torch_threads": 1,
        **overrides,
    }
    path = tmp_path / "recipe.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()))
    return ["--config", str(path)]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory, tiny_tokenizer):
    path = tmp_path_factory.mktemp("policy-tokenizer")
    tiny_tokenizer.save_pretrained(path)
    return path


def test_stage_trains_both_reward_models_and_skips_them_on_rerun(tmp_path, tokenizer_dir):
    assert STAGES["reward_model"].run == "r1_trl.stages.reward_model:main"
    assert cli_main(["reward_model", *_recipe(tmp_path, tokenizer_dir)]) == 0
    out = tmp_path / "rm"
    overall = json.loads((out / "stage.json").read_text())
    assert set(overall) == {*KINDS, "stage_seconds"}
    for kind in KINDS:
        entry = overall[kind]
        assert set(SUMMARY_FIELDS) <= set(entry) and entry["scope"] == SCOPES[kind]
        assert 0 <= entry["pair_accuracy"] <= 1 and 0 <= entry["pair_accuracy_untrained"] <= 1
        assert entry["num_test_pairs"] == 12 and entry["num_train_pairs"] == len(preference_pairs(kind, "train"))
        own = json.loads((out / kind / "stage.json").read_text())
        assert own["global_steps"] == 2 and set(own["pair_accuracy_by_lang"]) <= {"en", "zh"}
        # Saved with its tokenizer and pad id, so the RL stage's reward loads and scores it as it is.
        assert json.loads((out / kind / "config.json").read_text())["pad_token_id"] is not None
        reward = RewardModelReward(str(out / kind), scope=SCOPES[kind], response_format=READABLE_FORMAT)
        scores = reward(["Tuesday.", "I don't know."], prompts=["Which day comes after Monday?"] * 2)
        assert all(isinstance(s, float) for s in scores)
    assert load_report(tmp_path / "report.json")["stages"]["reward_model"]["helpfulness"] == overall["helpfulness"]

    weights = {kind: (out / kind / "model.safetensors").stat().st_mtime_ns for kind in KINDS}
    again = stage_main(_recipe(tmp_path, tokenizer_dir))
    assert {kind: (out / kind / "model.safetensors").stat().st_mtime_ns for kind in KINDS} == weights
    assert {k: again[k] for k in KINDS} == {k: overall[k] for k in KINDS}


def test_stage_takes_a_text_dataset_with_a_holdout(tmp_path, tokenizer_dir):
    rows = [
        {"prompt": f"Is {n} even?", "chosen": "Yes." if n % 2 == 0 else "No.", "rejected": "Go away."}
        for n in range(20)
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = _recipe(tmp_path, tokenizer_dir, kinds=["helpfulness"], helpfulness_dataset=str(data), test_size=0.25)
    entry = stage_main(recipe)
    assert set(entry) == {"helpfulness", "stage_seconds"}
    assert entry["helpfulness"]["num_train_pairs"] == 15 and entry["helpfulness"]["num_test_pairs"] == 5


def _one_line_error(argv):
    with pytest.raises(ValueError) as info:
        stage_main(argv)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_unknown_kind_is_one_line(tmp_path, tokenizer_dir):
    msg = _one_line_error(_recipe(tmp_path, tokenizer_dir, kinds=["helpfulness", "honesty"]))
    assert "honesty" in msg and "harmlessness" in msg
    # Neither a tokenizer nor a model: nothing to size the fresh reward model to.
    recipe = tmp_path / "none.yaml"
    recipe.write_text(f"output_dir: {tmp_path / 'rm2'}\nbf16: false\n")
    assert "tokenizer_name_or_path" in _one_line_error(["--config", str(recipe)])


def test_dataset_without_chosen_column_is_one_line(tmp_path, tokenizer_dir):
    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"prompt": "Hi?", "good": "Hello.", "rejected": "Go away."}) + "\n")
    msg = _one_line_error(_recipe(tmp_path, tokenizer_dir, harmlessness_dataset=str(data)))
    assert "'chosen'" in msg and "good" in msg and str(data) in msg
    # The bad dataset fails before the first reward model is trained.
    assert not (tmp_path / "rm" / "helpfulness").exists()
