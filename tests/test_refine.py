"""The rule-based refiner: R1-Zero completions in, clean readable responses in the question's language out."""

from __future__ import annotations

import pickle
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1_trl.data import make_problems
from r1_trl.data.refine import MAX_STEPS, RuleBasedRefiner, extract_steps, refine
from r1_trl.templates import READABLE_FORMAT, TAG_FORMAT

SEED = "ummm... 3 乘以 4... 得到 12... 然後加上 2... 14"
QUESTION_EN = "What is 2 + 3 * 4?"
QUESTION_ZH = "2 + 3 * 4 等於多少?"
MIXED = "<think>\nFirst, 3 * 4 = 12。然後 2 + 12 = 14。\n</think>\n<answer>\n14\n</answer>"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_seed_refines_to_a_clean_chinese_chain():
    out = refine(SEED, QUESTION_ZH, "zh")
    assert out == "|special_token|\n首先 3 * 4 = 12。然後 12 + 2 = 14。\n|special_token|\n14"
    assert out == READABLE_FORMAT.render("首先 3 * 4 = 12。然後 12 + 2 = 14。", "14")
    assert READABLE_FORMAT.parse(out) == ("首先 3 * 4 = 12。然後 12 + 2 = 14。", "14")


def test_seed_with_gold_answer_and_refused_with_a_different_one():
    assert refine(SEED, QUESTION_ZH, "zh", answer="14") == refine(SEED, QUESTION_ZH, "zh", answer=14)
    assert refine(SEED, QUESTION_ZH, "zh", answer="14") is not None
    assert refine(SEED, QUESTION_ZH, "zh", answer="15") is None


def test_tagged_mixed_language_completion_becomes_english_only():
    out = refine(MIXED, QUESTION_EN, "en")
    assert out == READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 14.", "14")
    assert not CJK.search(out)


def test_tagged_mixed_language_completion_becomes_chinese_only():
    out = refine(MIXED, QUESTION_ZH, "zh")
    assert out == READABLE_FORMAT.render("首先 3 * 4 = 12。然後 2 + 12 = 14。", "14")
    assert not re.search(r"[A-Za-z]", out.replace("special_token", ""))


def test_output_format_follows_response_format():
    out = refine(SEED, QUESTION_ZH, "zh", response_format=TAG_FORMAT)
    assert TAG_FORMAT.parse(out) == ("首先 3 * 4 = 12。然後 12 + 2 = 14。", "14")


def test_single_step_has_no_connective():
    assert refine("<think>hmm 3 times 4 is 12</think><answer>12</answer>", "What is 3 * 4?", "en") == (
        READABLE_FORMAT.render("3 * 4 = 12.", "12")
    )
    assert refine("3 乘以 4 得到 12", "計算 3 * 4。", "zh") == READABLE_FORMAT.render("3 * 4 = 12。", "12")


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("3 times 4 is 12, then add 2 gives 14", [(3, "*", 4, 12), (12, "+", 2, 14)]),
        ("12 divided by 3 equals 4", [(12, "/", 3, 4)]),
        ("12 minus 3 is 9", [(12, "-", 3, 9)]),
        ("2 plus 12 is 14", [(2, "+", 12, 14)]),
        ("3 multiplied by 4 is equal to 12", [(3, "*", 4, 12)]),
        ("2 added to 12 gives 14", [(2, "+", 12, 14)]),
        ("subtract 3 from 12 gives 9", [(12, "-", 3, 9)]),
        ("3 subtracted from 12 is 9", [(12, "-", 3, 9)]),
        ("add 2 to 12 to get 14", [(12, "+", 2, 14)]),
        ("3 x 4 = 12, 12 ÷ 3 = 4, 2×6 12", [(3, "*", 4, 12), (12, "/", 3, 4), (2, "*", 6, 12)]),
        ("12 除以 3 是 4,再減去 1 等于 3,乘 5 等於 15", [(12, "/", 3, 4), (4, "-", 1, 3), (3, "*", 5, 15)]),
        ("7 减去 2 得到 5,5 加上 1 是 6,6 减 6 = 0", [(7, "-", 2, 5), (5, "+", 1, 6), (6, "-", 6, 0)]),
        (SEED, [(3, "*", 4, 12), (12, "+", 2, 14)]),
    ],
)
def test_extract_steps_reads_symbols_and_words(text, steps):
    assert extract_steps(text) == steps


