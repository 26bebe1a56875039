"""Rejection sampling: each filter, the per-prompt ranking, the non-reasoning mix, the stage end to end, resume."""

from __future__ import annotations

import json
import sys

import pytest

from r1_trl.cli import main
from r1_trl.data.arithmetic import Problem
from r1_trl.data.cold_start import exemplar_response
from r1_trl.data.non_reasoning import (
    SELF_COGNITION,
    load_non_reasoning,
    mix_non_reasoning,
    non_reasoning_count,
    synthetic_pool,
)
from r1_trl.data.rejection import FILTERS, apply_filters, has_code_block, score_samples, select_per_prompt
from r1_trl.stages import rejection_sampling
from r1_trl.templates import READABLE_FORMAT

# 2 + 3 * 4 = 14, written out by hand so the tests do not depend on the problem generator.
P14 = Problem("2 + 3 * 4", 14, ((3, "*", 4, 12), (2, "+", 12, 14)), 2)
Q = {"en": "What is 2 + 3 * 4?", "zh": "2 + 3 * 4 等於多少?"}
GOOD = exemplar_response(P14, "en")
CHAIN = READABLE_FORMAT.parse(GOOD)[0]


def sample(response: str, *, lang: str = "en", prompt: str | None = None, solution: str = "14") -> dict:
    return {"prompt": prompt or Q[lang], "response": response, "solution": solution, "lang": lang}


def filtered(rows: list[dict], **kwargs) -> tuple[list[dict], dict[str, int]]:
    return apply_filters(score_samples(rows), **kwargs)


def test_well_formed_correct_answers_pass_in_both_languages():
    kept, counts = filtered([sample(GOOD), sample(exemplar_response(P14, "zh"), lang="zh")])
    assert counts == {"input": 2, **dict.fromkeys(FILTERS, 0), "kept": 2} and len(kept) == 2


