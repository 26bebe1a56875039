"""open-r1's names, call shapes, defaults and worked numbers, and the differences r1-trl keeps on purpose."""

import dataclasses
import itertools
import logging
import math
import pickle
import random
import sys
import time
from types import SimpleNamespace

import pytest

from r1_trl.rewards import AccuracyReward, repetition
from r1_trl.rewards import open_r1 as o
from r1_trl.rewards.code_format import CodeFormatReward, open_r1_blocks

SEED_GOOD = "<think>\n運算順序:先乘後加。3 * 4 = 12。2 + 12 = 14\n</think>\n<answer>\n14\n</answer>"
RIGHT, WRONG, GOLD = "\\boxed{\\frac{63}{400}}", "\\boxed{\\frac{64}{400}}", "\\frac{63}{400}"
CODE = "<think>\nPlan\n</think>\n<answer>\n```python\nprint(1)\n```\n</answer>"

# open-r1's GRPOScriptArguments defaults for the reward fields (src/open_r1/configs.py).
OPEN_R1_DEFAULTS = {
    "cosine_min_value_wrong": 0.0,
    "cosine_max_value_wrong": -0.5,
    "cosine_min_value_correct": 0.5,
    "cosine_max_value_correct": 1.0,
    "cosine_max_len": 1000,
    "repetition_n_grams": 3,
    "repetition_max_penalty": -1.0,
    "code_language": "python",
    "max_completion_len": 16384,
    "soft_punish_cache": 4096,
    "parallel_code_exec_per_proc": 2,
    # open-r1's default is "e2b"; r1-trl runs code only in its local sandbox.
    "code_provider": "local",
    "enforce_same_language": False,
    "code_eval_scoring_mode": "weighted_sum",
}
ALL_NAMES = [
    "accuracy",
    "format",
    "reasoning_steps",
    "cosine",
    "repetition_penalty",
    "length",
    "code_format",
    "tag_count",
    "soft_overlong_punishment",
    "language_consistency",
]


def conv(text):
    return [{"content": text}]


def one_line(excinfo):
    message = str(excinfo.value)
    assert "\n" not in message, message
    return message


# call shapes


def test_accuracy_takes_solution_positionally_and_by_keyword():
    completions = [conv(RIGHT), conv(WRONG), conv("\\boxed{3}")]
    assert o.accuracy_reward(completions, [GOLD, GOLD, "6"]) == [1.0, 0.0, 0.0]
    assert o.accuracy_reward(completions, solution=[GOLD, GOLD, "6"]) == [1.0, 0.0, 0.0]
    assert o.accuracy_reward.__name__ == "accuracy_reward"
    with pytest.raises(ValueError, match="'solution'"):
        o.accuracy_reward(completions)


def test_accuracy_reads_the_answer_block_or_the_last_boxed():
    # open-r1 reads a boxed answer anywhere; the template-driven reward does not take one outside the tags.
    assert o.accuracy_reward(["so \\boxed{14}"], ["14"]) == [1.0]
    assert AccuracyReward()(["so \\boxed{14}"], solution=["14"]) == [0.0]
    assert o.accuracy_reward([SEED_GOOD], ["14"]) == [1.0]
    # Several answer blocks are a hack, whichever of them is right.
    assert o.accuracy_reward([SEED_GOOD + "\n<answer>\n15\n</answer>"], ["14"]) == [0.0]
    # An unreadable gold answer skips the example, as in open-r1.
    assert o.accuracy_reward(["\\boxed{1}"], ["unparseable_latex"]) == [None]


def test_len_reward_is_kimi_over_the_batch_in_characters():
    completions = ["\\boxed{14}", "so the answer \\boxed{14}", "well, well, well \\boxed{15}"]
    lengths = [len(c) for c in completions]
    lo, hi = min(lengths), max(lengths)
    lam = [0.5 - (n - lo) / (hi - lo) for n in lengths]
    expected = [pytest.approx(lam[0]), pytest.approx(lam[1]), pytest.approx(min(0.0, lam[2]))]
    assert o.len_reward(completions, solution=["14"] * 3) == expected
    assert o.len_reward([conv(c) for c in completions], ["14"] * 3) == expected
    assert o.len_reward(["\\boxed{1}", "\\boxed{2}"], ["1", "1"]) == [0.0, 0.0]


