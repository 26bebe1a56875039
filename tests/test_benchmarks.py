"""Benchmark evaluation: scoring of known transcripts, the vote, a fake-model run end to end, and bad input."""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from r1_trl.cli import main as cli_main
from r1_trl.evaluation import (
    BENCHMARKS,
    BenchmarkSettings,
    extract_choice,
    extract_math,
    get_benchmark,
    load_problems,
    majority,
    run_benchmark,
)
from r1_trl.evaluation.bench_cli import compare
from r1_trl.evaluation.bench_cli import main as bench_main
from r1_trl.evaluation.scoring import score_samples
from r1_trl.generation import Completion, VllmEngine
from r1_trl.stages.recipe import parse_stage

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"


class SumEngine(VllmEngine):
    """Answers the sum of the numbers in the question's first line, boxed; the last sample of every problem says
    999 instead, and the one before it stops at the token limit. Counts its calls, so a resume can be checked."""

    def __init__(self):
        self.llm, self._restore, self.calls, self.model = object(), None, 0, "sum-engine"

    def sample(self, prompts, settings, desc="sampling"):
        self.calls += 1
        groups = []
        for prompt in prompts:
            text = prompt[-1]["content"] if isinstance(prompt, list) else prompt
            first, *rest = text.split("\n")
            total = sum(float(x) for x in re.findall(r"\d+(?:\.\d+)?", first))
            value = f"{total:g}"
            # A multiple-choice question: answer with the letter of the option holding the sum.
            letters = {m.group(2): m.group(1) for m in (re.match(r"([A-J])\) (.*)", line) for line in rest) if m}
            answer = letters.get(value, value)
            group = [Completion(f"I add them. \\boxed{{{answer}}}", 12, False) for _ in range(settings.n - 2)]
            group.append(Completion("I add them and keep going", settings.max_new_tokens, True))
            group.append(Completion("\\boxed{999}", 5, False))
            groups.append(group[: settings.n])
        return groups

    def close(self):
        self.llm = None


def test_shipped_benchmarks_use_lightevals_datasets_and_the_papers_k():
    assert set(BENCHMARKS) >= {"aime24", "aime25", "math500", "gpqa_diamond"}
    assert BENCHMARKS["aime24"].dataset == "HuggingFaceH4/aime_2024" and BENCHMARKS["aime24"].k == 64
    assert BENCHMARKS["math500"].dataset == "HuggingFaceH4/MATH-500" and BENCHMARKS["math500"].split == "test"
    gpqa = BENCHMARKS["gpqa_diamond"]
    assert (gpqa.dataset, gpqa.config, gpqa.answer_type) == ("Idavidrein/gpqa", "gpqa_diamond", "multiple_choice")
    assert all(b.max_new_tokens == 32768 for b in BENCHMARKS.values())
    assert "\\boxed{}" in BENCHMARKS["math500"].instruction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so the answer is \\boxed{14}.", "14"),
        ("first \\boxed{3}, then on reflection \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),  # the last box counts
        ("nested \\boxed{\\sqrt{\\frac{1}{4}}}", "\\sqrt{\\frac{1}{4}}"),
        ("no box, the answer is 14", None),
        ("an unclosed \\boxed{14", None),
        ("an empty \\boxed{ }", None),
    ],
)
def test_the_last_box_is_the_answer(text, expected):
    assert extract_math(text) == expected


def test_latex_equivalents_score_as_correct_and_a_wrong_box_as_wrong():
    bench = BENCHMARKS["math500"]
    texts = ["\\boxed{0.5}", "\\boxed{\\dfrac{1}{2}}", "\\boxed{1/2}", "\\boxed{2}", "one half", "\\boxed{\\frac12}"]
    answers, correct = score_samples(bench, "\\frac{1}{2}", texts)
    assert correct == [True, True, True, False, False, True]
    assert answers[4] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thinking... \\boxed{C}", "C"),
        ("\\boxed{\\text{B}}", "B"),
        ("\\boxed{(D)}", "D"),
        ("The answer is: A", "A"),
        ("Answer: B\nwait, Answer: C", "C"),
        ("\\boxed{E}", None),  # not one of four options
        ("\\boxed{42}", None),
        ("no letter at all", None),
    ],
)
def test_option_letters_are_read_from_the_box_or_an_answer_line(text, expected):
    assert extract_choice(text, 4) == expected