@pytest.mark.parametrize(
    "text",
    [
        "3 * 4 = 13",  # wrong
        "5 - 7 = 0",  # negative difference
        "7 / 2 = 3",  # remainder
        "4 / 0 = 0",
        "2.2 + 3 = 5.2",  # decimals are not integers, however they end
        "add 2 gives 14",  # nothing before to continue from
        "2 + 3 * 4 = 14",  # an expression, not a step
        "12345678901234567890 + 1 = 12345678901234567891",  # no operand of this task is that long
        "the answer is 14",
        "",
    ],
)
def test_extract_steps_keeps_only_steps_that_check_out(text):
    assert extract_steps(text) == []


def test_a_wrong_step_is_dropped():
    text = "<think>3 * 4 = 13. Wait, 3 * 4 = 12. Then 2 + 12 = 14.</think><answer>14</answer>"
    assert extract_steps(text) == [(3, "*", 4, 12), (2, "+", 12, 14)]
    assert refine(text, QUESTION_EN, "en") == READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 14.", "14")


def test_a_left_out_operand_is_never_taken_past_a_written_one():
    # `5 + 2 = 14` is wrong; reading it as `12 + 2 = 14` would be repairing it.
    assert extract_steps("3 * 4 = 12. 5 + 2 = 14") == [(3, "*", 4, 12)]


def test_steps_that_do_not_reach_the_answer_are_refused():
    assert refine("<think>First, 3 * 4 = 12.</think><answer>14</answer>", QUESTION_EN, "en") is None
    assert refine("3 * 4 = 12. 2 + 12 = 14.", QUESTION_EN, "en", answer="15") is None
    # The completion's own answer disagrees with its steps.
    assert refine("<think>3 * 4 = 12. 2 + 12 = 14.</think><answer>15</answer>", QUESTION_EN, "en") is None
    # Only wrong steps: nothing to refine.
    assert refine("<think>3 * 4 = 13. 2 + 13 = 16.</think><answer>16</answer>", QUESTION_EN, "en") is None


def test_an_invented_operand_is_refused():
    text = "<think>First, 3 * 5 = 15. Then 15 - 1 = 14.</think><answer>14</answer>"
    # The arithmetic is right, so only the operand check can refuse it.
    assert extract_steps(text) == [(3, "*", 5, 15), (15, "-", 1, 14)]
    assert refine(text, QUESTION_EN, "en") is None
    assert refine(text, "What is 3 * 5 - 1?", "en") is not None
    # An intermediate the completion never computed counts as invented too.
    assert refine("2 + 12 = 14", QUESTION_EN, "en") is None


def test_answers_are_read_as_numbers():
    steps = "<think>3 * 4 = 12. 2 + 12 = 14.</think>"
    for own in ("14", "The answer is 14.", "答案是 14。", "\\boxed{14}"):
        assert refine(f"{steps}<answer>{own}</answer>", QUESTION_EN, "en") == refine(steps, QUESTION_EN, "en")
    for gold in ("14.5", "-14", "abc", ""):
        assert refine(steps, QUESTION_EN, "en", answer=gold) is None


def test_truncated_and_prefilled_think_blocks():
    expected = READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 14.", "14")
    assert refine("<think>3 * 4 = 12. 2 + 12 = 14. hmm", QUESTION_EN, "en") == expected
    assert refine("3 * 4 = 12. 2 + 12 = 14.</think>\n<answer>14</answer>", QUESTION_EN, "en") == expected


def test_unknown_language_raises():
    with pytest.raises(ValueError, match="'fr'"):
        refine(SEED, QUESTION_ZH, "fr")


