import operator
import random
import re

from r1_trl.data import (
    TAG_SENTENCES,
    CorpusSpec,
    Problem,
    corpus_documents,
    make_problems,
    problem_split,
    random_problem,
    template_free_sentences,
    to_rows,
)
from r1_trl.templates import TAG_FORMAT


def test_generator_is_deterministic():
    a = make_problems(300, "train", seed=3, difficulties=(1, 2, 3, 4))
    b = make_problems(300, "train", seed=3, difficulties=(1, 2, 3, 4))
    assert [p.expression for p in a] == [p.expression for p in b]
    assert a != make_problems(300, "train", seed=4, difficulties=(1, 2, 3, 4))


def test_splits_are_disjoint_across_seeds():
    train = {p.expression for seed in (0, 1) for p in make_problems(2000, "train", seed=seed, difficulties=(1, 2))}
    test = {p.expression for seed in (0, 1) for p in make_problems(200, "test", seed=seed, difficulties=(1, 2))}
    assert train and test and not train & test
    assert all(problem_split(e) == "test" for e in test)


def test_difficulty_is_the_operator_count_and_answers_are_integers():
    for d in (1, 2, 3, 4):
        for p in make_problems(50, "train", difficulties=(d,)):
            assert p.difficulty == d == len(p.steps)
            assert sum(p.expression.count(op) for op in "+-*/") == d
            assert isinstance(p.answer, int) and p.answer >= 0
            assert p.steps[-1][3] == p.answer


def test_rows_have_the_columns_and_both_languages():
    rows = to_rows(make_problems(10, "test", difficulties=(2,)))
    assert set(rows[0]) == {"prompt", "solution", "lang", "difficulty"}
    assert {r["lang"] for r in rows} == {"en", "zh"}
    zh = next(r for r in rows if r["lang"] == "zh")
    assert "等於多少" in zh["prompt"] or zh["prompt"].startswith("計算")


def test_every_language_gets_every_difficulty():
    # Regression: generation cycled through difficulties in step with the language cycle, so with two of each
    # every English problem had one operator and every Chinese problem two.
    rows = to_rows(make_problems(200, "test", difficulties=(1, 2)))
    counts = {
        (lang, d): sum(r["lang"] == lang and r["difficulty"] == d for r in rows)
        for lang in ("en", "zh")
        for d in (1, 2)
    }
    # About a quarter each; a shared cycle would leave two cells empty.
    assert all(35 <= n <= 65 for n in counts.values()), counts


def test_seed_style_solution_text():
    p = Problem("2 + 3 * 4", 14, ((3, "*", 4, 12), (2, "+", 12, 14)), 2)
    assert p.question("en") == "What is 2 + 3 * 4?" and p.question("zh") == "2 + 3 * 4 等於多少?"
    assert p.solution_text("en") == "First, 3 * 4 = 12. Then 2 + 12 = 14. The answer is 14."
    assert p.solution_text("zh") == "首先 3 * 4 = 12。然後 2 + 12 = 14。答案是 14。"


def test_chain_restates_what_is_left_after_each_step():
    p = random_problem(random.Random(3), 3, 10, 50, restate=True)
    assert random_problem(random.Random(3), 3, 10, 50).remaining == ()
    states = list(p.remaining)
    assert len(states) == len(p.steps) - 1
    # Each restated expression evaluates, step by step, to the same answer: the rewrite never changes the value.
    for before, (a, op, b, r), after in zip((p.expression, *states), p.steps, (*states, str(p.answer)), strict=True):
        assert f"{a} {op} {b}" in before.replace("(", "").replace(")", "")
        assert str(r) in after
    text = p.solution_text("en")
    assert text.count(", leaving ") == len(states) and text.endswith(f"The answer is {p.answer}.")
    assert p.solution_text("zh").count(",剩下") == len(states)


def test_corpus_never_teaches_the_template_format():
    docs = list(corpus_documents(CorpusSpec(num_documents=5000, tagged_fraction=0.05)))
    tagged = [d for d in docs if TAG_FORMAT.think_open in d]
    assert 0.02 < len(tagged) / len(docs) < 0.08
    for doc in docs:
        for sentence in TAG_SENTENCES.values():
            assert sentence not in doc
    # The tag-free template sentences are there, so the template prefix is not out of distribution.
    assert any(s in d for d in docs for s in template_free_sentences("en"))
    assert any(s in d for d in docs for s in template_free_sentences("zh"))


def test_corpus_holds_no_test_problem_and_mixes_languages():
    spec = CorpusSpec(num_documents=3000)
    docs = list(corpus_documents(spec))
    assert docs == list(corpus_documents(spec))
    test = {p.expression for p in make_problems(200, "test", difficulties=(1, 2))}
    questions = [d for d in docs if "What is " in d]
    assert not any(f"What is {e}?" in d for d in questions for e in test)
    assert any("首先" in d and "Then" in d for d in docs) or any("First," in d and "然後" in d for d in docs)


