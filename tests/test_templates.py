from r1_trl.templates import R1_ZERO_TEMPLATE_EN, TAG_FORMAT, get_template, prefilled_prefix

PAPER = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant "
    "first thinks about the reasoning process in the mind and then provides the user with the answer. The reasoning "
    "process and answer are enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e., "
    "<think> reasoning process here </think> <answer> answer here </answer>. User: prompt. Assistant:"
)
SEED_ZH = (
    "用戶和助手之間的對話。用戶提出問題,助手解決該問題。助手首先在腦海中思考推理過程,"
    "然後為用戶提供答案。推理過程和答案分別包含在 <think></think> 和 <answer></answer> 標籤中,"
    "即 <think>推理過程在這裡</think> <answer>答案在這裡</answer> 。用戶:prompt。助手:"
)


def test_template_text_is_the_papers():
    t = get_template("r1_zero")
    assert t.format_prompt("prompt") == PAPER
    assert t.format_prompt("prompt", "zh") == SEED_ZH
    assert R1_ZERO_TEMPLATE_EN.count("{prompt}") == 1
    # No doubled punctuation: the template's own stop goes only after a question that does not end a sentence.
    assert t.format_prompt("What is 2 + 3 * 4?").endswith("User: What is 2 + 3 * 4? Assistant:")
    assert t.format_prompt("Compute 4 / 4 + 1.").endswith("User: Compute 4 / 4 + 1. Assistant:")
    assert t.format_prompt("計算 6 - 5 + 2。", "zh").endswith("用戶:計算 6 - 5 + 2。助手:")
    assert t.format_prompt("2 + 3 * 4", "zh").endswith("用戶:2 + 3 * 4。助手:")


def test_conversation_form():
    conv = get_template("r1_zero").as_conversation("2 + 3 * 4 等於多少?", "zh")
    assert conv == [{"role": "user", "content": SEED_ZH.replace("prompt。", "2 + 3 * 4 等於多少?")}]


def test_response_format_round_trip_and_hacks():
    text = TAG_FORMAT.render("3 * 4 = 12. 2 + 12 = 14.", "14")
    for strict in (False, True):  # what render writes (SFT data) is well-formed either way
        assert TAG_FORMAT.parse(text, strict=strict) == ("3 * 4 = 12. 2 + 12 = 14.", "14")
        assert TAG_FORMAT.parse("<think>\n \n</think>\n<answer>\n14\n</answer>", strict) is None  # empty think
        assert TAG_FORMAT.parse(text + "\n<answer>\n15\n</answer>", strict) is None  # second answer
        assert TAG_FORMAT.parse("<think>\na <think> b\n</think>\n<answer>\n14\n</answer>", strict) is None  # nested


# The shape the R1-Zero template itself shows: spaces between the blocks, no newlines.
TEMPLATE_SHAPE = "<think> a </think> <answer> 14 </answer>"


def test_response_format_accepts_the_templates_own_shape_by_default():
    assert TAG_FORMAT.parse(TEMPLATE_SHAPE) == ("a", "14")
    assert TAG_FORMAT.parse("<think>a</think><answer>14</answer>") == ("a", "14")  # no whitespace at all
    assert TAG_FORMAT.parse("  <think>\ta\n\n</think>\n\n <answer>14</answer>\n") == ("a", "14")
    assert TAG_FORMAT.matches(TEMPLATE_SHAPE) and not TAG_FORMAT.matches(TEMPLATE_SHAPE, strict=True)
    # Only the newline shape `render` writes is strict.
    assert TAG_FORMAT.parse(TEMPLATE_SHAPE, strict=True) is None
    assert TAG_FORMAT.parse("<think>a</think><answer>14</answer>", strict=True) is None
    assert TAG_FORMAT.parse("<think>\na\n</think>\n<answer>\n14\n</answer>", strict=True) == ("a", "14")