def test_every_corpus_solution_refines_to_its_own_chain():
    problems = make_problems(200, "train", difficulties=(1, 2, 3))
    assert {p.difficulty for p in problems} == {1, 2, 3}
    rng = random.Random(0)
    for i, p in enumerate(problems):
        for lang in ("en", "zh"):
            question = p.question(lang, variant=i)
            expected = (p.chain(lang), str(p.answer))
            out = refine(p.solution_text(lang), question, lang, answer=str(p.answer))
            assert out is not None and READABLE_FORMAT.parse(out) == expected, (p, lang, out)
            # Without the gold answer the last step's result stands in, and it is the same number.
            assert refine(p.solution_text(lang), question, lang) == out
            # The other language's solution, or a drifted one, comes out in `lang`'s style all the same.
            other = "zh" if lang == "en" else "en"
            assert refine(p.solution_text(other), question, lang) == out
            drifted = TAG_FORMAT.render(p.chain(lang, mix=0.5, rng=rng), str(p.answer))
            assert refine(drifted, question, lang) == out


def test_too_many_steps_are_refused():
    loop = "3 * 4 = 12. " * (MAX_STEPS + 1)
    assert len(extract_steps(loop)) == MAX_STEPS + 1
    assert refine(loop, "What is 3 * 4?", "en") is None
    assert refine("3 * 4 = 12. " * MAX_STEPS, "What is 3 * 4?", "en") is not None


@pytest.mark.parametrize(
    "text",
    [
        "9" * 200_000,
        "1 + " * 50_000,
        "3 * 4 = 12 " * 20_000,
        "<think>" * 20_000 + "</answer>" * 20_000,
        "乘以" * 100_000,
        "a" * 200_000,
        bytes(random.Random(0).randbytes(200_000)).decode("latin-1"),
        "\x00\ud800\uffff" * 10_000,
    ],
    ids=["digits", "ops", "loop", "tags", "zh-ops", "letters", "binary", "surrogates"],
)
def test_huge_junk_is_refused_without_raising(text):
    assert isinstance(extract_steps(text), list)
    assert refine(text, "What is 3 * 4?", "en") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        st.text(alphabet="0123456789 +-*/×÷x=.乘以加上減去除以得到是然後<think></answer>isplustime", max_size=300),
    ),
    st.sampled_from(["en", "zh"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=20)),
)
def test_never_raises_and_only_emits_checked_grounded_chains(text, lang, answer):
    steps = extract_steps(text)
    assert all(isinstance(s, tuple) and len(s) == 4 for s in steps)
    out = refine(text, QUESTION_EN, lang, answer)
    if out is None:
        return
    reasoning, summary = READABLE_FORMAT.parse(out)
    # Whatever got through is a chain the refiner itself reads back unchanged, from the question's numbers.
    again = extract_steps(reasoning)
    assert again and str(again[-1][3]) == summary
    assert READABLE_FORMAT.parse(refine(reasoning, QUESTION_EN, lang)) == (reasoning, summary)


def test_rule_based_refiner_pickles_and_reads_rows():
    refiner = RuleBasedRefiner()
    assert refiner.__name__ == "rule_based"
    restored = pickle.loads(pickle.dumps(refiner))
    assert restored == refiner and restored.__name__ == "rule_based"
    row = {"prompt": QUESTION_ZH, "lang": "zh", "solution": "14"}
    assert restored(SEED, row) == refine(SEED, QUESTION_ZH, "zh", "14") is not None
    assert restored(SEED, {**row, "solution": "15"}) is None
    # No language on the row: English.
    assert restored(MIXED, {"prompt": QUESTION_EN}) == READABLE_FORMAT.render(
        "First, 3 * 4 = 12. Then 2 + 12 = 14.", "14"
    )
    tagged = pickle.loads(pickle.dumps(RuleBasedRefiner(TAG_FORMAT)))
    assert TAG_FORMAT.parse(tagged(SEED, row)) == ("首先 3 * 4 = 12。然後 12 + 2 = 14。", "14")
