"""report.md and its plots, from synthetic reports (full, partial, and with nulls)."""

from __future__ import annotations

import pytest

from r1_trl.report import format_table
from r1_trl.report import plots as report_plots
from r1_trl.report.markdown import STARTS_FROM, write_report_md

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ("rl_curves.png", "stages.png", "distill.png")


def _eval(pass1: float, **extra: object) -> dict:
    metrics = {
        "pass@1": pass1,
        "accuracy_lenient": pass1 + 0.01,
        "cons@k": pass1 + 0.02,
        "format_rate": 0.95,
        "language_consistency": 0.99,
        "mixed_rate": 0.01,
        "mean_length": 123.4567,
        "mean_length_correct": 140.0,
        "mean_length_incorrect": 100.0,
        "clipped_ratio": 0.0,
    }
    per_difficulty = {str(d): {**metrics, "accuracy_lenient": pass1 + 0.1 / d} for d in (1, 2, 3)}
    per_lang = {"en": dict(metrics), "zh": dict(metrics)}
    return {**metrics, "per_lang": per_lang, "per_difficulty": per_difficulty, **extra}


def _history(n: int = 8) -> dict:
    steps = [10 * (i + 1) for i in range(n)]
    return {
        "step": steps,
        "reward": [0.1 * i for i in range(n)],
        "completions/mean_length": [50.0 + 5 * i for i in range(n)],
        "loss": [0.5 - 0.01 * i for i in range(n)],
        "rewards/accuracy/mean": [0.05 * i for i in range(n)],
        # A reward function that only logged some steps.
        "rewards/format/mean": [0.5 if i % 2 else None for i in range(n)],
        "accuracy_lenient": [0.3 + 0.05 * i for i in range(n)],
        "length/correct": [60.0 + 6 * i for i in range(n)],
        "length/incorrect": [40.0 + 4 * i for i in range(n)],
    }


def _full_report() -> dict:
    return {
        "stages": {
            "base": _eval(
                0.1,
                num_parameters=1_078_400,
                stage_seconds=343.3,
                setup_seconds=2.5,
                train_seconds=336.4,
                eval_seconds=4.4,
                global_steps=1400,
            ),
            "r1_zero": _eval(
                0.7638,
                history=_history(),
                stage_seconds=186.6,
                curve={"reward": [0.1, 0.7]},
                clip_ratio={
                    "clip_ratio/region_mean": {"mean": 1.5e-5, "max": 3e-5},
                    "clip_ratio/high_max": {"mean": 0.125, "max": 0.25},
                },
            ),
            "cold_start_data": {"num_examples": 1236, "num_generated": 3400, "stage_seconds": 50.5, "filters": {}},
            # A GRPO loss that logs no clipping.
            "reasoning_rl": _eval(0.77, history=_history(5), stage_seconds=44.6, clip_ratio={}),
            "sft": _eval(0.775, history={"step": [1, 2], "loss": [1.0, 0.5]}, stage_seconds=16.1),
            "reward_model": {
                "helpfulness": {"pair_accuracy": 0.8125},
                "harmlessness": {"pair_accuracy": 0.9375},
                "stage_seconds": 12.0,
            },
            "all_scenarios_rl": _eval(
                0.78,
                history=_history(),
                general_before={"helpfulness": 0.25, "harmlessness": 0.5},
                general_after={"helpfulness": 0.625, "harmlessness": 0.75},
            ),
            "distill": _eval(
                0.6,
                **{
                    "rl_only_pass@1": 0.3,
                    "rl_only_accuracy_lenient": 0.55,
                    "student_base_accuracy_lenient": 0.2,
                    "teacher_pass@1": 0.78,
                    "teacher_accuracy_lenient": 0.79,
                    "student_parameters": 250_000,
                    "teacher_parameters": 1_078_400,
                },
            ),
        },
        "wall_seconds": 721.1,
    }


def test_full_report_writes_md_and_plots(tmp_path):
    path = write_report_md(_full_report(), tmp_path)
    assert path == tmp_path / "report.md"
    md = path.read_text()
    for stage in _full_report()["stages"]:
        assert stage in md
    for name in PLOTS:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC), name
        assert len(data) > 10_000, name
        assert f"]({name})" in md
    # Numbers are formatted to 3 decimals.
    assert "0.764" in md and "0.7638" not in md
    assert "Wall time: 721.1 s" in md
    assert "123.457" in md
    # The sections that have their own data.
    assert "0.812" in md and "0.938" in md  # reward-model pair accuracies
    assert "| helpfulness | 0.250 | 0.625 |" in md  # general prompts before -> after
    assert "num_examples 1236" in md and "num_generated 3400" in md
    assert "teacher (1.08M params) | 0.790" in md and "RL-only student (250K params) | 0.550" in md
    # No temp files left behind by the atomic writes.
    assert not list(tmp_path.glob("*.tmp"))