REJECTED = {
    "format": sample("The answer is 14."),
    "correct": sample(READABLE_FORMAT.render(CHAIN, "15")),
    # English question, reasoning in Chinese: right answer, mixed language.
    "language": sample(exemplar_response(P14, "zh"), lang="en"),
    "paragraph_length": sample(READABLE_FORMAT.render(" ".join([CHAIN] * 20), "14")),
    "code_block": sample(READABLE_FORMAT.render(f"{CHAIN}\n```\n2 + 12 = 14\n```", "14")),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_each_filter_rejects_its_example_and_counts_it_once(name):
    kept, counts = filtered([sample(GOOD), REJECTED[name]])
    assert kept == [score_samples([sample(GOOD)])[0]]
    assert counts[name] == 1 and counts["kept"] == 1
    assert sum(counts[f] for f in FILTERS) == 1


def test_code_block_filter_catches_indented_code_too():
    indented = sample(READABLE_FORMAT.render(f"{CHAIN}\n    x = 2 + 12", "14"))
    _, counts = filtered([indented])
    assert counts["code_block"] == 1
    assert has_code_block("a\n\tb") and has_code_block("```py\nx\n```")
    assert not has_code_block("First 3 * 4 = 12.\nThen 2 + 12 = 14.") and not has_code_block("  two spaces")


def test_duplicates_are_per_prompt_and_whitespace_blind():
    spaced = GOOD.replace(". ", ".   ")
    assert spaced != GOOD
    other_prompt = sample(GOOD, prompt="Compute 2 + 3 * 4.")
    kept, counts = filtered([sample(GOOD), sample(spaced), other_prompt])
    assert counts["duplicate"] == 1 and [r["prompt"] for r in kept] == [Q["en"], "Compute 2 + 3 * 4."]


def test_first_rejecting_filter_wins():
    # Wrong and with a code block: counted under `correct`, which comes first.
    _, counts = filtered([sample(READABLE_FORMAT.render(f"{CHAIN}\n```\nx\n```", "15"))])
    assert counts["correct"] == 1 and counts["code_block"] == 0


def test_unscored_samples_are_refused():
    with pytest.raises(ValueError, match="score_samples"):
        apply_filters([sample(GOOD)])


def ranked_rows() -> list[dict]:
    texts = {0: ["bbbb", "a", "ccccccc", "dd"], 1: ["xx", "yyyyy"]}
    return [
        {"prompt_id": p, "prompt": f"q{p}", "response": t, "sample": j}
        for p, ts in texts.items()
        for j, t in enumerate(ts)
    ]


@pytest.mark.parametrize(
    ("rank_by", "keep", "expected"),
    [
        ("shortest", 1, ["a", "xx"]),
        ("shortest", 2, ["a", "dd", "xx", "yyyyy"]),
        ("longest", 1, ["ccccccc", "yyyyy"]),
        ("longest", 3, ["ccccccc", "bbbb", "dd", "yyyyy", "xx"]),
        ("first", 2, ["bbbb", "a", "xx", "yyyyy"]),
        ("first", 9, ["bbbb", "a", "ccccccc", "dd", "xx", "yyyyy"]),
    ],
)
def test_select_per_prompt_ranks_and_keeps_m(rank_by, keep, expected):
    assert [r["response"] for r in select_per_prompt(ranked_rows(), keep, rank_by)] == expected


def test_select_per_prompt_refuses_unknown_rank():
    with pytest.raises(ValueError, match="rank_by"):
        select_per_prompt(ranked_rows(), 1, "random")


def reasoning(n: int) -> list[dict]:
    return [{"prompt": f"q{i}", "kind": "reasoning"} for i in range(n)]


@pytest.mark.parametrize(
    ("n", "ratio", "expected"), [(90, 0.1, 10), (9, 0.1, 1), (30, 0.25, 10), (7, 0.5, 7), (0, 0.1, 0)]
)
def test_mix_makes_the_final_fraction_the_ratio(n, ratio, expected):
    mixed, mix = mix_non_reasoning(reasoning(n), synthetic_pool(), ratio, seed=3)
    non = [r for r in mixed if r["kind"] == "non_reasoning"]
    assert len(non) == expected == non_reasoning_count(n, ratio) == mix["non_reasoning"]
    assert len(mixed) == n + expected
    if mixed:
        assert len(non) / len(mixed) == pytest.approx(ratio)
    assert sorted(r["prompt"] for r in mixed if r["kind"] == "reasoning") == sorted(f"q{i}" for i in range(n))


def test_mix_rounds_to_the_nearest_count_and_is_deterministic():
    for n in range(1, 60):
        mixed, _ = mix_non_reasoning(reasoning(n), synthetic_pool(), 0.1, seed=0)
        k = len(mixed) - n
        assert abs(k / len(mixed) - 0.1) <= 0.5 / len(mixed) + 1e-9
    assert mix_non_reasoning(reasoning(40), synthetic_pool(), 0.3, 1) == mix_non_reasoning(
        reasoning(40), synthetic_pool(), 0.3, 1
    )


def test_mix_draws_both_languages_and_repeats_only_past_the_pool():
    pool = synthetic_pool()
    mixed, mix = mix_non_reasoning(reasoning(900), pool, 0.1, seed=0)
    assert set(mix["non_reasoning_by_lang"]) == {"en", "zh"} and mix["repeated"] == 0
    assert set(mix["non_reasoning_by_method"]) == {"writing", "factual", "self_cognition"}
    big = non_reasoning_count(len(pool) * 30, 0.1)
    _, mix = mix_non_reasoning(reasoning(len(pool) * 30), pool, 0.1, seed=0)
    assert mix["non_reasoning"] == big and mix["repeated"] == big - len(pool)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        non_reasoning_count(5, 1.0)


def test_synthetic_pool_is_true_bilingual_and_has_no_chain_of_thought():
    pool = synthetic_pool()
    assert pool == synthetic_pool()
    answers = {r["prompt"]: r["messages"][-1]["content"] for r in pool}
    assert answers["Which day comes after Sunday?"] == "Monday."
    assert answers["How is the number 14 written in words?"] == "Fourteen."
    assert answers["數字 20 用中文怎麼寫?"] == "二十。" and answers["數字 13 用中文怎麼寫?"] == "十三。"
    assert (
        answers["Is 7 an even or an odd number?"] == "7 is odd." and answers["星期日的下一天是星期幾?"] == "星期一。"
    )
    assert answers["Who are you?"] == SELF_COGNITION["en"] and answers["你是誰?"] == SELF_COGNITION["zh"]
    assert {r["lang"] for r in pool} == {"en", "zh"}
    for row in pool:
        assert row["kind"] == "non_reasoning" and row["source"] == "synthetic"
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
        assert not READABLE_FORMAT.marks_answer(row["messages"][-1]["content"])


def test_load_non_reasoning_reads_a_messages_file(tmp_path):
    path = tmp_path / "chat.jsonl"
    row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}
    path.write_text(json.dumps(row) + "\n")
    (loaded,) = load_non_reasoning(str(path))
    assert loaded["prompt"] == "Hi" and loaded["kind"] == "non_reasoning" and loaded["source"] == str(path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x"}) + "\n")
    with pytest.raises(ValueError, match="messages"):
        load_non_reasoning(str(bad))


# ---------------------------------------------------------------------------------------------------------------
# The stage


def recipe(tmp_path, model, name="rs", **extra) -> str:
    fields = {
        "output_dir": tmp_path / name,
        "report_path": tmp_path / f"{name}-report.json",
        "model_name_or_path": model,
        "template": "readable",
        "chat_format": "true",
        "num_train_prompts": 20,
        "num_prompts": 6,
        "samples_per_prompt": 2,
        "shard_size": 3,
        "max_new_tokens": 8,
        **extra,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return str(path)


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def shard_rows(out) -> list[dict]:
    return [row for p in sorted((out / "shards").glob("samples-*.jsonl")) for row in read_jsonl(p)]


def test_stage_rejects_an_untrained_models_junk_and_counts_add_up(tmp_path, tiny_model_dir):
    assert main(["rejection_sampling", "--config", recipe(tmp_path, tiny_model_dir)]) == 0
    out = tmp_path / "rs"
    entry = json.loads((tmp_path / "rs-report.json").read_text())["stages"]["rejection_sampling"]
    counts = entry["filters"]
    assert counts["input"] == entry["num_sampled"] == 12
    assert sum(counts[f] for f in FILTERS) + counts["ranked_out"] + counts["kept"] == 12
    assert counts["format"] > 0 and counts["kept"] == entry["num_reasoning"] == 0
    # Zero reasoning rows kept: the mix is relative to them, so nothing is mixed in.
    assert entry["num_non_reasoning"] == 0 and read_jsonl(out / "train.jsonl") == []
    assert json.loads((out / "stage.json").read_text()) == json.loads((out / "stats.json").read_text()) == entry
    assert sorted(p.name for p in (out / "shards").glob("*.jsonl")) == ["samples-00000.jsonl", "samples-00001.jsonl"]
    rows = shard_rows(out)
    assert [(r["prompt_id"], r["sample"]) for r in rows] == [(i, j) for i in range(6) for j in range(2)]
    assert all({"accuracy", "format", "language", "response"} <= set(r) for r in rows)


def oracle_sampler(rows: list[dict], shard: int) -> list[list[dict]]:
    """Even prompts get a long right answer, a short right answer and a wrong one; odd prompts get junk."""
    out = []
    for row in rows:
        s, zh = row["solution"], row["lang"] == "zh"
        think = f"結果是 {s}。" if zh else f"The result is {s}."
        right = [
            READABLE_FORMAT.render(think + (" 再檢查一次。" if zh else " I checked it twice."), s),
            READABLE_FORMAT.render(think, s),
            READABLE_FORMAT.render(think, str(int(s) + 1)),
        ]
        texts = right if row["prompt_id"] % 2 == 0 else ["junk"] * 3
        out.append([{"text": t, "num_tokens": len(t), "truncated": False} for t in texts])
    return out


def test_stage_keeps_the_shortest_right_answer_and_mixes_at_the_ratio(tmp_path, monkeypatch):
    monkeypatch.setattr(rejection_sampling, "make_sampler", lambda args, rs: oracle_sampler)
    path = recipe(tmp_path, "unused-model", num_prompts=8, samples_per_prompt=3, non_reasoning_ratio=0.2)
    assert main(["rejection_sampling", "--config", path]) == 0
    rows = read_jsonl(tmp_path / "rs" / "train.jsonl")
    reasoning = [r for r in rows if r["kind"] == "reasoning"]
    non = [r for r in rows if r["kind"] == "non_reasoning"]
    # 4 even prompts x 2 right answers; 1 kept each. 0.2 of the final set: 1 non-reasoning row per 4.
    assert len(reasoning) == 4 and len(non) == 1 and len(non) / len(rows) == pytest.approx(0.2)
    assert all(len(r["messages"][-1]["content"]) < 60 for r in reasoning)
    assert all(set(r) == {"messages", "prompt", "solution", "lang", "kind", "method", "source"} for r in rows)
    counts = json.loads((tmp_path / "rs" / "stats.json").read_text())["filters"]
    assert counts["format"] == 12 and counts["correct"] == 4 and counts["ranked_out"] == 4 and counts["kept"] == 4


def test_killed_run_resumes_without_resampling_finished_shards(tmp_path, tiny_model_dir, monkeypatch):
    assert main(["rejection_sampling", "--config", recipe(tmp_path, tiny_model_dir, name="whole")]) == 0
    real = rejection_sampling.make_sampler
    calls: list[int] = []

    def dies_after_first_shard(args, rs):
        inner = real(args, rs)

        def sampler(rows, shard):
            calls.append(shard)
            if shard >= 1:
                raise RuntimeError("killed")
            return inner(rows, shard)

        return sampler

    monkeypatch.setattr(rejection_sampling, "make_sampler", dies_after_first_shard)
    path = recipe(tmp_path, tiny_model_dir, name="killed")
    stage = rejection_sampling.main
    with pytest.raises(RuntimeError, match="killed"):
        stage(["--config", path])
    out = tmp_path / "killed"
    assert calls == [0, 1] and not (out / "stage.json").exists()
    assert [p.name for p in (out / "shards").glob("samples-*.jsonl")] == ["samples-00000.jsonl"]

    def counting(args, rs):
        inner = real(args, rs)

        def sampler(rows, shard):
            calls.append(shard)
            return inner(rows, shard)

        return sampler

    calls.clear()
    monkeypatch.setattr(rejection_sampling, "make_sampler", counting)
    stage(["--config", path])
    assert calls == [1]
    assert shard_rows(out) == shard_rows(tmp_path / "whole")
    assert read_jsonl(out / "train.jsonl") == read_jsonl(tmp_path / "whole" / "train.jsonl")
    assert (out / "stage.json").exists()
    calls.clear()
    stage(["--config", path])
    assert calls == []
    with pytest.raises(ValueError, match="samples_per_prompt"):
        stage(["--config", recipe(tmp_path, tiny_model_dir, name="killed", samples_per_prompt=3)])


def test_vllm_backend_without_vllm_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "vllm", None)
    assert main(["rejection_sampling", "--config", recipe(tmp_path, "some-model", backend="vllm")]) == 2
    err = capsys.readouterr().err.strip()
    assert "vLLM is not installed" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "rs" / "shards").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("non_reasoning_ratio", 1.0, "non_reasoning_ratio"),
        ("rank_by", "random", "rank_by"),
        ("backend", "tgi", "backend"),
    ],
)
def test_bad_settings_are_refused(tmp_path, capsys, field, value, message):
    assert main(["rejection_sampling", "--config", recipe(tmp_path, "m", **{field: value})]) == 2
    assert message in capsys.readouterr().err
