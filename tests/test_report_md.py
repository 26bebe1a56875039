"""report.md and its plots, from synthetic reports (full, partial, and with nulls)."""

from __future__ import annotations

import pytest

from r1_trl.report_md import write_report_md

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
        "clipped_ratio": 0.0,
    }
    return {**metrics, "per_lang": {"en": dict(metrics), "zh": dict(metrics)}, **extra}


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
                    "student_base_accuracy_lenient": 0.2,
                    "teacher_pass@1": 0.78,
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
    assert "teacher pass@1 (1.08M params) | 0.780" in md
    assert "RL-only student pass@1 (250K params) | 0.300" in md
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
    report["stages"]["distill"] = {"pass@1": 0.5, "teacher_pass@1": None, "student_parameters": None}
    path = write_report_md(report, tmp_path)
    md = path.read_text()
    row = next(line for line in md.splitlines() if line.startswith("| r1_zero | 0.764"))
    assert row.split(" | ")[3] == "-"  # cons@k
    for name in PLOTS:
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    assert "teacher" not in md.split("## Distillation")[1].split("\n## ")[0]


def test_rewrite_replaces_files(tmp_path):
    write_report_md({"stages": {"base": _eval(0.1)}}, tmp_path)
    md = write_report_md({"stages": {"sft": _eval(0.2)}}, tmp_path).read_text()
    assert "sft" in md and "| base |" not in md
