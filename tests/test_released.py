"""The released bases: they load offline, match their presets and shared tokenizer, and were made by the committed
recipes (every trained-on value of release.json is the recipe's, and the token count follows from it)."""

import json
from pathlib import Path

import pytest
import yaml

from r1_trl.models import PRESETS, build_config, load_causal_lm, load_tokenizer
from r1_trl.models.tokenizer import REASONING_TAGS
from r1_trl.release import MODEL_FILES, RELEASE_FILE, RUN_ONLY_KEYS, train_tokens

ROOT = Path(__file__).resolve().parents[1]
RELEASED = {"base": ROOT / "released/tiny-moe/base", "student_base": ROOT / "released/tiny-moe/student_base"}
MAX_BYTES = 10 * 2**20


def _info(name: str) -> dict:
    return json.loads((RELEASED[name] / RELEASE_FILE).read_text())


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_release_matches_its_committed_recipe(name):
    info = _info(name)
    recipe = yaml.safe_load((ROOT / info["recipe"]).read_text())
    assert Path(info["recipe"]).stem == name
    trained = {k: v for k, v in info["recipe_values"].items() if k not in RUN_ONLY_KEYS}
    committed = {k: v for k, v in recipe.items() if k not in RUN_ONLY_KEYS}
    assert trained == committed, "the released model was made by another recipe than the committed one"
    assert info["train_tokens"] == train_tokens(recipe) > 0
    assert set(info["overrides"]) <= set(RUN_ONLY_KEYS)


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_release_loads_offline_and_matches_its_preset(name, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = RELEASED[name]
    assert sum(f.stat().st_size for f in folder.iterdir()) < MAX_BYTES
    assert all((folder / f).exists() for f in MODEL_FILES)
    info = _info(name)
    preset = info["recipe_values"]["model_preset"]
    tokenizer = load_tokenizer(str(folder))
    model = load_causal_lm(str(folder))
    # Against the teacher's tokenizer, which both share: transformers loads a qwen2 folder's tokenizer as
    # Qwen2Tokenizer, which adds an unused `<|endoftext|>` unknown token on top of the same vocabulary.
    expected = build_config(preset, load_tokenizer(str(RELEASED["base"])))
    assert type(model.config) is PRESETS[preset][0]
    for key in (*PRESETS[preset][1], "vocab_size", "pad_token_id", "eos_token_id"):
        assert getattr(model.config, key) == getattr(expected, key), key
    assert model.num_parameters() == info["num_parameters"]
    # The tags stay plain added tokens, or GRPO's decoding would strip them and zero every format reward.
    for tag in REASONING_TAGS:
        (token_id,) = tokenizer(tag, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode([token_id], skip_special_tokens=True) == tag


def test_student_shares_the_teachers_tokenizer_and_is_smaller():
    teacher, student = _info("base"), _info("student_base")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (RELEASED["base"] / name).read_bytes() == (RELEASED["student_base"] / name).read_bytes(), name
    # Same corpus and tokens; a third of the teacher's active parameters or fewer (issue 22: "about a third").
    same = ("corpus_documents", "corpus_difficulties", "tagged_fraction", "direct_fraction", "restate_chains", "seed")
    assert all(teacher["recipe_values"][k] == student["recipe_values"][k] for k in same)
    assert student["train_tokens"] == teacher["train_tokens"]
    assert student["num_active_parameters"] <= 0.35 * teacher["num_active_parameters"]