def test_time_table_lists_every_stage(tmp_path):
    md = write_report_md(_full_report(), tmp_path).read_text()
    section = md.split("## Time per stage")[1].split("\n## ")[0]
    for stage in _full_report()["stages"]:
        assert f"| {stage} |" in section
    assert "| stage | stage s | setup s | train s | eval s | share of all stages |" in section
    assert "| base | 343.3 | 2.5 | 336.4 | 4.4 | 47.6% |" in section
    assert "| all_scenarios_rl | - | - | - | - | - |" in section


def test_clip_ratios_show_whether_clipping_acted(tmp_path):
    md = write_report_md(_full_report(), tmp_path).read_text()
    section = md.split("## GRPO clipping")[1].split("\n## ")[0]
    # Significant digits: 3e-05 must not print as 0.000, which would say clipping never acted.
    assert "| r1_zero | clip_ratio/region_mean | 1.5e-05 | 3e-05 |" in section
    assert "| r1_zero | clip_ratio/high_max | 0.125 | 0.25 |" in section
    assert "| reasoning_rl | not logged | - | - |" in section
    # Stages that are not GRPO record no clip ratios and get no row.
    assert "| base |" not in section and "| sft |" not in section
    no_grpo = write_report_md({"stages": {"base": _eval(0.1)}}, tmp_path / "sft").read_text()
    assert "## GRPO clipping" not in no_grpo


def test_partial_report_omits_plots_without_data(tmp_path):
    report = {
        "stages": {
            "cold_start_data": {"num_examples": 12, "stage_seconds": None},
            # An RL stage whose history logged nothing usable, and whose eval failed.
            "r1_zero": {"history": {"step": [10, 20], "reward": [None, None], "completions/mean_length": [None, 3.0]}},
            "broken": None,
        }
    }
    path = write_report_md(report, tmp_path)
    md = path.read_text()
    assert "cold_start_data" in md and "num_examples 12" in md
    for name in PLOTS:
        assert not (tmp_path / name).exists(), name
        assert name not in md
    assert "Wall time: -" in md


@pytest.mark.parametrize("report", [{}, {"stages": {}}, {"stages": None, "wall_seconds": None}])
def test_empty_reports(tmp_path, report):
    md = write_report_md(report, tmp_path / "out").read_text()
    assert md.startswith("# ")
    assert not list((tmp_path / "out").glob("*.png"))


def test_nulls_in_training_stages(tmp_path):
    report = _full_report()
    report["stages"]["r1_zero"].update({"format_rate": None, "cons@k": None, "stage_seconds": None})
    report["stages"]["r1_zero"]["history"]["completions/mean_length"] = [None] * 8
    report["stages"]["distill"] = {
        "accuracy_lenient": 0.5,
        "teacher_accuracy_lenient": None,
        "student_parameters": None,
    }
    path = write_report_md(report, tmp_path)
    md = path.read_text()
    row = next(line for line in md.splitlines() if line.startswith("| r1_zero | 0.774"))
    # accuracy, then format (null), then strict pass@1, then cons@k (null).
    assert row.split(" | ")[1:5] == ["0.774", "-", "0.764", "-"]
    for name in PLOTS:
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    assert "teacher" not in md.split("## Distillation")[1].split("\n## ")[0]


def test_rewrite_replaces_files(tmp_path):
    write_report_md({"stages": {"base": _eval(0.1)}}, tmp_path)
    md = write_report_md({"stages": {"sft": _eval(0.2)}}, tmp_path).read_text()
    assert "sft" in md and "| base |" not in md


def _measured(accuracy: float | None, fmt: float | None, correct_len: float | None, mixed: float | None) -> dict:
    return {
        "pass@1": accuracy,
        "accuracy_lenient": accuracy,
        "format_rate": fmt,
        "mean_length_correct": correct_len,
        "mixed_rate": mixed,
    }


def _changed(md: str, stage: str) -> str:
    section = md.split(f"### {stage}\n")[1].split("\n#")[0]
    return next(line for line in section.splitlines() if line.startswith("**What this stage changed**"))


def test_training_table_leads_with_format_free_accuracy(tmp_path):
    md = write_report_md(_full_report(), tmp_path).read_text()
    assert "| stage | accuracy | format | pass@1 (strict) | cons@k |" in md
    # A stage whose strict pass@1 failed to record still has its headline number.
    only_lenient = write_report_md({"stages": {"r1_zero": {"accuracy_lenient": 0.5}}}, tmp_path / "x").read_text()
    assert "| r1_zero | 0.500 | - | - |" in only_lenient
    table = format_table({"stages": {"base": {"accuracy_lenient": 0.25, "format_rate": 0.5, "pass@1": 0.125}}})
    header, _, row = table.splitlines()
    assert header.split()[:4] == ["stage", "accuracy", "format", "pass@1"]
    assert row.split()[:4] == ["base", "0.250", "0.500", "0.125"]


