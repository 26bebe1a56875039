"""Cold-start data: prompt builders, the filters and their counts, resumable shards, the mix summary."""

from __future__ import annotations

import logging
import os

import pytest

from r1_trl.data import cold_start, shards
from r1_trl.data.arithmetic import Problem
from r1_trl.data.cold_start import (
    FEW_SHOT_PREFIX,
    FILTERS,
    REFLECTION_INSTRUCTIONS,
    ColdStartExample,
    ShardWriter,
    apply_filters,
    build_resumable,
    exemplar_response,
    few_shot_prompt,
    has_verification,
    mix_summary,
    reflection_prompt,
    response_from_continuation,
)
from r1_trl.templates import READABLE_FORMAT, ReadableFormat

# 2 + 3 * 4 = 14 and 20 - 6 / 2 = 17, written out by hand so the tests do not depend on the problem generator.
P14 = Problem("2 + 3 * 4", 14, ((3, "*", 4, 12), (2, "+", 12, 14)), 2)
P17 = Problem("20 - 6 / 2", 17, ((6, "/", 2, 3), (20, "-", 3, 17)), 2)
Q = {"en": "What is 2 + 3 * 4?", "zh": "2 + 3 * 4 等於多少?"}


def example(
    response: str | None = None, *, lang: str = "en", method: str = "few_shot", prompt: str | None = None
) -> ColdStartExample:
    verify = method == "reflection"
    return ColdStartExample(
        prompt=prompt if prompt is not None else Q[lang],
        response=response if response is not None else exemplar_response(P14, lang, verify=verify),
        lang=lang,
        solution="14",
        method=method,
        source="test-model",
    )


def no_rejections(counts: dict[str, int]) -> bool:
    return all(counts[name] == 0 for name in FILTERS)


# --- exemplars and prompts ----------------------------------------------------------------------------------------


def test_exemplar_response_is_readable_and_verification_rechecks_last_step():
    plain = exemplar_response(P14, "en")
    assert plain == "|special_token|\nFirst, 3 * 4 = 12. Then 2 + 12 = 14.\n|special_token|\n14"
    assert not has_verification(plain)
    checked = exemplar_response(P14, "en", verify=True)
    assert READABLE_FORMAT.parse(checked) == ("First, 3 * 4 = 12. Then 2 + 12 = 14. Check: 12 + 2 = 14.", "14")
    zh = exemplar_response(P14, "zh", verify=True)
    assert READABLE_FORMAT.parse(zh) == ("首先 3 * 4 = 12。然後 2 + 12 = 14。驗證:12 + 2 = 14。", "14")
    # A subtraction is re-checked by the inverse operation, not by restating it.
    assert "Check: 17 + 3 = 20." in exemplar_response(P17, "en", verify=True)


