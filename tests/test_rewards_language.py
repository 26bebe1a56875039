import logging
import pickle
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1_trl.data import make_problems, to_rows
from r1_trl.rewards import get_reward_func
from r1_trl.rewards.language import LanguageConsistencyReward, detect_language, language_scripts, script_words
from r1_trl.templates import TAG_FORMAT, ResponseFormat

reward = LanguageConsistencyReward()

EN_CHAIN = "First, 3 * 4 = 12. Then 2 + 12 = 14."
ZH_CHAIN = "首先 3 * 4 = 12。然後 2 + 12 = 14。"
# An English chain that slips into Chinese after its first connective.
SLIP_CHAIN = "First, 3 * 4 = 12。然後 2 + 12 = 14"


def tagged(reasoning: str, answer: str = "14") -> str:
    return TAG_FORMAT.render(reasoning, answer)


def one(text: str, **row) -> float | None:
    """The reward of one completion, with each row value wrapped as TRL's one-element column."""
    (out,) = reward([text], **{k: [v] for k, v in row.items()})
    return out


def tiny_backend(word: str) -> str | None:
    """Knows two words: enough to tell English from French where the script cannot."""
    return {"the": "en", "le": "fr-CA"}.get(word.lower())


def test_slip_into_chinese_scores_the_share_of_english_words():
    # Words: First | 然 | 後. Numbers, operators and punctuation are not words.
    assert [w for _, w in script_words(SLIP_CHAIN)] == ["First", "然", "後"]
    assert one(tagged(SLIP_CHAIN), lang="en") == pytest.approx(1 / 3)
    assert one(tagged(SLIP_CHAIN), lang="zh") == pytest.approx(2 / 3)


def test_clean_chains_score_one_and_the_wrong_target_scores_zero():
    assert one(tagged(EN_CHAIN), lang="en") == 1.0
    assert one(tagged(ZH_CHAIN), lang="zh") == 1.0
    assert one(tagged(ZH_CHAIN), lang="en") == 0.0
    assert one(tagged(EN_CHAIN), lang="zh") == 0.0


def test_language_codes_use_the_primary_subtag():
    for code in ("zh-TW", "ZH_Hant", "zho", " zh "):
        assert one(tagged(ZH_CHAIN), lang=code) == 1.0, code
    for code in ("en_US", "en-GB", "EN", "eng"):
        assert one(tagged(EN_CHAIN), lang=code) == 1.0, code


def test_only_the_think_block_counts():
    # The Chinese conclusion sits in the answer block, outside the chain of thought.
    text = tagged(EN_CHAIN, answer="答案是 14")
    assert one(text, lang="en") == 1.0
    # Without think tags the whole completion is the chain: First, Then, 答, 案, 是.
    assert one(f"{EN_CHAIN} 答案是 14", lang="en") == pytest.approx(2 / 5)


def test_partial_shapes_find_the_think_block():
    # Never closed (a truncated completion): everything after <think>.
    assert one(f"<think>\n{SLIP_CHAIN}", lang="en") == pytest.approx(1 / 3)
    # <think> prefilled by the chat template: everything before </think>.
    assert one(f"{SLIP_CHAIN}\n</think>\n<answer>\n答案\n</answer>", lang="en") == pytest.approx(1 / 3)
    # Junk after the answer breaks the format, not the chain of thought.
    assert one(tagged(SLIP_CHAIN) + " 答案", lang="en") == pytest.approx(1 / 3)
    # A second think block cannot hide a switch: first <think> to last </think>.
    two = f"<think>\n{EN_CHAIN}\n</think>\n<think>\n然後\n</think>\n<answer>\n14\n</answer>"
    assert one(two, lang="en") == pytest.approx(2 / 4)


def test_custom_response_format():
    fmt = ResponseFormat("<reasoning>", "</reasoning>", "<final>", "</final>")
    custom = LanguageConsistencyReward(response_format=fmt)
    text = fmt.render(SLIP_CHAIN, "十四")
    assert custom([text], lang=["en"]) == [pytest.approx(1 / 3)]
    # The default format sees no think block and counts the answer's 十, 四 too, but never the tags' letters.
    assert reward([text], lang=["en"]) == [pytest.approx(1 / 5)]


def test_math_latex_and_code_do_not_count():
    assert script_words("$\\frac{1}{2}$ 3 * 4 = 12") == []
    # Nothing but math: no language is mixed, so full credit rather than no signal.
    assert one("<think>\n$\\frac{1}{2}$ 3 * 4 = 12\n</think>\n<answer>\n14\n</answer>", lang="zh") == 1.0
    noisy = (
        "首先 $\\text{first}$ $$\\sum_{i} x_i$$ \\(a + b\\) \\[\\mathrm{then}\\] `then` "
        "```python\nprint('hello world')\n``` \\textbf{Then} \\sqrt[three]{x} https://example.com/then "
        "www.example.org <|im_end|> 然後 x = 3, 2x + 1 = 7, max(3, 4) = 4, 3 x 4 = 12"
    )
    assert script_words(noisy) == [("Han", "首"), ("Han", "先"), ("Han", "然"), ("Han", "後")]
    assert one(tagged(noisy), lang="zh") == 1.0