def test_len_reward_counts_an_unreadable_gold_as_right():
    # open-r1: "treat as correct to avoid penalizing", so the shortest still earns the full 0.5.
    assert o.len_reward(["\\boxed{answer}", "\\boxed{answer} xxxx"], ["unparseable_latex"] * 2) == [0.5, -0.5]
    assert o.len_reward(["\\boxed{1}", "\\boxed{22}"], ["", ""]) == [0.5, -0.5]
    # A plain-number gold is read, where open-r1's LaTeX-only gold parse would count the wrong answer right too.
    assert o.len_reward(["\\boxed{2}", "\\boxed{33}"], ["33", "33"]) == [0.0, -0.5]


def test_cosine_scaled_in_characters_with_positional_solution():
    reward = o.get_cosine_scaled_reward(max_len=100)
    assert reward.__name__ == "cosine_scaled_reward"
    cos = math.cos(len(RIGHT) / 100 * math.pi)
    expected_right = 0.5 + 0.5 * (1.0 - 0.5) * (1 + cos)
    expected_wrong = -0.5 + 0.5 * (-1.0 + 0.5) * (1 + cos)
    out = reward([conv(RIGHT), conv(WRONG)], [GOLD] * 2)
    assert out == [pytest.approx(expected_right), pytest.approx(expected_wrong)]
    assert reward([RIGHT, WRONG], solution=[GOLD] * 2) == out
    # open-r1's numbers: padded to 80 characters, 0.547 right and -0.547 wrong.
    padded = [RIGHT + " " * (80 - len(RIGHT)), WRONG + " " * (80 - len(WRONG))]
    assert reward(padded, [GOLD] * 2) == [pytest.approx(0.547, abs=5e-3), pytest.approx(-0.547, abs=5e-3)]
    # An unreadable gold answer scores 1.0, as in open-r1.
    assert reward(["\\boxed{x}"], ["unparseable_latex"]) == [1.0]


def test_verify_order_is_gold_first():
    # math-verify reads an inequality gold as the interval it denotes, but not the other way round: open-r1's
    # reversed call scored this right answer wrong.
    from math_verify import parse, verify

    gold, answer = "x \\le 2", "(-\\infty, 2]"
    assert verify(parse(f"${gold}$"), parse(f"${answer}$")) and not verify(parse(f"${answer}$"), parse(f"${gold}$"))
    boxed = f"\\boxed{{{answer}}}"
    assert o.get_cosine_scaled_reward()([boxed], [gold])[0] > 0
    assert o.len_reward([boxed, "a much longer wrong one \\boxed{3}"], [gold] * 2)[0] == 0.5


def test_soft_overlong_takes_every_call_shape():
    reward = o.get_soft_overlong_punishment(max_completion_len=100, soft_punish_cache=20)
    assert reward.__name__ == "soft_overlong_punishment_reward"
    ids = [[1] * 50, [1] * 90, [1] * 110]
    expected = [0.0, pytest.approx(-0.5), -1.0]
    assert reward(ids) == expected  # open-r1's positional call
    assert reward(completion_ids=ids) == expected
    assert reward(["a", "b", "c"], completion_ids=ids) == expected  # TRL's direct call
    assert reward(prompts=["p"] * 3, completions=["a", "b", "c"], completion_ids=ids) == expected  # GRPOTrainer's
    # Strings or conversations are completions, whose ids are then missing.
    for completions in (["a"], [conv("a")]):
        with pytest.raises(ValueError, match="completion_ids"):
            reward(completions)
    with pytest.raises(TypeError):
        reward(["a"], ids)


# defaults and the registry


def test_script_arguments_have_open_r1_names_and_defaults():
    args = o.GRPOScriptArguments(dataset_name="dummy", reward_funcs=["accuracy"])
    assert o.GRPOScriptArguments is o.OpenR1ScriptArguments
    assert {k: getattr(args, k) for k in OPEN_R1_DEFAULTS} == OPEN_R1_DEFAULTS
    assert o.REWARD_PARAMS == OPEN_R1_DEFAULTS
    assert o.OpenR1ScriptArguments().reward_funcs == ["accuracy", "format", "tag_count"]
    assert {f.name for f in dataclasses.fields(o.OpenR1ScriptArguments)} == {
        "dataset_name",
        "reward_funcs",
        *OPEN_R1_DEFAULTS,
    }


