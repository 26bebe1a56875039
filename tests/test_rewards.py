import pickle
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1_trl.rewards import (
    REWARDS,
    AccuracyReward,
    FormatReward,
    accuracy_reward,
    extract_answer,
    format_reward,
    get_reward_func,
    get_reward_funcs,
    last_number,
    parse_number,
)
from r1_trl.rewards._timeout import run_bounded

SEED_GOOD = "<think>\n運算順序:先乘後加。3 * 4 = 12。2 + 12 = 14\n</think>\n<answer>\n14\n</answer>"
SEED_UNTAGGED = "ummm... 3 乘以 4... 得到 12... 然後加上 2... 14"


def test_seed_examples():
    assert accuracy_reward([SEED_GOOD], solution=["14"]) == [1.0]
    assert format_reward([SEED_GOOD]) == [1.0]
    assert format_reward([SEED_UNTAGGED]) == [0.0]
    # The right number outside the tags does not count when the template asks for tags.
    assert accuracy_reward([SEED_UNTAGGED], solution=["14"]) == [0.0]


def test_wrong_answer_and_hacks():
    assert accuracy_reward([SEED_GOOD.replace("14\n</answer>", "15\n</answer>")], solution=["14"]) == [0.0]
    two = SEED_GOOD + "\n<answer>\n14\n</answer>"
    assert accuracy_reward([two], solution=["14"]) == [0.0]
    assert format_reward([two]) == [0.0]
    assert format_reward(["<think>\n\n</think>\n<answer>\n14\n</answer>"]) == [0.0]
    assert format_reward(["<think>\nx\n</think>\n<think>\ny\n</think>\n<answer>\n14\n</answer>"]) == [0.0]


def test_conversational_completions():
    conv = [[{"role": "assistant", "content": SEED_GOOD}]]
    assert accuracy_reward(conv, solution=["14"]) == [1.0]
    assert format_reward(conv) == [1.0]


def test_numbers_fractions_and_boxed():
    assert parse_number("1/2") == parse_number("0.5") == parse_number("\\boxed{0.5}")
    assert parse_number("1,234") == 1234 and parse_number("14.") == 14 and parse_number("-3") == -3
    assert parse_number("2 + 3") is None and parse_number("9" * 200) is None
    assert last_number("First, 3 * 4 = 12. The answer is 14.") == "14"
    assert extract_answer("<think>\nx\n</think>\n<answer>\nso \\boxed{7}\n</answer>") == "7"
    assert accuracy_reward(["<answer>1/2</answer>"], solution=["0.5"]) == [1.0]


def test_latex_gold_goes_through_math_verify():
    assert accuracy_reward(["<answer>1/2</answer>"], solution=["\\frac{1}{2}"]) == [1.0]
    assert accuracy_reward(["<answer>1/3</answer>"], solution=["\\frac{1}{2}"]) == [0.0]


def test_unparseable_gold_is_none():
    assert accuracy_reward(["<answer>14</answer>"], solution=[""]) == [None]


def test_missing_solution_column_is_named():
    with pytest.raises(ValueError, match="solution"):
        accuracy_reward([SEED_GOOD])


def test_accuracy_off_the_main_thread():
    out = []
    worker = threading.Thread(
        target=lambda: out.append(accuracy_reward(["<answer>1/2</answer>"], solution=["\\frac{1}{2}"]))
    )
    worker.start()
    worker.join(60)
    assert out == [[1.0]]


def test_time_bound_holds():
    started = time.time()
    assert run_bounded(time.sleep, (30,), 1.0, "late") == "late"
    assert time.time() - started < 10
    assert run_bounded(abs, (-3,), 10.0, None) == 3  # and the helper comes back after the kill


def test_rewards_pickle_with_their_names():
    for reward in (AccuracyReward(), FormatReward(), FormatReward(strict=True)):
        again = pickle.loads(pickle.dumps(reward))
        assert again.__name__ == reward.__name__
        assert again([SEED_GOOD], solution=["14"]) == reward([SEED_GOOD], solution=["14"])


def test_registry():
    funcs = get_reward_funcs(["accuracy", "format", "format_strict"], timeout_s=2.0)
    assert [f.__name__ for f in funcs] == ["accuracy", "format", "format_strict"]
    assert funcs[0].timeout_s == 2.0
    assert get_reward_func("tests.conftest.length_reward")(["abc"]) == [0.06]
    assert isinstance(get_reward_func("r1_trl.rewards.format.FormatReward"), FormatReward)
    known = "known rewards: accuracy, binary_code, cf_code, code, cosine, format, "
    with pytest.raises(ValueError, match=f"unknown reward 'acc'; {known}"):
        get_reward_func("acc")
    with pytest.raises(ValueError, match="cannot import reward 'no_such_pkg.fn'"):
        get_reward_func("no_such_pkg.fn")


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        st.text(alphabet="{}\\<>/answerthink\n 0123456789", max_size=400),
    )
)
def test_rewards_never_raise(text):
    for reward in (accuracy_reward, format_reward, FormatReward(), FormatReward(strict=True)):
        out = reward([text], solution=["14"])
        assert len(out) == 1 and out[0] in (0.0, 1.0)
        # Not even caught inside: a counted failure would count against the trainer's failure share.
        assert reward.take_failures() == (0, None)


