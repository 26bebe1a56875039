"""tag_count, reasoning_steps, length, cosine, soft_overlong_punishment and repetition_penalty: worked numbers,
open-r1 parity where the definition is open-r1's, pickling, conversations and the errors that name a problem."""

import math
import pickle
import random
import re

import pytest

from r1_trl.rewards.length import CosineReward, LengthReward, SoftOverlongPunishment
from r1_trl.rewards.repetition import RepetitionPenaltyReward, segment
from r1_trl.rewards.tags import DEFAULT_STEP_MARKERS, ReasoningStepsReward, TagCountReward, count_markers
from r1_trl.templates import ResponseFormat

SEED_GOOD = "<think>\n運算順序:先乘後加。3 * 4 = 12。2 + 12 = 14\n</think>\n<answer>\n14\n</answer>"
SEED_WRONG = SEED_GOOD.replace("14\n</answer>", "15\n</answer>")
OPEN_R1_STEPS = re.compile(r"(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)")


def ids(n):
    return [7] * n


def one_line_error(excinfo):
    message = str(excinfo.value)
    assert "\n" not in message, message
    return message


# tag_count


def test_tag_count_seed_and_duplicates():
    r = TagCountReward()
    assert r.__name__ == "tag_count"
    assert r([SEED_GOOD]) == [1.0]
    # A second `<answer>` opener loses that tag's quarter; a whole second block loses both answer tags.
    assert r([SEED_GOOD.replace("<answer>", "<answer><answer>")]) == [0.75]
    assert r([SEED_GOOD + "\n<answer>\n14\n</answer>"]) == [0.5]
    assert r(["<think>\nonly reasoning"]) == [0.25]
    assert r(["", "no tags at all"]) == [0.0, 0.0]


def test_tag_count_uses_the_response_format():
    fmt = ResponseFormat("<reasoning>", "</reasoning>", "<final>", "</final>")
    text = "<reasoning>\nx\n</reasoning>\n<final>\n1\n</final>"
    assert TagCountReward(fmt)([text]) == [1.0]
    assert TagCountReward()([text]) == [0.0]


# reasoning_steps


def test_reasoning_steps_worked_numbers():
    r = ReasoningStepsReward()
    assert r.__name__ == "reasoning_steps"
    assert r(["Step 1: add. Step 2: multiply. Step 3: check."]) == [1.0]
    assert r(["First, x"]) == [pytest.approx(1 / 3)]
    assert r(["First, a. Second, b. Next, c. Finally, d."]) == [1.0]
    assert r(["\n- a\n* b"]) == [pytest.approx(2 / 3)]
    assert r(["no markers here", ""]) == [0.0, 0.0]


def test_leading_number_counts_only_at_the_start_like_open_r1():
    # open-r1 compiles `^\d+\.` without MULTILINE: "2." on a later line is not a step.
    assert count_markers("1. a\n2. b\n3. c") == 1
    assert count_markers("x\n1. a") == 0
    assert count_markers("Step 12: a") == 1 and count_markers("Step : a") == 0 and count_markers("step 1: a") == 0


def test_chinese_step_markers():
    r = ReasoningStepsReward()
    assert count_markers("首先計算 3*4=12,然後加上 2 得到 14") == 2
    assert r(["首先計算 3*4=12,然後加上 2 得到 14"]) == [pytest.approx(2 / 3)]
    assert count_markers("第一步:乘法。第二步:加法。第3步:檢查。最后,答案是 14") == 4
    assert count_markers("其次,接著,接着,然后,最後") == 5
    assert count_markers("第步") == 0


def test_english_counts_match_open_r1_exactly():
    pieces = ["Step ", "1", "23", ":", ".", "\n", "-", "*", "First,", "Second,", "Next,", "Finally,", "Fir", "a", " "]
    rng = random.Random(0)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert count_markers(text) == len(OPEN_R1_STEPS.findall(text)), repr(text)


def test_custom_markers_and_target():
    r = ReasoningStepsReward(markers=("Then,",), target=2)
    assert r(["Then, a. Then, b. Then, c. First, d"]) == [1.0]
    assert r(["Then, a. First, b"]) == [0.5]
    extended = ReasoningStepsReward(markers=DEFAULT_STEP_MARKERS + ("Then,",), target=4)
    assert extended(["First, a. Then, b."]) == [0.5]
    # Markers are literals: regex syntax in one matches only itself.
    assert ReasoningStepsReward(markers=("a.c",), target=1)(["abc", "a.c"]) == [0.0, 1.0]


