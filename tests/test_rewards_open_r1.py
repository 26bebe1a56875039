"""open-r1's names, call shapes and worked numbers, plus the fixes r1-trl makes to them."""

import math
import pickle

import pytest

from r1_trl.rewards import AccuracyReward
from r1_trl.rewards import open_r1 as o

SEED_GOOD = "<think>\n運算順序:先乘後加。3 * 4 = 12。2 + 12 = 14\n</think>\n<answer>\n14\n</answer>"


def test_repetition_penalty_worked_number():
    reward = o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0)
    assert reward.__name__ == "repetition_penalty_reward"
    assert reward(["this this this this this"]) == [pytest.approx(-0.75)]
    assert reward(["a b c d"]) == [0.0]
    with pytest.raises(ValueError, match="0.5"):
        o.get_repetition_penalty_reward(ngram_size=2, max_penalty=0.5)


def test_soft_overlong_worked_number_in_both_call_shapes():
    reward = o.get_soft_overlong_punishment(max_completion_len=100, soft_punish_cache=20)
    assert reward.__name__ == "soft_overlong_punishment_reward"
    assert reward(completion_ids=[[0] * 90, [0] * 80, [0] * 101]) == [pytest.approx(-0.5), 0.0, -1.0]
    assert reward(["x"], completion_ids=[[0] * 90]) == [pytest.approx(-0.5)]


def test_tag_count_counts_open_r1_pieces():
    assert o.tag_count_reward([SEED_GOOD]) == [1.0]
    assert o.tag_count_reward(["<think>\nx</think>"]) == [0.25]
    assert o.tag_count_reward([SEED_GOOD + SEED_GOOD]) == [0.0]


def test_reasoning_steps():
    assert o.reasoning_steps_reward(["Step 1: a\nStep 2: b\nStep 3: c"]) == [1.0]
    assert o.reasoning_steps_reward(["First, x"]) == [pytest.approx(1 / 3)]
    assert o.reasoning_steps_reward(["nothing here"]) == [0.0]


def test_len_reward_is_kimi_over_the_batch_in_characters():
    completions = ["\\boxed{14}", "so the answer \\boxed{14}", "well, well, well \\boxed{15}"]
    lengths = [len(c) for c in completions]
    lo, hi = min(lengths), max(lengths)
    lam = [0.5 - (n - lo) / (hi - lo) for n in lengths]
    out = o.len_reward(completions, solution=["14"] * 3)
    assert out == [pytest.approx(lam[0]), pytest.approx(lam[1]), pytest.approx(min(0.0, lam[2]))]
    assert o.len_reward(["\\boxed{1}", "\\boxed{2}"], solution=["1", "1"]) == [0.0, 0.0]
    assert o.len_reward(["\\boxed{1}", "\\boxed{22}"], solution=["", ""]) == [None, None]


def test_cosine_scaled_in_characters():
    reward = o.get_cosine_scaled_reward(max_len=100)
    assert reward.__name__ == "cosine_scaled_reward"
    right, wrong = "\\boxed{\\frac{63}{400}}", "\\boxed{\\frac{64}{400}}"
    cos = math.cos(len(right) / 100 * math.pi)
    expected_right = 0.5 + 0.5 * (1.0 - 0.5) * (1 + cos)
    expected_wrong = -0.5 + 0.5 * (-1.0 + 0.5) * (1 + cos)
    out = reward([right, wrong], solution=["\\frac{63}{400}"] * 2)
    assert out == [pytest.approx(expected_right), pytest.approx(expected_wrong)]
    assert out[0] > 0.5 and -1.0 < out[1] < -0.5


def test_verify_order_is_gold_first():
    # math-verify reads an inequality gold as the interval it denotes, but not the other way round: open-r1's
    # reversed call scored this right answer wrong.
    from math_verify import parse, verify

    gold, answer = "x \\le 2", "(-\\infty, 2]"
    assert verify(parse(f"${gold}$"), parse(f"${answer}$")) and not verify(parse(f"${answer}$"), parse(f"${gold}$"))
    boxed = f"\\boxed{{{answer}}}"
    assert o.get_cosine_scaled_reward()([boxed], solution=[gold])[0] > 0
    assert o.len_reward([boxed, "a much longer wrong one \\boxed{3}"], solution=[gold] * 2)[0] == 0.5


def test_accuracy_and_format_names_and_tags():
    assert o.accuracy_reward.__name__ == "accuracy_reward" and o.format_reward.__name__ == "format_reward"
    # open-r1 reads a boxed answer anywhere; the template-driven reward does not take one outside the tags.
    assert o.accuracy_reward(["so \\boxed{14}"], solution=["14"]) == [1.0]
    assert AccuracyReward()(["so \\boxed{14}"], solution=["14"]) == [0.0]
    assert o.accuracy_reward([SEED_GOOD], solution=["14"]) == [1.0]
    assert o.format_reward([SEED_GOOD]) == [1.0]
    assert o.format_reward([SEED_GOOD.replace("</think>", "</think><think>\n</think>")]) == [0.0]


def test_get_reward_funcs_uses_open_r1_names_and_params():
    names = [
        "accuracy",
        "format",
        "reasoning_steps",
        "cosine",
        "repetition_penalty",
        "length",
        "tag_count",
        "soft_overlong_punishment",
        "language_consistency",
    ]
    funcs = o.get_reward_funcs(
        names, cosine_max_len=50, repetition_n_grams=2, max_completion_len=100, soft_punish_cache=20
    )
    assert [f.__name__ for f in funcs] == [
        "accuracy_reward",
        "format_reward",
        "reasoning_steps_reward",
        "cosine_scaled_reward",
        "repetition_penalty_reward",
        "len_reward",
        "tag_count_reward",
        "soft_overlong_punishment_reward",
        "language_consistency_reward",
    ]
    assert funcs[3].max_len == 50 and funcs[4](["this this this"]) == [pytest.approx(-0.5)]
    with pytest.raises(ValueError, match="unknown open-r1 reward 'code'"):
        o.get_reward_funcs(["code"])
    for f in funcs:
        assert pickle.loads(pickle.dumps(f)).__name__ == f.__name__