def test_what_is_left_of_broken_markup_still_counts():
    # An unclosed `$` or `\\(` drops only itself: the words after it are still the chain's.
    assert [w for _, w in script_words("then $ 然後")] == ["then", "然", "後"]
    assert [w for _, w in script_words("then \\( 然後")] == ["then", "然", "後"]
    # Money is not math: the words after an amount count, even with real math later on the line.
    assert [w for _, w in script_words("costs $5 and $10, so $y$ is")] == ["costs", "and", "so", "is"]
    assert [w for _, w in script_words("it's l’été and naïve")] == ["it's", "l’été", "and", "naïve"]


def test_empty_chain_is_none():
    assert one("<think>\n\n</think>\n<answer>\n14\n</answer>", lang="en") is None
    assert one("<think></think>", lang="en") is None
    assert one("", lang="en") is None


def test_target_detected_from_a_string_prompt():
    assert one(tagged(ZH_CHAIN), prompts="2 + 3 * 4 等於多少?") == 1.0
    assert one(tagged(EN_CHAIN), prompts="2 + 3 * 4 等於多少?") == 0.0
    assert one(tagged(SLIP_CHAIN), prompts="What is 2 + 3 * 4?") == pytest.approx(1 / 3)
    # The `lang` column wins over the prompt.
    assert one(tagged(EN_CHAIN), prompts="2 + 3 * 4 等於多少?", lang="en") == 1.0


def test_target_detected_from_a_chat_prompt_and_conversational_completions():
    chat = [
        {"role": "system", "content": "You are a helpful assistant. Think step by step."},
        {"role": "user", "content": "What is 2 + 3 * 4?"},
        {"role": "assistant", "content": "Let me see."},
        {"role": "user", "content": [{"type": "text", "text": "用中文回答:2 + 3 * 4 等於多少?"}]},
    ]
    completions = [
        [{"role": "assistant", "content": tagged(ZH_CHAIN)}],
        [{"role": "assistant", "content": tagged(SLIP_CHAIN)}],
    ]
    assert reward(completions, prompts=[chat, chat]) == [1.0, pytest.approx(2 / 3)]


def test_no_target_language_is_none_unless_defaulted():
    assert one(tagged(EN_CHAIN)) is None
    assert one(tagged(EN_CHAIN), prompts="2 + 3 = ?") is None
    assert one(tagged(EN_CHAIN), lang=None, prompts=[{"role": "system", "content": "Hi"}]) is None
    defaulted = LanguageConsistencyReward(default_lang="zh-CN")
    assert defaulted([tagged(ZH_CHAIN)]) == [1.0]
    assert defaulted([tagged(ZH_CHAIN)], prompts=["What is 2 + 3 * 4?"]) == [0.0]
    with pytest.raises(ValueError, match="unknown default_lang 'klingon'"):
        LanguageConsistencyReward(default_lang="klingon")
    with pytest.raises(ValueError, match="backend must be a callable"):
        LanguageConsistencyReward(backend="en")


def test_unknown_language_is_none_and_warned_once(caplog):
    with caplog.at_level(logging.WARNING, logger="r1_trl.rewards.language"):
        assert reward([tagged(EN_CHAIN)] * 2, lang=["tlh", "tlh-Latn"]) == [None, None]
        assert one(tagged(EN_CHAIN), lang="tlh") is None
    warnings = [r for r in caplog.records if "tlh" in r.getMessage()]
    assert len(warnings) == 1
    assert language_scripts("tlh") is None


def test_other_scripts():
    assert one("<think>東京に住むのは楽しい</think>", lang="ja") == 1.0
    # For a Chinese target the kana are foreign: 東 京 住 楽 are Han, に む の は し い are kana.
    assert one("<think>東京に住むのは楽しい</think>", lang="zh") == pytest.approx(4 / 10)
    assert one("<think>Сначала 3 * 4 = 12. Потом 2 + 12 = 14.</think>", lang="ru") == 1.0
    assert one("<think>Сначала 3 * 4 = 12. Then 2 + 12 = 14.</think>", lang="ru") == pytest.approx(1 / 2)
    assert one("<think>먼저 계산</think>", lang="ko") == 1.0
    assert language_scripts("ja") == {"Han", "Kana"}


def test_detect_language():
    assert detect_language("What is 2 + 3 * 4?") == "en"
    assert detect_language("2 + 3 * 4 等於多少?") == "zh"
    assert detect_language("東京に住む") == "ja"
    assert detect_language("서울에 살아요") == "ko"
    assert detect_language("Привет, мир") == "ru"
    assert detect_language("مرحبا بالعالم") == "ar"
    assert detect_language("1 + 2 = $x$") is None
    assert detect_language("ab cd 中文") is None  # a tie says nothing: two Latin words, two Han
    assert detect_language(None) is None