def test_exemplar_response_rejects_a_problem_without_steps():
    with pytest.raises(ValueError, match="no steps"):
        exemplar_response(Problem("5", 5, (), 0), "en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_few_shot_prompt_holds_exemplars_and_ends_where_the_response_starts(lang):
    shots = [(Q[lang], exemplar_response(P14, lang)), ("Q2", exemplar_response(P17, lang))]
    prompt = few_shot_prompt("NEW QUESTION", lang, shots)
    for question, response in shots:
        assert question in prompt and response in prompt
    label = {"en": "Response:", "zh": "回答:"}[lang]
    assert prompt.endswith(f"NEW QUESTION\n{label} {FEW_SHOT_PREFIX}")
    assert prompt.index(shots[0][1]) < prompt.index(shots[1][1]) < prompt.index("NEW QUESTION")
    assert FEW_SHOT_PREFIX == "|special_token|\n"
    # Without a chat template there is no instruction: the exemplars are the whole prompt.
    assert REFLECTION_INSTRUCTIONS[lang] not in prompt


def test_continuation_plus_prefix_is_the_full_response():
    continuation = "First, 3 * 4 = 12. Then 2 + 12 = 14.\n|special_token|\n14\n\nQuestion: What is 1 + 1?\nResponse:"
    response = response_from_continuation(continuation, "en")
    assert response == exemplar_response(P14, "en")
    assert READABLE_FORMAT.parse(response) is not None
    zh = response_from_continuation("1 + 1 = 2。\n|special_token|\n2\n\n問題: 下一題", "zh")
    assert zh == "|special_token|\n1 + 1 = 2。\n|special_token|\n2"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_prompt_separator_the_base_knows_is_rewritten_into_the_readable_format(lang):
    note = ReadableFormat(separator="|note|")
    shot = (Q[lang], exemplar_response(P17, lang, verify=True, response_format=note))
    for build in (few_shot_prompt, reflection_prompt):
        prompt = build("NEW", lang, [shot], note)
        assert prompt.endswith("NEW\n" + {"en": "Response:", "zh": "回答:"}[lang] + " |note|\n")
        assert READABLE_FORMAT.separator not in prompt
    label = {"en": "Question:", "zh": "問題:"}[lang]
    continuation = exemplar_response(P14, lang, response_format=note).removeprefix("|note|\n") + f"\n\n{label} x"
    assert response_from_continuation(continuation, lang, note) == exemplar_response(P14, lang)
    # A continuation that never closes the block stays as written, for the format filter to reject and count.
    broken = response_from_continuation("First, 3 * 4 = 12.", lang, note)
    assert broken == "|note|\nFirst, 3 * 4 = 12." and READABLE_FORMAT.parse(broken) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reflection_prompt_has_instruction_and_verifying_exemplars(lang):
    shot = (Q[lang], exemplar_response(P14, lang, verify=True))
    prompt = reflection_prompt("NEW", lang, [shot])
    assert prompt.startswith(REFLECTION_INSTRUCTIONS[lang])
    assert shot[0] in prompt and shot[1] in prompt
    assert prompt.endswith(FEW_SHOT_PREFIX) and prompt.rstrip().endswith("|special_token|")
    assert has_verification(shot[1])


def test_prompt_builders_reject_bad_input():
    with pytest.raises(ValueError, match="does not verify"):
        reflection_prompt("q", "en", [(Q["en"], exemplar_response(P14, "en"))])
    with pytest.raises(ValueError, match="not in the prompt's format"):
        few_shot_prompt("q", "en", [(Q["en"], "First, 3 * 4 = 12. The answer is 14.")])
    with pytest.raises(ValueError, match="at least one exemplar"):
        few_shot_prompt("q", "en", [])
    with pytest.raises(ValueError, match="lang"):
        few_shot_prompt("q", "fr", [(Q["en"], exemplar_response(P14, "en"))])


@pytest.mark.parametrize(
    "text",
    [
        "First, 2 + 2 = 4. Check: 2 + 2 = 4.",
        "2 + 2 = 4. Let me verify: 4 - 2 = 2.",
        "2 + 2 = 4. Verifying the result, 4 = 4.",
        "2 + 2 = 4。驗證:4 - 2 = 2。",
        "2 + 2 = 4。验证一下。",
        "2 + 2 = 4。檢查:4 = 4。",
        "2 + 2 = 4。检查结果。",
    ],
)
def test_has_verification_both_languages(text):
    assert has_verification(text)
    assert has_verification(READABLE_FORMAT.render(text, "4"))


@pytest.mark.parametrize(
    "text",
    [
        "First, 2 + 2 = 4. Then 4 + 1 = 5.",
        "首先 2 + 2 = 4。然後 4 + 1 = 5。",
        "|special_token|\n2 + 2 = 4.\n|special_token|\n4, verified.",
    ],
)
def test_has_verification_negative(text):
    # The last case: only the summary claims a check, the reasoning holds none.
    assert not has_verification(text)


def test_to_row_shape():
    ex = example()
    row = ex.to_row()
    assert row == {
        "messages": [{"role": "user", "content": Q["en"]}, {"role": "assistant", "content": ex.response}],
        "prompt": Q["en"],
        "solution": "14",
        "lang": "en",
        "method": "few_shot",
        "source": "test-model",
    }


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        example(method="distill")


# --- filters -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["few_shot", "reflection", "refine"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_good_example_passes_every_filter(lang, method):
    ex = example(lang=lang, method=method)
    kept, counts = apply_filters([ex])
    assert kept == [ex]
    assert counts[method]["kept"] == 1 and counts[method]["input"] == 1 and no_rejections(counts[method])
    assert counts["total"]["kept"] == 1


LONG_LINE = "First, 3 * 4 = 12. " + "Then 2 + 12 = 14. " * 30
REJECTS = {
    # Each breaks exactly one filter and passes the ones before it.
    "format": example("First, 3 * 4 = 12. Then 2 + 12 = 14. The answer is 14."),
    "correct": example(READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 15.", "15")),
    "language": example(READABLE_FORMAT.render("First, 3 * 4 = 12. 然後 2 + 12 = 14.", "14")),
    "paragraph_length": example(READABLE_FORMAT.render(LONG_LINE.strip(), "14")),
    "verification": example(exemplar_response(P14, "en"), method="reflection"),
}


@pytest.mark.parametrize("name", list(REJECTS))
def test_each_filter_rejects_and_counts_its_example(name):
    bad = REJECTS[name]
    good = example(lang="zh", method=bad.method)
    kept, counts = apply_filters([bad, good])
    assert kept == [good]
    per_method = counts[bad.method]
    assert per_method[name] == 1
    assert all(per_method[other] == 0 for other in FILTERS if other != name)
    assert per_method["kept"] == 1 and per_method["input"] == 2
    assert counts["total"][name] == 1 and counts["total"]["kept"] == 1


def test_unknown_language_is_rejected_by_the_language_filter():
    # The language reward scores None when it has no script for the target; that is no proof of one language.
    ex = ColdStartExample(Q["en"], exemplar_response(P14, "en"), "xx", "14", "refine", "rule_based")
    kept, counts = apply_filters([ex])
    assert kept == [] and counts["refine"]["language"] == 1


def test_duplicate_rejected_and_counted():
    first = example()
    again = example(response=first.response.replace(" Then", "   Then") + "\n")
    kept, counts = apply_filters([first, again])
    assert kept == [first]
    assert counts["few_shot"]["duplicate"] == 1 and counts["few_shot"]["kept"] == 1


def test_rejection_counted_under_the_first_failing_filter_only():
    # Wrong answer and mixed language: counted as incorrect only. No format and wrong answer: format only.
    wrong_and_mixed = example(READABLE_FORMAT.render("First, 3 * 4 = 12. 然後 2 + 12 = 15.", "15"))
    unformatted_and_wrong = example("The answer is 15.")
    _, counts = apply_filters([wrong_and_mixed, unformatted_and_wrong])
    assert counts["few_shot"]["format"] == 1 and counts["few_shot"]["correct"] == 1
    assert counts["few_shot"]["language"] == 0 and counts["few_shot"]["kept"] == 0


def test_duplicates_across_methods_keep_the_first():
    few = example(method="few_shot")
    refined = ColdStartExample(
        few.prompt, "  " + few.response.replace(". Then", ".\t Then") + "\n", "en", "14", "refine", "rule_based"
    )
    other_prompt = example(method="refine", prompt="Compute 2 + 3 * 4.")
    kept, counts = apply_filters([few, refined, other_prompt])
    assert kept == [few, other_prompt]
    assert counts["refine"]["duplicate"] == 1 and counts["few_shot"]["duplicate"] == 0
    assert counts["total"]["duplicate"] == 1


def test_rejected_example_does_not_block_a_later_copy():
    # Only kept examples count as seen, so a rejected response cannot make a later good copy look like a duplicate.
    bad = example(READABLE_FORMAT.render("First, 3 * 4 = 12. Then 2 + 12 = 15.", "15"))
    good = example()
    kept, counts = apply_filters([bad, good, good])
    assert kept == [good]
    assert counts["few_shot"]["correct"] == 1 and counts["few_shot"]["duplicate"] == 1


def test_verification_filter_applies_to_reflection_only():
    response = exemplar_response(P14, "en")  # no check in the reasoning
    examples = [example(response, method=m, prompt=f"{m}: {Q['en']}") for m in ("few_shot", "refine", "reflection")]
    kept, counts = apply_filters(examples)
    assert [ex.method for ex in kept] == ["few_shot", "refine"]
    assert counts["reflection"]["verification"] == 1
    assert counts["few_shot"]["verification"] == counts["refine"]["verification"] == 0


def test_language_threshold_and_paragraph_limit_are_parameters():
    mixed, long = REJECTS["language"], REJECTS["paragraph_length"]
    kept, _ = apply_filters([mixed], language_threshold=0.3)
    assert kept == [mixed]
    kept, _ = apply_filters([long], max_paragraph_chars=10_000)
    assert kept == [long]
    kept, counts = apply_filters([long], max_paragraph_chars=20)
    assert kept == [] and counts["few_shot"]["paragraph_length"] == 1
    with pytest.raises(ValueError, match="language_threshold"):
        apply_filters([], language_threshold=1.5)
    with pytest.raises(ValueError, match="max_paragraph_chars"):
        apply_filters([], max_paragraph_chars=0)


def test_single_newlines_split_paragraphs():
    lines = "\n".join(["First, 3 * 4 = 12."] + ["Then 2 + 12 = 14."] * 30)
    ex = example(READABLE_FORMAT.render(lines, "14"))
    assert len(lines) > 400
    kept, _ = apply_filters([ex])
    assert kept == [ex]


def test_filter_summary_logged_once_per_method(caplog):
    with caplog.at_level(logging.INFO, logger=cold_start.__name__):
        apply_filters([example(), example(method="refine", prompt="x"), REJECTS["format"]])
    lines = [r.getMessage() for r in caplog.records if r.name == cold_start.__name__]
    assert len(lines) == 2
    assert any(line.startswith("cold start few_shot: kept 1 of 2") and "format 1" in line for line in lines)


# --- resumable shards ----------------------------------------------------------------------------------------------


def _jobs(n: int) -> list[dict]:
    return [{"prompt": f"What is {i} + {i}?", "solution": str(2 * i), "lang": "en"} for i in range(n)]


def _produce(chunk: list[dict]) -> list[ColdStartExample]:
    out = []
    for job in chunk:
        i = int(job["solution"]) // 2
        response = READABLE_FORMAT.render(f"{i} + {i} = {2 * i}.", job["solution"])
        # Two samples for some jobs and none for others, as a real generator that drops failures would.
        for k in range(i % 3):
            out.append(ColdStartExample(job["prompt"], response + " " * k, "en", job["solution"], "few_shot", "gen"))
    return out


class Recorder:
    def __init__(self, fail_on_call: int | None = None):
        self.calls: list[list[dict]] = []
        self.fail_on_call = fail_on_call

    def __call__(self, chunk: list[dict]) -> list[ColdStartExample]:
        self.calls.append(chunk)
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise RuntimeError("killed")
        return _produce(chunk)


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path):
    jobs = _jobs(9)  # shards of 2: 2, 2, 2, 2, 1
    uninterrupted = build_resumable(tmp_path / "straight", "few_shot", jobs, Recorder(), shard_size=2)
    assert uninterrupted == _produce(jobs) and len(uninterrupted) > 0

    first = Recorder(fail_on_call=3)
    with pytest.raises(RuntimeError, match="killed"):
        build_resumable(tmp_path / "resumed", "few_shot", jobs, first, shard_size=2)
    writer = ShardWriter(tmp_path / "resumed")
    assert writer.keys() == ["few_shot-00000", "few_shot-00001"]

    second = Recorder()
    resumed = build_resumable(tmp_path / "resumed", "few_shot", jobs, second, shard_size=2)
    assert resumed == uninterrupted
    # Only the unfinished shards were produced again.
    assert second.calls == [jobs[4:6], jobs[6:8], jobs[8:9]]
    assert writer.read_all() == uninterrupted

    third = Recorder()
    assert build_resumable(tmp_path / "resumed", "few_shot", jobs, third, shard_size=2) == uninterrupted
    assert third.calls == []


def test_empty_shard_counts_as_finished(tmp_path):
    jobs = _jobs(3)[:1]  # job 0 yields no example
    rec = Recorder()
    assert build_resumable(tmp_path, "few_shot", jobs, rec, shard_size=4) == []
    assert build_resumable(tmp_path, "few_shot", jobs, rec, shard_size=4) == []
    assert len(rec.calls) == 1


def test_resume_refuses_other_jobs_or_shard_size(tmp_path):
    jobs = _jobs(6)
    build_resumable(tmp_path, "few_shot", jobs, Recorder(), shard_size=2)
    with pytest.raises(ValueError, match="shard size"):
        build_resumable(tmp_path, "few_shot", jobs, Recorder(), shard_size=3)
    with pytest.raises(ValueError, match="other jobs"):
        build_resumable(tmp_path, "few_shot", _jobs(7), Recorder(), shard_size=2)
    # Another method in the same directory has its own shards and manifest.
    assert build_resumable(tmp_path, "reflection", jobs, lambda chunk: [], shard_size=2) == []


@pytest.mark.parametrize("size", [0, -1, 1.5])
def test_shard_size_must_be_positive(tmp_path, size):
    with pytest.raises(ValueError, match="shard_size"):
        build_resumable(tmp_path, "few_shot", _jobs(2), Recorder(), shard_size=size)


def test_produce_must_return_examples_of_the_method(tmp_path):
    wrong = lambda chunk: [example(method="refine")]
    with pytest.raises(ValueError, match="method='few_shot'"):
        build_resumable(tmp_path, "few_shot", _jobs(2), wrong, shard_size=1)
    assert ShardWriter(tmp_path).keys() == []


def test_shard_write_is_atomic(tmp_path, monkeypatch):
    writer = ShardWriter(tmp_path)
    examples = [example(), example(lang="zh")]

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(shards.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        writer.write("few_shot-00000", examples)
    monkeypatch.undo()
    assert not writer.done("few_shot-00000")
    assert os.listdir(tmp_path) == []
    writer.write("few_shot-00000", examples)
    assert writer.done("few_shot-00000") and writer.read("few_shot-00000") == examples


def test_read_all_skips_leftover_temp_files_and_sorts_keys(tmp_path):
    writer = ShardWriter(tmp_path)
    (tmp_path / ".few_shot-00002.jsonl.abc.tmp").write_text('{"half": ')
    writer.write("b-00001", [example(prompt="b")])
    writer.write("a-00000", [example(prompt="a")])
    assert [ex.prompt for ex in writer.read_all()] == ["a", "b"]
    with pytest.raises(ValueError, match="shard key"):
        writer.done("../escape")


# --- mix -----------------------------------------------------------------------------------------------------------


def test_mix_summary_counts():
    examples = [
        example(),
        example(lang="zh"),
        example(method="reflection"),
        example(method="reflection", lang="zh"),
        example(method="reflection", lang="zh", prompt="x"),
        example(method="refine"),
    ]
    assert mix_summary(examples) == {
        "total": 6,
        "by_method": {"few_shot": 2, "reflection": 3, "refine": 1},
        "by_lang": {"en": 3, "zh": 3},
        "by_method_lang": {"few_shot": {"en": 1, "zh": 1}, "reflection": {"en": 1, "zh": 2}, "refine": {"en": 1}},
    }
    assert mix_summary([]) == {"total": 0, "by_method": {}, "by_lang": {}, "by_method_lang": {}}