def test_every_registered_reward_builds_from_recipe_params_and_pickles(tiny_reward_model_dir):
    from r1_trl.configs import R1ScriptArguments

    args = R1ScriptArguments(
        cosine_max_len=64,
        repetition_n_grams=2,
        reward_model_name_or_path=tiny_reward_model_dir,
        helpfulness_model_name_or_path=tiny_reward_model_dir,
        harmlessness_model_name_or_path=tiny_reward_model_dir,
    )
    params = args.reward_params(max_completion_length=80)
    assert params["max_completion_len"] == 80 and params["cosine_max_len"] == 64
    for name in REWARDS:
        reward = get_reward_func(name, **params)
        assert reward.__name__ == name
        again = pickle.loads(pickle.dumps(reward))
        kwargs = {"solution": ["14"], "lang": ["zh"], "prompts": ["2 + 3 * 4 等於多少?"], "completion_ids": [[1] * 30]}
        # The code rewards' columns (the others ignore them).
        kwargs |= {"verification_info": [{"test_cases": [{"input": "", "output": "14"}]}]}
        kwargs |= {"official_tests": [[{"input": "", "output": "14"}]]}
        assert again([SEED_GOOD], **kwargs) == reward([SEED_GOOD], **kwargs)
    assert get_reward_func("cosine", **params).max_len == 64
    assert get_reward_func("repetition_penalty", **params).ngram_size == 2
    assert get_reward_func("soft_overlong_punishment", **params).max_completion_len == 80


def test_reward_model_without_a_path_is_named():
    with pytest.raises(ValueError, match="reward_model_name_or_path"):
        get_reward_func("reward_model")
    with pytest.raises(ValueError, match="harmlessness_model_name_or_path"):
        get_reward_func("harmlessness")


SPACED = "<think> a </think> <answer> 14 </answer>"
NEWLINES = "<think>\na\n</think>\n<answer>\n14\n</answer>"
TIGHT = "<think>a</think><answer>14</answer>"
MALFORMED = [
    "<think> a </think> <answer> 14 </answer> <answer> 15 </answer>",
    "<think> a <think> b </think> </think> <answer> 14 </answer>",
    "<think> </think> <answer> 14 </answer>",
    "<think> a </think> <answer>\n</answer>",
    "<answer> 14 </answer> <think> a </think>",
    "14",
]


def test_registry_format_is_the_templates_shape_and_format_strict_wants_newlines():
    fmt, strict = get_reward_func("format"), get_reward_func("format_strict")
    assert (fmt.__name__, strict.__name__) == ("format", "format_strict")
    assert fmt([SPACED, NEWLINES, TIGHT, *MALFORMED]) == [1.0, 1.0, 1.0] + [0.0] * len(MALFORMED)
    assert strict([SPACED, NEWLINES, TIGHT, *MALFORMED]) == [0.0, 1.0, 0.0] + [0.0] * len(MALFORMED)
    # A shared `strict` recipe param must not turn `format` into `format_strict`.
    assert get_reward_func("format", strict=True)([SPACED]) == [1.0]


def test_registry_format_follows_the_readable_format():
    from r1_trl.templates import READABLE_FORMAT

    spaced, newlines = "|special_token| x |special_token| 14", READABLE_FORMAT.render("x", "14")
    both = [spaced, newlines, SPACED]
    assert get_reward_func("format", response_format=READABLE_FORMAT)(both) == [1.0, 1.0, 0.0]
    assert get_reward_func("format_strict", response_format=READABLE_FORMAT)(both) == [0.0, 1.0, 0.0]


def test_format_lenient_is_gone_with_a_hint():
    from r1_trl.rewards import check_reward_name

    assert "format_lenient" not in REWARDS
    for resolve in (get_reward_func, check_reward_name):
        with pytest.raises(ValueError, match="`format_lenient` was renamed: `format` now accepts any whitespace"):
            resolve("format_lenient")


def test_eval_format_rate_is_the_registry_reward(monkeypatch):
    from datasets import Dataset

    from r1_trl.evaluation import heldout as r1_eval
    from r1_trl.generation import Completion, SamplingSettings
    from r1_trl.templates import get_template

    texts = [SPACED, NEWLINES, TIGHT, *MALFORMED]
    monkeypatch.setattr(r1_eval, "sample_completions", lambda *a, **k: [[Completion(t, 8, False) for t in texts]])
    data = Dataset.from_list([{"prompt": "2 + 3 * 4?", "solution": "14"}])
    template = get_template("r1_zero_en")
    settings = SamplingSettings(n=len(texts), temperature=1.0, max_new_tokens=8, batch_size=1)
    result = r1_eval.evaluate(None, None, data, template, settings)
    scores = get_reward_func("format", response_format=template.response_format)(texts)
    assert result["format_rate"] == round(sum(scores) / len(scores), 4) == round(3 / len(texts), 4)


def test_accuracy_logs_format_free_accuracy_and_length_by_outcome():
    logged = {}
    tagged = "<think>\n2 + 3 = 5.\n</think>\n<answer>\n5\n</answer>"
    completions = [tagged, "The answer is 5.", "<answer>\n4\n</answer>"]
    scores = AccuracyReward()(
        completions,
        solution=["5", "5", "5"],
        completion_ids=[[0] * 12, [0] * 4, [0] * 3],
        log_metric=lambda name, value: logged.__setitem__(name, value),
    )
    assert scores == [1.0, 0.0, 0.0]
    # The untagged "The answer is 5." is wrong for the reward but right format-free: 2 of 3.
    assert logged["accuracy_lenient"] == pytest.approx(2 / 3)
    assert logged["length/correct"] == 12 and logged["length/incorrect"] == 3.5
    assert AccuracyReward()(completions[:1], solution=["5"]) == [1.0]