def test_reasoning_steps_parameter_errors():
    with pytest.raises(ValueError, match="target") as excinfo:
        ReasoningStepsReward(target=0)
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="markers"):
        ReasoningStepsReward(markers=())
    with pytest.raises(ValueError, match="markers"):
        ReasoningStepsReward(markers=("First,", ""))


# length (Kimi k1.5, per prompt group)


def test_length_reward_in_one_group():
    r = LengthReward()
    assert r.__name__ == "length"
    # Lengths 10, 20, 30 tokens: λ = 0.5, 0.0, -0.5. The wrong middle one gets min(0, 0.0) = 0.0.
    out = r([SEED_GOOD, SEED_WRONG, SEED_GOOD], solution=["14"] * 3, completion_ids=[ids(10), ids(20), ids(30)])
    assert out == [0.5, 0.0, -0.5]
    # Short and wrong earns nothing; long and wrong is punished like long and right.
    out = r([SEED_WRONG, SEED_GOOD, SEED_WRONG], solution=["14"] * 3, completion_ids=[ids(10), ids(30), ids(40)])
    assert out == [0.0, pytest.approx(-1 / 6), -0.5]


def test_length_reward_groups_by_prompt():
    r = LengthReward()
    prompts = ["p1", "p2", "p1", "p2"]
    lengths = [ids(10), ids(100), ids(20), ids(300)]
    out = r([SEED_GOOD] * 4, solution=["14"] * 4, completion_ids=lengths, prompts=prompts)
    assert out == [0.5, 0.5, -0.5, -0.5]
    # Without prompts the four are one group: min 10, max 300.
    out = r([SEED_GOOD] * 4, solution=["14"] * 4, completion_ids=lengths)
    assert out == [0.5, pytest.approx(0.5 - 90 / 290), pytest.approx(0.5 - 10 / 290), -0.5]


def test_length_reward_conversational_prompts_and_completions():
    r = LengthReward()
    p1 = [{"role": "user", "content": "2 + 3 * 4 = ?"}]
    p2 = [{"role": "user", "content": "1 + 1 = ?"}]
    completions = [[{"role": "assistant", "content": SEED_GOOD}]] * 4
    out = r(
        completions,
        solution=["14", "2", "14", "2"],
        completion_ids=[ids(5), ids(5), ids(15), ids(9)],
        prompts=[p1, p2, p1, p2],
    )
    # p1 (gold 14, right): 5 and 15 tokens. p2 (gold 2, wrong): 5 and 9 tokens, so min(0, 0.5) and min(0, -0.5).
    assert out == [0.5, 0.0, -0.5, -0.5]


def test_length_reward_equal_lengths_and_unreadable_gold():
    r = LengthReward()
    assert r([SEED_GOOD, SEED_WRONG], solution=["14", "14"], completion_ids=[ids(8), ids(8)]) == [0.0, 0.0]
    # An unreadable gold answer gives None, but its length still sets the group's range.
    out = r([SEED_GOOD, SEED_GOOD], solution=["", "14"], completion_ids=[ids(50), ids(10)])
    assert out == [None, 0.5]


def test_length_reward_call_errors():
    r = LengthReward()
    with pytest.raises(ValueError, match="completion_ids") as excinfo:
        r([SEED_GOOD], solution=["14"])
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="solution"):
        r([SEED_GOOD], completion_ids=[ids(3)])
    with pytest.raises(ValueError, match="prompts") as excinfo:
        r([SEED_GOOD], solution=["14"], completion_ids=[ids(3)], prompts=["a", "b"])
    one_line_error(excinfo)


# cosine


def test_cosine_ends_for_right_and_wrong():
    r = CosineReward()
    assert r.__name__ == "cosine"
    completions = [SEED_GOOD, SEED_GOOD, SEED_WRONG, SEED_WRONG]
    out = r(completions, solution=["14"] * 4, completion_ids=[ids(0), ids(1000), ids(0), ids(1000)])
    # Short right earns most (1.0), long right least (0.5); short wrong loses most (-1.0), long wrong least (-0.5).
    assert out == [pytest.approx(1.0), pytest.approx(0.5), pytest.approx(-1.0), pytest.approx(-0.5)]