def test_changed_line_shows_measured_deltas(tmp_path):
    report = {
        "stages": {
            "base": _measured(0.52, 0.0, 12.0, 0.02),
            "r1_zero": _measured(0.71, 0.98, 31.0, 0.01),
            "sft": _measured(0.8, 0.9, 20.0, 0.0),
            # Not one right answer: eval writes 0.0 as its correct-answer length, which is no length at all.
            "all_scenarios_rl": {**_measured(0.0, None, 0.0, 0.0), "format_rate": 0.4},
            "distill": _measured(0.3, 0.5, 9.0, None),
        }
    }
    md = write_report_md(report, tmp_path).read_text()
    assert _changed(md, "r1_zero") == (
        "**What this stage changed**: r1_zero vs base: accuracy 0.52 → 0.71 (+19 pts), format 0.00 → 0.98, "
        "length of correct answers 12 → 31 tokens, mixed 2% → 1%"
    )
    assert _changed(md, "all_scenarios_rl") == (
        "**What this stage changed**: all_scenarios_rl vs sft: accuracy 0.80 → 0.00 (-80 pts), format 0.90 → 0.40, "
        "length of correct answers 20 → - tokens, mixed 0% → 0%"
    )
    assert "distill vs student_base: no student_base evaluation in this report" in _changed(md, "distill")
    # The base model starts from nothing and gets no line.
    assert "### base" not in md


def test_changed_line_falls_back_to_mean_length_and_skips_unmeasured(tmp_path):
    report = {
        "stages": {
            "cold_start_sft": {"accuracy_lenient": 0.5, "mean_length": 80.0},
            "reasoning_rl": {"accuracy_lenient": 0.625, "mean_length": 120.4, "mixed_rate": None},
        }
    }
    md = write_report_md(report, tmp_path).read_text()
    assert _changed(md, "reasoning_rl") == (
        "**What this stage changed**: reasoning_rl vs cold_start_sft: accuracy 0.50 → 0.62 (+12 pts), "
        "mean length 80 → 120 tokens"
    )


@pytest.mark.parametrize(("stage", "start"), sorted(STARTS_FROM.items()))
def test_every_trained_stage_is_compared_with_its_start(tmp_path, stage, start):
    report = {"stages": {start: _measured(0.25, 0.5, 10.0, 0.1), stage: _measured(0.75, 1.0, 30.0, 0.0)}}
    md = write_report_md(report, tmp_path).read_text()
    assert f"{stage} vs {start}: accuracy 0.25 → 0.75 (+50 pts), format 0.50 → 1.00" in _changed(md, stage)


def test_per_difficulty_table(tmp_path):
    def split(*values: float | None) -> dict:
        return {str(level): {"accuracy_lenient": v} for level, v in zip((1, 2, 10), values, strict=True)}

    report = {
        "stages": {
            "base": {"accuracy_lenient": 0.5, "per_difficulty": split(0.75, 0.5, 0.25)},
            "r1_zero": {"accuracy_lenient": 0.6, "per_difficulty": split(0.875, 0.625, None)},
            # Not a column of this table, though it has the split.
            "sft": {"accuracy_lenient": 0.7, "per_difficulty": split(0.1, 0.1, 0.1)},
            "all_scenarios_rl": {"accuracy_lenient": 0.8, "per_difficulty": {"1": {"accuracy_lenient": 1.0}}},
            "distill_rl_only": {"accuracy_lenient": 0.3, "per_difficulty": split(0.5, 0.25, 0.0)},
        }
    }
    md = write_report_md(report, tmp_path).read_text()
    section = md.split("## Accuracy by difficulty")[1].split("\n## ")[0]
    assert "| operations | base | r1_zero | all_scenarios_rl (final) | distill_rl_only |" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "operations" not in line]
    # Numeric order: 10 operations come after 2.
    assert rows == [
        "| 1 | 0.750 | 0.875 | 1.000 | 0.500 |",
        "| 2 | 0.500 | 0.625 | - | 0.250 |",
        "| 10 | 0.250 | - | - | 0.000 |",
        "| all | 0.500 | 0.600 | 0.800 | 0.300 |",
    ]
    assert "sft" not in section
    no_split = write_report_md({"stages": {"base": {"accuracy_lenient": 0.5}}}, tmp_path / "x").read_text()
    assert "## Accuracy by difficulty" not in no_split