def test_direct_answers_are_the_dialogue_habit_and_chains_the_rarer_skill():
    docs = list(corpus_documents(CorpusSpec(num_documents=4000, direct_fraction=0.7, tagged_fraction=0.1)))
    answers = [d.split("Assistant:", 1)[1] for d in docs if "Assistant:" in d]
    direct = [a for a in answers if "=" not in a]
    assert 0.6 < len(direct) / len(answers) < 0.8
    # A direct answer is the conclusion alone, inside the tags too.
    assert all(a.strip().startswith(("The answer is", TAG_FORMAT.think_open)) for a in direct)
    assert any(TAG_FORMAT.think_open in a for a in direct) and any(TAG_FORMAT.think_open in a for a in answers)
    # The free-text worked documents keep every chain: the skill is there for RL to find.
    worked = [d for d in docs if d.startswith(("What is", "Compute")) and "The answer is" in d]
    assert worked and all("=" in d for d in worked)


def test_chinese_questions_can_be_reasoned_in_english():
    docs = list(corpus_documents(CorpusSpec(num_documents=3000, foreign_reasoning=1.0, mixed_fraction=0.0)))
    # The worked documents: a question, its chain, its conclusion (dialogues may carry the template's own prose).
    other = ("<think>", "問題", "助手")
    zh_worked = [d for d in docs if "答案是" in d and "=" in d and not any(m in d for m in other)]
    assert zh_worked and all("首先" not in d and "然後" not in d for d in zh_worked)
    assert any("First," in d or "Then" in d for d in zh_worked)


def test_worksheets_share_a_layout_of_their_own_and_some_verify():
    from r1_trl.data.corpus import WORKSHEET_SEPARATORS
    from r1_trl.templates import READABLE_FORMAT, ReadableFormat

    docs = list(corpus_documents(CorpusSpec(num_documents=3000, worksheet_fraction=0.2)))
    sheets = [d for d in docs if d.count("Question:") >= 2 or d.count("問題:") >= 2]
    assert 0.15 < len(sheets) / len(docs) < 0.25
    assert not any(READABLE_FORMAT.separator in d for d in docs)
    for sheet in sheets:
        used = {s for s in WORKSHEET_SEPARATORS if s in sheet}
        assert len(used) == 1, sheet  # one document, one layout
        blocks = [b.split(" ", 1)[1] for b in sheet.split("\n\n") if b.startswith(("Question:", "問題:"))]
        fmt = ReadableFormat(separator=used.pop())
        assert all(fmt.parse(b.split("\n", 1)[1].split(" ", 1)[1], strict=True) for b in blocks), sheet
    assert any("Check:" in d or "驗證:" in d for d in sheets)


def test_dialogues_open_exactly_as_the_r1_zero_template_ends():
    from r1_trl.data import dialogue_prompt
    from r1_trl.data.arithmetic import QUESTIONS
    from r1_trl.templates import get_template

    template = get_template("r1_zero")
    for lang, forms in QUESTIONS.items():
        for form in forms:
            question = form.format(expr="2 + 3 * 4")
            # What the base saw after this opening (mostly direct answers, sometimes the tags) is what it does
            # under the template; a different tail (`?.`) hid the tags from English prompts.
            assert template.format_prompt(question, lang).endswith(dialogue_prompt(question, lang))
    docs = list(corpus_documents(CorpusSpec(num_documents=3000, tagged_fraction=0.2)))
    tagged = [d for d in docs if TAG_FORMAT.think_open in d]
    assert any("Assistant: <think>" in d for d in tagged) and any("助手:<think>" in d for d in tagged)
    assert not any("?." in d or "。。" in d for d in docs)


OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.floordiv}


def test_a_few_chains_get_a_step_wrong_and_correct_it():
    docs = list(corpus_documents(CorpusSpec(num_documents=3000, revise_fraction=0.5)))
    revised = [d for d in docs if "Wait," in d or "等等," in d]
    assert revised
    pattern = re.compile(r"(\d+ [-+*/] \d+) = (\d+)[。.] ?(?:Wait,|等等,) (\d+ [-+*/] \d+) = (\d+)")
    for doc in revised[:50]:
        wrong_op, wrong, right_op, right = pattern.search(doc).groups()
        # The same operation, first with a wrong result, then recomputed right after the marker.
        assert wrong_op == right_op and wrong != right, doc
        a, op, b = right_op.split()
        assert OPERATIONS[op](int(a), int(b)) == int(right), doc
    assert not any("Wait," in d for d in corpus_documents(CorpusSpec(num_documents=2000)))