def test_cosine_middle_and_clamp():
    r = CosineReward()
    out = r([SEED_GOOD, SEED_WRONG], solution=["14", "14"], completion_ids=[ids(500), ids(250)])
    # cos(π/2) = 0: halfway between 0.5 and 1.0. cos(π/4) ≈ 0.7071: -0.5 + 0.5·(-0.5)·1.7071 ≈ -0.9268.
    assert out == [pytest.approx(0.75), pytest.approx(-0.92678, abs=1e-5)]
    # Past max_len the progress stays at 1; unclamped, 2000 tokens would give cos(2π) = 1 and the top reward.
    out = r([SEED_GOOD, SEED_WRONG], solution=["14", "14"], completion_ids=[ids(2000), ids(1500)])
    assert out == [pytest.approx(0.5), pytest.approx(-0.5)]


def test_cosine_custom_range_and_unreadable_gold():
    r = CosineReward(
        min_value_wrong=-2.0, max_value_wrong=0.0, min_value_correct=0.0, max_value_correct=2.0, max_len=10
    )
    out = r([SEED_GOOD, SEED_WRONG, SEED_GOOD], solution=["14", "14", ""], completion_ids=[ids(5), ids(0), ids(1)])
    assert out == [pytest.approx(1.0), pytest.approx(-2.0), None]


def test_cosine_errors():
    with pytest.raises(ValueError, match="max_len") as excinfo:
        CosineReward(max_len=0)
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="max_len"):
        CosineReward(max_len=-5)
    with pytest.raises(ValueError, match="completion_ids") as excinfo:
        CosineReward()([SEED_GOOD], solution=["14"])
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="solution"):
        CosineReward()([SEED_GOOD], completion_ids=[ids(1)])


# soft_overlong_punishment (DAPO)


def test_soft_overlong_worked_numbers():
    r = SoftOverlongPunishment(max_completion_len=100, soft_punish_cache=20)
    assert r.__name__ == "soft_overlong_punishment"
    out = r(["x"] * 6, completion_ids=[ids(0), ids(80), ids(81), ids(90), ids(100), ids(101)])
    assert out == [0.0, 0.0, pytest.approx(-0.05), pytest.approx(-0.5), pytest.approx(-1.0), -1.0]


def test_soft_overlong_defaults_and_zero_cache():
    r = SoftOverlongPunishment()
    assert (r.max_completion_len, r.soft_punish_cache) == (1024, 256)
    assert r(["x"] * 3, completion_ids=[ids(768), ids(896), ids(1024)]) == [0.0, -0.5, -1.0]
    hard = SoftOverlongPunishment(max_completion_len=10, soft_punish_cache=0)
    assert hard(["x"] * 2, completion_ids=[ids(10), ids(11)]) == [0.0, -1.0]


def test_soft_overlong_errors():
    for max_len, cache in [(100, 100), (100, 150), (100, -1)]:
        with pytest.raises(ValueError, match="soft_punish_cache") as excinfo:
            SoftOverlongPunishment(max_completion_len=max_len, soft_punish_cache=cache)
        one_line_error(excinfo)
    with pytest.raises(ValueError, match="completion_ids") as excinfo:
        SoftOverlongPunishment()(["x"])
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="2 completion_ids for 1"):
        SoftOverlongPunishment()(["x"], completion_ids=[ids(1), ids(2)])


# repetition_penalty


def test_repetition_worked_numbers():
    r = RepetitionPenaltyReward(ngram_size=2, max_penalty=-1.0)
    assert r.__name__ == "repetition_penalty"
    # 4 bigrams, all "this this": (1 - 1/4) · -1.
    assert r(["this this this this this"]) == [-0.75]
    assert r(["one two three four"]) == [0.0]
    # Case does not matter: "This this THIS this" is 3 bigrams of one kind.
    assert r(["This this THIS this"]) == [pytest.approx(-2 / 3)]
    # Shorter than one n-gram, or empty: 0.
    assert r(["word", ""]) == [0.0, 0.0]
    # 4 trigrams, 3 distinct, half strength: (1 - 3/4) · -0.5.
    assert RepetitionPenaltyReward(max_penalty=-0.5)(["a b c a b c"]) == [-0.125]