def test_gpqa_options_are_shuffled_per_problem_and_the_gold_letter_follows_the_correct_answer():
    bench = BENCHMARKS["gpqa_diamond"]
    problems = load_problems(bench, str(FIXTURES / "gpqa_diamond.jsonl"))
    rows = [json.loads(line) for line in (FIXTURES / "gpqa_diamond.jsonl").read_text().splitlines()]
    for problem, row in zip(problems, rows, strict=True):
        assert problem.options[ord(problem.gold) - ord("A")] == row["Correct Answer"]
        assert sorted(problem.options) == sorted([row["Correct Answer"], *(row[c] for c in bench.distractors)])
        assert f"{problem.gold}) {row['Correct Answer']}" in problem.question
    # Not always in the first place, and the same order on a rerun with the same seed.
    assert len({p.gold for p in problems}) > 1
    assert [p.options for p in load_problems(bench, str(FIXTURES / "gpqa_diamond.jsonl"))] == [
        p.options for p in problems
    ]
    other = load_problems(bench, str(FIXTURES / "gpqa_diamond.jsonl"), seed=1)
    assert [p.options for p in other] != [p.options for p in problems]


def test_majority_counts_equivalent_answers_together():
    assert majority(["3", "\\frac{1}{2}", "0.5", None, "1/2"]) == "\\frac{1}{2}"
    assert majority(["7", "8", "8", "7"]) == "7"  # a tie goes to the answer seen first
    assert majority([None, None]) is None
    assert majority(["B", "A", "B"], math=False) == "B"


def test_a_fake_model_run_end_to_end_writes_results_and_resumes(tmp_path):
    bench = get_benchmark("math500")
    problems = load_problems(bench, str(FIXTURES / "math500.jsonl"))
    settings = BenchmarkSettings(k=4, max_new_tokens=64, shard_size=2)
    engine = SumEngine()
    result = run_benchmark(engine, None, bench, problems, settings, tmp_path, "sum-engine")
    m = result["metrics"]
    # Two of four samples right on every problem (one wrong box, one cut off), and the vote right everywhere.
    assert (m["pass@1"], m["cons@4"], m["num_problems"], m["num_samples"]) == (0.5, 1.0, 3, 12)
    assert m["truncation_rate"] == 0.25 and m["answered_rate"] == 0.75
    assert result["settings"]["temperature"] == 0.6 and result["settings"]["top_p"] == 0.95
    assert engine.calls == 2  # 3 problems in shards of 2
    saved = json.loads((tmp_path / "math500.json").read_text())
    assert saved["metrics"] == m
    assert "| 0.5000 | 1.0000 |" in (tmp_path / "math500.md").read_text()
    transcripts = [json.loads(line) for line in (tmp_path / "math500.transcripts.jsonl").read_text().splitlines()]
    assert [t["gold"] for t in transcripts] == ["3", "\\frac{1}{2}", "42"]
    assert transcripts[1]["samples"][0]["answer"] == "0.5" and transcripts[1]["samples"][0]["correct"] is True
    again = SumEngine()
    assert run_benchmark(again, None, bench, problems, settings, tmp_path, "sum-engine")["metrics"] == m
    assert again.calls == 0  # every shard was finished
    with pytest.raises(ValueError, match="settings"):
        run_benchmark(again, None, bench, problems, BenchmarkSettings(k=2, max_new_tokens=64), tmp_path, "x")


def test_gpqa_end_to_end_scores_letters(tmp_path):
    bench = get_benchmark("gpqa_diamond")
    problems = load_problems(bench, str(FIXTURES / "gpqa_diamond.jsonl"))
    result = run_benchmark(
        SumEngine(), None, bench, problems, BenchmarkSettings(k=4, max_new_tokens=32), tmp_path, "m"
    )
    assert result["metrics"]["pass@1"] == 0.5 and result["metrics"]["cons@4"] == 1.0


def test_the_command_runs_a_real_tiny_model_on_a_fixture_and_compares(tmp_path, tiny_model_dir, capsys):
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    for out, k in ((out_a, 2), (out_b, 3)):
        result = bench_main(
            [
                "--benchmark",
                "aime24",
                "--dataset_path",
                str(FIXTURES / "aime24.jsonl"),
                "--model",
                str(tiny_model_dir),
                "--k",
                str(k),
                "--max_new_tokens",
                "6",
                "--output",
                str(out),
            ]
        )
        assert result["metrics"]["num_samples"] == 3 * k
        assert result["metrics"]["truncation_rate"] > 0.5  # 6 tokens: an untrained model never stops
    table = compare(str(out_a / "aime24.json"), str(out_b / "aime24.json"))
    assert "| aime24 | pass@1 |" in table and "settings differ | k" in table
    assert cli_main(["eval", "--compare", str(out_a / "aime24.json"), str(out_b / "aime24.json")]) == 0
    assert "| aime24 | num_samples | 6 | 9 | 3 |" in capsys.readouterr().out


def test_a_dataset_benchmark_names_its_columns(tmp_path):
    bench_args = ["--benchmark", str(FIXTURES / "aime25.jsonl"), "--question_column", "problem", "--model", "x"]
    problems = load_problems(get_benchmark("aime25"), str(FIXTURES / "aime25.jsonl"))
    assert [p.gold for p in problems] == ["3", "15"]
    with pytest.raises(ValueError, match="no 'question' column"):
        bench_main([*bench_args[:2], "--question_column", "question", "--model", "x"])
    with pytest.raises(ValueError, match="defines its own columns"):
        bench_main(["--benchmark", "aime24", "--answer_column", "solution", "--model", "x"])