def test_backend_tells_languages_of_one_script_apart():
    fr = "<think>\nle chat\n</think>\n<answer>\n14\n</answer>"
    en = "<think>\nthe cat\n</think>\n<answer>\n14\n</answer>"
    # By script alone English and French are the same language.
    assert reward([fr, en], lang=["en", "en"]) == [1.0, 1.0]
    assert reward([fr, en], lang=["fr", "fr"]) == [1.0, 1.0]
    with_backend = LanguageConsistencyReward(backend=tiny_backend)
    # `le` is French, `the` English, `chat` and `cat` unknown to the backend, so their (Latin) script decides.
    assert with_backend([fr, en], lang=["en", "en"]) == [0.5, 1.0]
    assert with_backend([fr, en], lang=["fr", "fr"]) == [1.0, 0.5]
    # A word the backend does not know is still judged by its script: Chinese in an English chain.
    assert with_backend(["<think>the 貓</think>"], lang=["en"]) == [0.5]


def test_pickles_with_its_name_and_backend():
    for r in (reward, LanguageConsistencyReward(backend=tiny_backend, default_lang="fr")):
        again = pickle.loads(pickle.dumps(r))
        assert again.__name__ == r.__name__ == "language_consistency"
        texts = [tagged(SLIP_CHAIN), "<think>\nle chat\n</think>", "<think>the cat</think>"]
        assert again(texts, lang=["en", "en", "fr"]) == r(texts, lang=["en", "en", "fr"])
        assert again(texts) == r(texts)


def test_reachable_by_dotted_path():
    r = get_reward_func("r1_trl.rewards.language.LanguageConsistencyReward", response_format=TAG_FORMAT)
    assert isinstance(r, LanguageConsistencyReward) and r.__name__ == "language_consistency"


def test_the_embedded_task():
    problems = make_problems(40, "train", seed=1, difficulties=(2, 3))
    rng = random.Random(0)
    for p, row in zip(problems, to_rows(problems), strict=True):
        lang, other = row["lang"], "zh" if row["lang"] == "en" else "en"
        clean = tagged(p.solution_text(lang), str(p.answer))
        assert one(clean, lang=lang) == 1.0
        assert one(clean, prompts=row["prompt"]) == 1.0
        # Every connective from the other language: only the closing "The answer is" / 答案是 is on target.
        drifted = tagged(p.chain(lang, mix=1.0, rng=rng) + " " + p.conclusion(lang), str(p.answer))
        # 首先/然後 are two words each, First,/Then one each; "The answer is" and 答案是 are three either way.
        foreign = len(p.steps) * (2 if other == "zh" else 1)
        expected = 3 / (3 + foreign)
        assert one(drifted, lang=lang) == pytest.approx(expected)


HOSTILE = {
    "nested braces": "\\frac" + "{" * 50_000 + "}" * 50_000,
    "unclosed braces": "\\a{" * 33_000,
    "unclosed dollars": "$a " * 33_000,
    "dollars": "$" * 100_000,
    "unclosed parens": "\\(" * 50_000,
    "backtick runs": "".join("`" * k + " x " for k in range(440, 0, -1)),
    "letters": "a" * 100_000,
    "han": "中" * 100_000,
    "alternating scripts": "a中" * 50_000,
    "schemes": "http://" * 14_000,
    "special tokens": "<|" * 50_000,
    "tags": "<think>" * 14_000,
    "combining marks": "a" + "\u0301" * 100_000,
    "apostrophes": "a'" * 50_000,
    "options": "\\a[" * 33_000,
    "binary": bytes(random.Random(0).randrange(256) for _ in range(100_000)).decode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_strings_stay_in_range(name):
    # Speed on these is measured in benchmarks/rewards.py; tests do not assert timings.
    text = HOSTILE[name]
    outs = reward([text, f"<think>{text}</think><answer>1</answer>", "<think>the</think>"], prompts=[text] * 3)
    outs += reward([text], lang=["en"])
    assert all(o is None or 0.0 <= o <= 1.0 for o in outs)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        st.text(alphabet="$`\\{}()[]<>/|:.'thinkanswer 0123456789中文東にab\u0301\n", max_size=400),
    ),
    st.sampled_from(["en", "zh", "ja", "fr-CA", "xx", "", None, 3]),
    st.one_of(st.none(), st.text(max_size=50), st.lists(st.fixed_dictionaries({"role": st.just("user")}))),
)
def test_never_raises(text, lang, prompt):
    for r in (reward, LanguageConsistencyReward(backend=tiny_backend, default_lang="en")):
        (out,) = r([text], lang=[lang], prompts=[prompt])
        assert out is None or 0.0 <= out <= 1.0