def test_factory_defaults_are_open_r1s():
    cosine = o.get_cosine_scaled_reward()
    assert (cosine.min_value_wrong, cosine.max_value_wrong, cosine.min_value_correct, cosine.max_value_correct) == (
        -1.0,
        -0.5,
        0.5,
        1.0,
    )
    assert cosine.max_len == 1000
    assert o.get_code_format_reward().language == "python"
    assert o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0).language == "en"


def test_get_reward_funcs_from_open_r1_script_arguments():
    args = o.GRPOScriptArguments(dataset_name="dummy", reward_funcs=ALL_NAMES)
    funcs = o.get_reward_funcs(args)
    assert [f.__name__ for f in funcs] == [
        "accuracy_reward",
        "format_reward",
        "reasoning_steps_reward",
        "cosine_scaled_reward",
        "repetition_penalty_reward",
        "len_reward",
        "code_format_reward",
        "tag_count_reward",
        "soft_overlong_punishment_reward",
        "language_consistency_reward",
    ]
    cosine, repeat, code, overlong = funcs[3], funcs[4], funcs[6], funcs[8]
    # The script-argument default for a wrong answer's far end is 0.0, not the factory's -1.0.
    assert cosine.min_value_wrong == 0.0 and cosine.max_len == 1000
    assert repeat.ngram_size == 3 and repeat.max_penalty == -1.0 and code.language == "python"
    assert overlong.max_completion_len == 16384 and overlong.soft_punish_cache == 4096
    for f in funcs:
        assert pickle.loads(pickle.dumps(f)).__name__ == f.__name__


def test_get_reward_funcs_reads_any_object_with_open_r1s_attributes():
    # Such as open-r1's own GRPOScriptArguments, which has more fields than the rewards read.
    args = SimpleNamespace(
        reward_funcs=["cosine", "code_format", "soft_overlong_punishment"],
        cosine_max_len=50,
        code_language="cpp",
        max_completion_len=100,
        soft_punish_cache=20,
        code_provider="e2b",
    )
    cosine, code, overlong = o.get_reward_funcs(args)
    assert cosine.max_len == 50 and cosine.max_value_correct == 1.0 and code.language == "cpp"
    assert overlong([[1] * 90]) == [pytest.approx(-0.5)]
    # Keywords override the object.
    assert o.get_reward_funcs(args, cosine_max_len=7)[0].max_len == 7


def test_get_reward_funcs_by_names_and_params():
    funcs = o.get_reward_funcs(
        ["cosine", "repetition_penalty", "soft_overlong_punishment"],
        cosine_max_len=50,
        repetition_n_grams=2,
        max_completion_len=100,
        soft_punish_cache=20,
    )
    assert funcs[0].max_len == 50 and funcs[0].min_value_wrong == 0.0
    assert funcs[1](["this this this"]) == [pytest.approx(-0.5)]
    assert funcs[2](completion_ids=[[1] * 90]) == [pytest.approx(-0.5)]
    with pytest.raises(TypeError, match="reward_funcs"):
        o.get_reward_funcs(42)


@pytest.mark.parametrize("name", ["ioi_code"])
def test_code_execution_rewards_are_out_of_scope(name):
    with pytest.raises(ValueError, match=f"open-r1 reward '{name}' executes code in a sandbox") as excinfo:
        o.get_reward_funcs(o.GRPOScriptArguments(dataset_name="dummy", reward_funcs=["accuracy", name]))
    assert "out of scope" in one_line(excinfo)
    with pytest.raises(ValueError, match="out of scope"):
        o.get_reward_funcs([name])


def test_unknown_reward_name():
    with pytest.raises(
        ValueError, match="unknown open-r1 reward 'acc'; known: accuracy, binary_code, cf_code, code, code_format"
    ) as excinfo:
        o.get_reward_funcs(["acc"])
    one_line(excinfo)


# format and code format