def test_an_unreachable_hub_benchmark_is_one_line(capsys, tiny_model_dir):
    rc = cli_main(["eval", "--benchmark", "math500", "--model", str(tiny_model_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert "benchmark math500: cannot load 'HuggingFaceH4/MATH-500'" in err[0]
    assert cli_main(["eval", "--benchmark", "no-such-org/no-such-set", "--model", str(tiny_model_dir)]) == 2
    assert "cannot load 'no-such-org/no-such-set'" in capsys.readouterr().err


def test_bad_settings_are_refused_before_any_model_loads(tmp_path):
    base = ["--benchmark", "aime24", "--dataset_path", str(FIXTURES / "aime24.jsonl"), "--model", "missing"]
    with pytest.raises(ValueError, match="--temperature must be positive"):
        bench_main([*base, "--temperature", "0"])
    with pytest.raises(ValueError, match="--k must be at least 1"):
        bench_main([*base, "--k", "0"])
    with pytest.raises(ValueError, match="no benchmark result"):
        compare(str(tmp_path), str(tmp_path))


REAL_RECIPES = sorted(p for p in (Path(__file__).parents[1] / "recipes").glob("Qwen*/*.yaml"))


def test_the_real_model_recipes_evaluate_with_the_benchmarks():
    evaluated = [p for p in REAL_RECIPES if "eval_k" in yaml.safe_load(p.read_text())]
    assert len(evaluated) >= 8
    for path in evaluated:
        names = yaml.safe_load(path.read_text()).get("eval_benchmarks")
        assert names and set(names) <= set(BENCHMARKS), path
        assert "math500" in names, path


def test_an_unknown_recipe_benchmark_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['mmlu'\]"):
        parse_stage("r1_zero", ["--output_dir", str(tmp_path), "--eval_benchmarks", "mmlu", "--bf16", "false"])


def test_a_stage_evaluation_runs_the_recipes_benchmarks(tmp_path, tiny_model_dir, monkeypatch):
    # The shipped entry, read from the fixture file instead of the Hub.
    local = dataclasses.replace(BENCHMARKS["math500"], dataset=str(FIXTURES / "math500.jsonl"))
    monkeypatch.setitem(BENCHMARKS, "math500", local)
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    recipe = tmp_path / "eval.yaml"
    recipe.write_text(
        "\n".join(
            [
                "num_test_prompts: 2",
                "eval_k: 1",
                "eval_max_tokens: 4",
                "eval_benchmarks: [math500]",
                "eval_benchmark_k: 2",
                "eval_benchmark_max_tokens: 4",
            ]
        )
    )
    assert cli_main(["eval", "--model", str(model), "--config", str(recipe)]) == 0
    result = json.loads((model / "eval_adhoc.json").read_text())
    figures = result["benchmarks"]["math500"]
    assert (figures["num_problems"], figures["num_samples"], figures["k"]) == (3, 6, 2)
    assert json.loads((model / "benchmarks" / "math500.json").read_text())["metrics"]["pass@1"] == figures["pass@1"]
    # A benchmark the Hub cannot serve stops the evaluation before any sampling, in one line.
    monkeypatch.setitem(BENCHMARKS, "math500", dataclasses.replace(local, dataset="no-such-org/MATH-500"))
    assert cli_main(["eval", "--model", str(model), "--config", str(recipe)]) == 2


def test_data_parallel_ranks_each_sample_their_own_shards_and_one_reads_them_all(tmp_path):
    from r1_trl.data.shards import build_row_shards

    jobs = [{"i": i} for i in range(7)]
    produced = {0: [], 1: []}

    def produce_as(rank):
        def produce(chunk, shard):
            produced[rank].append(shard)
            return [{"i": j["i"], "by": rank} for j in chunk]

        return produce

    for rank in (0, 1):
        rows, info = build_row_shards(tmp_path, "p", jobs, produce_as(rank), 2, {"k": 1}, rank=rank, world=2)
        assert rows == [] and info["sampled"] == 2
    assert produced == {0: [0, 2], 1: [1, 3]}
    rows, info = build_row_shards(tmp_path, "p", jobs, produce_as(0), 2, {"k": 1})
    assert [r["i"] for r in rows] == list(range(7)) and info["sampled"] == 0
    assert [r["by"] for r in rows] == [0, 0, 1, 1, 0, 0, 1]
    with pytest.raises(ValueError, match="rank must be in"):
        build_row_shards(tmp_path, "p", jobs, produce_as(0), 2, {"k": 1}, rank=2, world=2)