def test_sample_chains_are_collapsed_and_fenced(tmp_path):
    examples = [
        {"prompt": "What is 2+3?", "completion": "<think>2+3=5</think> <answer>5</answer>", "solution": "5"},
        {"prompt": "q2", "completion": "a fence ``` inside", "solution": 7},
        {"prompt": "q3", "completion": "x" * 10_000, "solution": "<b>"},
        {"prompt": "q4", "completion": "not shown", "solution": "4"},
    ]
    md = write_report_md({"stages": {"base": {"accuracy_lenient": 0.5, "examples": examples}}}, tmp_path).read_text()
    section = md.split("### base\n")[1]
    assert section.startswith("\n<details><summary>3 sample chains of base</summary>\n\n")
    assert "</details>" in section and "not shown" not in section
    assert "```text\n<think>2+3=5</think> <answer>5</answer>\n```" in section
    assert "**Sample 1**, gold answer: 5" in section
    # A completion's own ``` cannot close the block it is shown in.
    assert "````text\na fence ``` inside\n````" in section
    assert "x" * 2500 + "\n[... 7500 more characters cut]" in section and "x" * 2501 not in section
    assert "gold answer: &lt;b&gt;" in section


def test_missing_and_null_new_keys_give_dashes(tmp_path):
    report = {
        "stages": {
            "base": {"accuracy_lenient": None, "pass@1": 0.1, "per_difficulty": {"1": None, "2": {}}, "examples": 3},
            "r1_zero": {
                "accuracy_lenient": 0.5,
                "mean_length_correct": None,
                "per_difficulty": "broken",
                "examples": [None, {"prompt": None, "completion": 3}],
                "history": {
                    "step": [1, 2, 3],
                    "accuracy_lenient": [None, None, None],
                    "rewards/accuracy/mean": [0.0, None, 0.5],
                    "length/correct": [None, 5.0, 6.0],
                    "length/incorrect": "broken",
                },
            },
            "distill": {"accuracy_lenient": 0.25, "per_difficulty": {"1": {"accuracy_lenient": "n/a"}}},
        }
    }
    md = write_report_md(report, tmp_path).read_text()
    assert "| 1 | - | - |" in md and "| 2 | - | - |" in md and "| all | - | 0.250 |" in md
    assert "r1_zero vs base: accuracy - → 0.50 (" not in md
    assert "r1_zero vs base: accuracy - → 0.50" in md
    assert "1 sample chain of r1_zero" in md and "```text\n-\n```" in md and "```text\n3\n```" in md
    assert (tmp_path / "rl_curves.png").read_bytes().startswith(PNG_MAGIC)


def _capture_plots(monkeypatch) -> dict[str, list]:
    """The legend labels of each axes of each plot that is saved, by file name."""
    drawn: dict[str, list] = {}
    save = report_plots._save

    def capture(fig, path):
        drawn[path.name] = [ax.get_legend_handles_labels()[1] for ax in fig.axes]
        save(fig, path)

    monkeypatch.setattr(report_plots, "_save", capture)
    return drawn


def test_rl_curves_show_accuracy_and_length_by_correctness(tmp_path, monkeypatch):
    drawn = _capture_plots(monkeypatch)
    report = _full_report()
    # A stage that logged only the format-free accuracy and lengths still gets its curves.
    only = {k: v for k, v in _history().items() if k in ("step", "accuracy_lenient", "length/correct")}
    report["stages"]["reasoning_rl"]["history"] = only
    write_report_md(report, tmp_path)
    assert (tmp_path / "rl_curves.png").read_bytes().startswith(PNG_MAGIC)
    # One row of (accuracy, length) per GRPO stage: r1_zero, reasoning_rl, all_scenarios_rl.
    panels = drawn["rl_curves.png"]
    assert len(panels) == 6
    assert panels[0] == ["accuracy (format-free)", "accuracy reward", "format reward"]
    assert panels[1] == ["all completions", "correct", "incorrect"]
    assert panels[2] == ["accuracy (format-free)"] and panels[3] == ["correct"]
    # The stage plot's first, solid bars are the format-free accuracy.
    assert drawn["stages.png"][0][0] == "accuracy"


def test_rl_curves_fall_back_to_the_accuracy_reward(tmp_path, monkeypatch):
    drawn = _capture_plots(monkeypatch)
    history = {"step": [1, 2], "rewards/accuracy/mean": [0.0, 0.5], "completions/mean_length": [10.0, 20.0]}
    write_report_md({"stages": {"r1_zero": {"history": history}}}, tmp_path)
    assert drawn["rl_curves.png"] == [["accuracy reward"], ["all completions"]]