def test_response_format_refuses_hacks_whatever_the_whitespace():
    bad = [
        "<think> a </think> <answer> 14 </answer> <answer> 15 </answer>",  # repeated answer
        "<think> a </think> <think> b </think> <answer> 14 </answer>",  # repeated think
        "<think> a <think> b </think> </think> <answer> 14 </answer>",  # nested think
        "<think> a <answer> 1 </answer> </think> <answer> 14 </answer>",  # an answer hidden in the reasoning
        "<think>  </think> <answer> 14 </answer>",  # empty think
        "<think> a </think> <answer> </answer>",  # empty answer
        "<answer> 14 </answer> <think> a </think>",  # wrong order
        "<think> a <answer> 14 </think> </answer>",  # interleaved
        "<think> a </think> so <answer> 14 </answer>",  # text between the blocks
        "x <think> a </think> <answer> 14 </answer>",  # text before
        "<think> a </think> <answer> 14 </answer> x",  # text after
        "<think> a </think>",  # no answer
        "<answer> 14 </answer>",  # no think
    ]
    for text in bad:
        assert TAG_FORMAT.parse(text) is None, text
        assert TAG_FORMAT.parse(text.replace(" ", "\n"), strict=True) is None, text


def test_prefilled_think_is_detected():
    assert prefilled_prefix("<|im_start|>assistant\n<think>\n") == "<think>\n"
    assert prefilled_prefix("<|im_start|>assistant\n") == ""


def test_unknown_template_names_the_known_ones():
    import pytest

    with pytest.raises(ValueError, match="r1_zero"):
        get_template("r1-zero")


def test_readable_format_round_trip_and_rewards_follow_it():
    from r1_trl.rewards import AccuracyReward, FormatReward, TagCountReward
    from r1_trl.templates import READABLE_FORMAT, ReadableFormat, get_template

    text = READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 14.", "The answer is 14.")
    assert text == "|special_token|\nFirst, 3 * 4 = 12. Then 2 + 12 = 14.\n|special_token|\nThe answer is 14."
    for strict in (False, True):
        assert READABLE_FORMAT.parse(text, strict) == ("First, 3 * 4 = 12. Then 2 + 12 = 14.", "The answer is 14.")
        assert READABLE_FORMAT.parse("|special_token|\n\n|special_token|\n14", strict) is None  # empty reasoning
        assert READABLE_FORMAT.parse("|special_token|\nx\n|special_token|\n ", strict) is None  # empty summary
        assert READABLE_FORMAT.parse(text + "|special_token|", strict) is None
        assert READABLE_FORMAT.parse("x\n" + text, strict) is None  # text before the reasoning
    assert READABLE_FORMAT.parse("|special_token| x |special_token| 14") == ("x", "14")
    assert READABLE_FORMAT.parse("|special_token|x|special_token|14") == ("x", "14")
    assert READABLE_FORMAT.parse("|special_token| x |special_token| 14", strict=True) is None
    assert READABLE_FORMAT.parse("|special_token|\nx\n|special_token| 14", strict=True) is None
    fmt = get_template("readable").response_format
    assert fmt is READABLE_FORMAT
    assert FormatReward(fmt)([text, "<think>\nx\n</think>\n<answer>\n14\n</answer>"]) == [1.0, 0.0]
    spaced = "|special_token| x |special_token| 14"
    assert FormatReward(fmt)([spaced]) == [1.0] and FormatReward(fmt, strict=True)([spaced, text]) == [0.0, 1.0]
    assert AccuracyReward(fmt)([text, text.replace("14.", "15.")], solution=["14", "14"]) == [1.0, 0.0]
    assert AccuracyReward(fmt)(["The answer is 14."], solution=["14"]) == [0.0]
    assert TagCountReward(fmt)([text, text + "|special_token|"]) == [1.0, 0.0]
    custom = ReadableFormat(separator="<sep>")
    assert custom.parse("<sep>\nx\n<sep>\n14") == ("x", "14")