def test_repetition_english_matches_open_r1():
    def open_r1(text, n, max_penalty):
        if text == "" or len(text.split()) < n:
            return 0.0
        words = text.lower().split()
        ngrams = list(zip(*[words[i:] for i in range(n)], strict=False))
        return (1 - len(set(ngrams)) / len(ngrams)) * max_penalty

    rng = random.Random(1)
    for _ in range(3000):
        n = rng.randint(1, 4)
        text = " ".join(rng.choice(["a", "A", "b", "c", "\n", ""]) for _ in range(rng.randint(0, 12)))
        got = RepetitionPenaltyReward(ngram_size=n, max_penalty=-0.7)([text])[0]
        assert got == pytest.approx(open_r1(text, n, -0.7), abs=1e-12), repr(text)


def test_repetition_chinese_segments_per_ideograph():
    zh = RepetitionPenaltyReward(ngram_size=2, language="zh")
    # 我 愛 你 我 愛 你: 5 bigrams, 3 distinct.
    assert zh(["我愛你,我愛你。"]) == [pytest.approx(-0.4)]
    # Whitespace splitting sees one word there, so English scoring finds nothing.
    assert RepetitionPenaltyReward(ngram_size=2)(["我愛你,我愛你。"]) == [0.0]
    assert segment("首先,計算 3*4=12。Then OK", "zh") == ["首", "先", "計", "算", "3", "4", "12", "then", "ok"]
    assert segment("Hello,  World\n", "en") == ["hello,", "world"]


def test_repetition_parameter_errors():
    with pytest.raises(ValueError, match="0.5") as excinfo:
        RepetitionPenaltyReward(max_penalty=0.5)
    one_line_error(excinfo)
    with pytest.raises(ValueError, match="ngram_size"):
        RepetitionPenaltyReward(ngram_size=0)
    with pytest.raises(ValueError, match="'fr'") as excinfo:
        RepetitionPenaltyReward(language="fr")
    message = one_line_error(excinfo)
    assert "en" in message and "zh" in message
    with pytest.raises(ValueError, match="en, zh"):
        segment("text", "fr")


# shared behaviour


def _batch():
    completions = [SEED_GOOD, SEED_WRONG, "First, this this this this. Step 2: done", "首先 然後 最後"]
    kwargs = {
        "solution": ["14"] * 4,
        "completion_ids": [ids(3), ids(40), ids(950), ids(1200)],
        "prompts": ["p", "p", "q", "q"],
    }
    return completions, kwargs


ALL_REWARDS = [
    TagCountReward(),
    ReasoningStepsReward(),
    LengthReward(),
    CosineReward(),
    SoftOverlongPunishment(max_completion_len=1000, soft_punish_cache=100),
    RepetitionPenaltyReward(ngram_size=2),
    RepetitionPenaltyReward(language="zh"),
]


@pytest.mark.parametrize("reward", ALL_REWARDS, ids=lambda r: repr(r)[:60])
def test_pickle_round_trip(reward):
    completions, kwargs = _batch()
    copy = pickle.loads(pickle.dumps(reward))
    assert copy.__name__ == reward.__name__
    expected = reward(completions, **kwargs)
    assert copy(completions, **kwargs) == expected
    # Not a constant reward on this batch, so equal results say something.
    assert len(set(expected)) > 1


@pytest.mark.parametrize("reward", ALL_REWARDS, ids=lambda r: repr(r)[:60])
def test_conversational_completions(reward):
    completions, kwargs = _batch()
    conversations = [[{"role": "assistant", "content": c}] for c in completions]
    assert reward(conversations, **kwargs) == reward(completions, **kwargs)


@pytest.mark.parametrize("reward", ALL_REWARDS, ids=lambda r: repr(r)[:60])
def test_hostile_completions_never_raise(reward):
    hostile = ["{" * 100_000, "\ud800\udfff\x00", "Step " + "9" * 50_000, "1" * 100_000, "<answer>" * 1000, None, 42]
    n = len(hostile)
    out = reward(hostile, solution=["14"] * n, completion_ids=[ids(i) for i in range(n)], prompts=["p"] * n)
    assert len(out) == n
    assert all(v is None or math.isfinite(v) for v in out)