def _open_r1_shape_by_brute_force(text, fence=None):
    """open-r1's format as a definition, every split tried: `<think>\\n` R `\\n</think>\\n<answer>\\n` A `\\n</answer>`
    then the end or a newline; with `fence`, A holds the fence and later a closing ```."""
    head, middle, tail = "<think>\n", "\n</think>\n<answer>\n", "\n</answer>"
    if not text.startswith(head):
        return False
    for p in range(len(head), len(text)):
        if not text.startswith(middle, p):
            continue
        for q in range(p + len(middle), len(text)):
            rest = text[q + len(tail) :]
            if text.startswith(tail, q) and (rest == "" or rest.startswith("\n")):
                answer = text[p + len(middle) : q]
                if fence is None:
                    return True
                for i in range(len(answer)):
                    if answer.startswith(fence, i) and "```" in answer[i + len(fence) :]:
                        return True
    return False


def _refused_on_purpose(text):
    tags = ("<think>", "</think>", "<answer>", "</answer>")
    if any(text.count(t) != 1 for t in tags):
        return True
    reasoning = text[len("<think>\n") : text.find("\n</think>")]
    answer = text[text.find("<answer>\n") + len("<answer>\n") : text.find("\n</answer>")]
    return not reasoning.strip() or not answer.strip()


def test_format_reward_keeps_open_r1s_newlines():
    fmt = o.format_reward
    assert fmt.__name__ == "format_reward"
    assert fmt([SEED_GOOD, conv(SEED_GOOD)]) == [1.0, 1.0]
    for text in [
        "<think>Some reasoning</think><answer>The answer</answer>",
        "<think>\nx\n</think> <answer>\ny\n</answer>",
        "<think>\nx\n</think>\n\n<answer>\ny\n</answer>",
        " <think>\nx\n</think>\n<answer>\ny\n</answer>",
        "<think>\nx\n</think>\n<answer>\ny</answer>",
        "<think>\nx\n</think>\n<answer>\ny\n</answer> trailing",
    ]:
        assert fmt([text]) == [0.0], repr(text)
    # open-r1's closing `$` is multi-line: the answer block may end a line with more text after it.
    assert fmt(["<think>\nx\n</think>\n<answer>\ny\n</answer>\nThe answer is y."]) == [1.0]


def test_format_reward_refuses_repeats_nesting_and_blank_blocks():
    for text in [
        SEED_GOOD.replace("</think>", "</think><think>\n</think>"),
        SEED_GOOD + "\n<answer>\n15\n</answer>",
        "<think>\nx <answer>\n</think>\n<answer>\ny\n</answer>",
        "<think>\n\n</think>\n<answer>\n14\n</answer>",
        "<think>\n \n</think>\n<answer>\n\n</answer>",
    ]:
        assert _open_r1_shape_by_brute_force(text), repr(text)  # open-r1 takes every one of them
        assert o.format_reward([text]) == [0.0], repr(text)


def test_format_shapes_agree_with_open_r1_except_where_refused():
    middle, tail = "\n</think>\n<answer>\n", "\n</answer>"
    pieces = ["<think>", "</think>", "<answer>", "</answer>", "\n", "x", " ", "```python", "```", middle, tail]
    rng = random.Random(0)
    shapes = itertools.product(["<think>\n"], ["x", " ", ""], [middle], ["y", "```python```", ""], [tail, tail + "\n"])
    texts = ["".join(p) for p in shapes]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    texts += ["<think>\n" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    code = CodeFormatReward("python")
    for text in texts:
        refused = _refused_on_purpose(text)
        expected = _open_r1_shape_by_brute_force(text) and not refused
        assert (open_r1_blocks(text) is not None) == expected, repr(text)
        assert code([text]) == [float(_open_r1_shape_by_brute_force(text, "```python") and not refused)], repr(text)


def test_code_format():
    python = o.get_code_format_reward("python")
    assert python.__name__ == "code_format_reward"
    assert python([conv(CODE), CODE]) == [1.0, 1.0]
    js = CODE.replace("python", "javascript")
    assert python([js]) == [0.0] and o.get_code_format_reward("javascript")([js]) == [1.0]
    # The language is a prefix, as in open-r1's pattern.
    assert o.get_code_format_reward("java")([js]) == [1.0]
    # A `language` column picks the language per row.
    assert python([CODE, js], language=["python", "javascript"]) == [1.0, 1.0]
    assert python([CODE], language=["cpp"]) == [0.0]
    for text in [
        "```python\nprint(1)\n```",
        "<think>\nPlan\n</think>\n<answer>\nJust text\n</answer>",
        "<think>\nPlan\n</think>\n<answer>\n```\nprint(1)\n```\n</answer>",
        "<think>\nPlan\n</think>\n<answer>\n```python\nprint(1)\n</answer>",
        "<think>\n```python\nx = 1\n```\n</think>\n<answer>\nno code here\n</answer>",
        "<answer>\n```python\nprint(1)\n```\n</answer><think>\nPlan\n</think>",
        CODE + CODE,
    ]:
        assert python([text]) == [0.0], repr(text)
    with pytest.raises(ValueError, match="language"):
        o.get_code_format_reward("")


def test_format_checks_are_linear_on_hostile_text():
    hostile = [
        "<think>\n" + "\n</think>\n<answer>\n```python" * 20_000,
        "<think>\n" + "```python\n" * 50_000 + "\n</think>\n<answer>\n" + "```python" * 50_000 + "\n</answer>",
        "<think>\n" + "\n" * 200_000,
    ]
    started = time.perf_counter()
    assert o.format_reward(hostile) == [0.0, 1.0, 0.0]
    assert o.get_code_format_reward()(hostile) == [0.0, 1.0, 0.0]
    assert time.perf_counter() - started < 1.0


# repetition penalty


def test_repetition_penalty_worked_numbers_and_errors():
    reward = o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0)
    assert reward.__name__ == "repetition_penalty_reward"
    assert reward([conv("this this this this this")]) == [-0.75]
    assert reward(["a b c d", ""]) == [0.0, 0.0]
    with pytest.raises(ValueError, match="^max_penalty 1.5 should not be positive$"):
        o.get_repetition_penalty_reward(ngram_size=2, max_penalty=1.5)
    with pytest.raises(ValueError, match="'fr'"):
        o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0, language="fr")


def test_repetition_zh_uses_jieba_when_installed():
    jieba = pytest.importorskip("jieba")
    reward = o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0, language="zh")
    # jieba reads 这个 as one word: 4 bigrams of one kind.
    assert reward(["这个这个这个这个这个"]) == [-0.75]
    text = "我们今天去北京, 北京 OK"
    assert reward.words(text) == list(jieba.cut(text))
    again = pickle.loads(pickle.dumps(reward))
    assert again(["这个这个这个这个这个"]) == [-0.75]


def test_repetition_zh_falls_back_per_character_without_jieba(monkeypatch, caplog):
    # A None entry in sys.modules makes `import jieba` raise ImportError, as if it were not installed.
    monkeypatch.setitem(sys.modules, "jieba", None)
    monkeypatch.setattr(repetition, "_jieba", None)
    with caplog.at_level(logging.WARNING, logger="r1_trl.rewards.repetition"):
        reward = o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0, language="zh")
        # 这 个 ×5: 9 bigrams, 2 distinct.
        assert reward(["这个这个这个这个这个"]) == [pytest.approx(-7 / 9)]
        o.get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0, language="zh")(["这个这个"])
    warnings = [r for r in caplog.records if "jieba is not installed" in r.getMessage()]
    assert len(warnings) == 1
    assert reward.words("這個 OK") == ["這", "個", "ok"]


# the rest of open-r1's rewards


def test_tag_count_counts_open_r1_pieces():
    assert o.tag_count_reward([SEED_GOOD]) == [1.0]
    assert o.tag_count_reward(["<think>\nx</think>"]) == [0.25]
    assert o.tag_count_reward([SEED_GOOD + SEED_GOOD]) == [0.0]


def test_reasoning_steps_uses_open_r1s_markers_only():
    assert o.reasoning_steps_reward(["Step 1: a\nStep 2: b\nStep 3: c"]) == [1.0]
    assert o.reasoning_steps_reward(["First, x"]) == [pytest.approx(1 / 3)]
    assert o.reasoning_steps_reward(["1. a\n2. b"]) == [pytest.approx(1 / 3)]
    assert o.reasoning_steps_reward(["nothing here", "首先 然后 最后"]) == [0.0, 0.0]
