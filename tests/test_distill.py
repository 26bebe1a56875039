"""Distillation: the student is dense and at most a quarter of the teacher, the student base matches the teacher's
token budget, the stage runs end to end, and the RL-only control stops at distillation's wall-clock."""

import json

import pytest
import yaml

from r1_trl.cli import main
from r1_trl.configs.distill import DistillArguments
from r1_trl.models import build_model
from r1_trl.stages.distill import check_student, count_parameters, is_dense


def _args(**kw):
    return DistillArguments(teacher_model_name_or_path="t", **kw)


def test_the_demo_student_is_dense_and_under_a_quarter_of_the_teacher(tiny_tokenizer, tiny_model_dir):
    student = build_model("tiny-dense", tiny_tokenizer)
    teacher = count_parameters(str(tiny_model_dir))
    assert teacher == sum(p.numel() for p in build_model("tiny-moe", tiny_tokenizer).parameters())
    sizes = check_student(student, teacher, _args())
    assert sizes["student_dense"] and sizes["student_ratio"] <= 0.25
    assert is_dense(student.config) and not is_dense(build_model("tiny-moe", tiny_tokenizer).config)


def test_a_moe_or_oversized_student_is_refused(tiny_tokenizer):
    moe = build_model("tiny-moe", tiny_tokenizer)
    with pytest.raises(ValueError, match="mixture of experts"):
        check_student(moe, None, _args())
    dense = build_model("tiny-dense", tiny_tokenizer)
    size = sum(p.numel() for p in dense.parameters())
    with pytest.raises(ValueError, match="max_student_ratio is 0.25"):
        check_student(dense, size * 2, _args())


def test_the_student_base_sees_the_teacher_base_corpus_and_token_count():
    teacher = yaml.safe_load(open("recipes/tiny-moe/base.yaml"))
    student = yaml.safe_load(open("recipes/tiny-moe/student_base.yaml"))
    same = ("corpus_documents", "corpus_difficulties", "tagged_fraction", "mixed_fraction", "seed")
    assert {k: student[k] for k in same} == {k: teacher[k] for k in same}
    tokens = lambda r: r["max_steps"] * r["per_device_train_batch_size"] * r["max_length"]  # noqa: E731
    assert tokens(student) == tokens(teacher)
    assert student["model_preset"] == "tiny-dense" and student["tokenizer_name_or_path"] == teacher["output_dir"]


def test_distill_arguments_reject_bad_input():
    with pytest.raises(ValueError, match="teacher_model_name_or_path"):
        DistillArguments()
    with pytest.raises(ValueError, match="distill_method"):
        _args(distill_method="magic")
    with pytest.raises(ValueError, match="gkd needs"):
        DistillArguments(traces_dataset="x.jsonl", distill_method="gkd")


def _common(tmp_path):
    return [
        f"report_path: {tmp_path / 'report.json'}",
        "num_test_prompts: 4",
        "eval_k: 1",
        "eval_max_tokens: 8",
        "bf16: false",
        "report_to: none",
        "save_strategy: steps",
        "save_steps: 1",
    ]


def test_distill_then_the_time_matched_rl_only_control(tmp_path, tiny_tokenizer, tiny_model_dir):
    student_dir = tmp_path / "student_base"
    build_model("tiny-dense", tiny_tokenizer).save_pretrained(student_dir)
    tiny_tokenizer.save_pretrained(student_dir)
    (student_dir / "stage.json").write_text(json.dumps({"accuracy_lenient": 0.25, "pass@1": 0.0}))
    traces = tmp_path / "traces.jsonl"
    with traces.open("w") as f:
        for i in range(8):
            answer = f"|special_token|\nFirst, {i} + 1 = {i + 1}.\n|special_token|\n{i + 1}"
            messages = [{"role": "user", "content": f"Compute {i} + 1."}, {"role": "assistant", "content": answer}]
            f.write(json.dumps({"messages": messages}) + "\n")
    recipe = tmp_path / "distill.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"model_name_or_path: {student_dir}",
                f"teacher_model_name_or_path: {tiny_model_dir}",
                f"traces_dataset: {traces}",
                f"output_dir: {tmp_path / 'distill'}",
                "template: readable",
                "chat_format: true",
                "per_device_train_batch_size: 4",
                "max_steps: 2",
                "max_length: 64",
                *_common(tmp_path),
            ]
        )
    )
    assert main(["distill", "--config", str(recipe)]) == 0
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["distill"]
    assert entry["student_dense"] and entry["student_ratio"] <= 0.25
    assert entry["student_base_accuracy_lenient"] == 0.25 and entry["budget_seconds"] > 0
    assert {"pass@1", "format_rate", "num_train_examples"} <= set(entry) and entry["num_train_examples"] == 8

    # The control gets distillation's seconds; a tiny budget stops it long before max_steps.
    eval_file = tmp_path / "distill" / "stage.json"
    eval_file.write_text(json.dumps({**json.loads(eval_file.read_text()), "budget_seconds": 0.5}))
    control = tmp_path / "distill_rl_only.yaml"
    control.write_text(
        "\n".join(
            [
                f"model_name_or_path: {student_dir}",
                f"output_dir: {tmp_path / 'distill_rl_only'}",
                f"time_budget_of: {tmp_path / 'distill'}",
                "num_train_prompts: 16",
                "per_device_train_batch_size: 8",
                "num_generations: 4",
                "max_completion_length: 8",
                "max_steps: 500",
                *_common(tmp_path),
            ]
        )
    )
    assert main(["distill_rl_only", "--config", str(control)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())["stages"]
    assert report["distill_rl_only"]["global_steps"] < 500 and report["distill_rl_only"]["time_budget_seconds"] == 0.5
    assert report["distill"]["rl_only_pass@1"] == report["distill_rl_only"]["pass@1"]
    assert report["distill"]["pass@1"] == entry["pass@1"]  # the distill entry keeps its own figures


def test_on_policy_distillation_learns_from_the_students_own_answers_for_distills_wall_clock(
    tmp_path, tiny_tokenizer, tiny_model_dir
):
    student_dir = tmp_path / "student_base"
    build_model("tiny-dense", tiny_tokenizer).save_pretrained(student_dir)
    tiny_tokenizer.save_pretrained(student_dir)
    (tmp_path / "distill").mkdir()
    (tmp_path / "distill" / "stage.json").write_text(json.dumps({"budget_seconds": 600.0}))
    recipe = tmp_path / "distill_on_policy.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"model_name_or_path: {student_dir}",
                f"teacher_model_name_or_path: {tiny_model_dir}",
                f"output_dir: {tmp_path / 'distill_on_policy'}",
                f"time_budget_of: {tmp_path / 'distill'}",
                "distill_method: on_policy",
                "template: readable",
                "chat_format: true",
                "num_train_prompts: 16",
                "trace_prompts: 8",
                "on_policy_max_completion_length: 8",
                "per_device_train_batch_size: 4",
                "max_steps: 2",
                "learning_rate: 1.0e-3",
                *_common(tmp_path),
            ]
        )
    )
    assert main(["distill_on_policy", "--config", str(recipe)]) == 0
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["distill_on_policy"]
    assert entry["distill_method"] == "on_policy" and entry["global_steps"] == 2
    # No trace was generated: the student answered the 8 prompts itself.
    assert entry["num_train_examples"] == 8 and entry["traces"] == {}
    assert entry["time_budget_seconds"] == 600.0 and not (tmp_path / "distill_on_policy" / "traces").exists()
    assert {"pass@1", "accuracy_lenient", "format_rate"} <= set(entry)


def test_on_policy_needs_a_teacher_and_no_trace_set():
    with pytest.raises(ValueError, match="on_policy needs teacher_model_name_or_path"):
        DistillArguments(traces_dataset="t.jsonl", distill_method="on_policy")
    with pytest.raises(ValueError, match="unset traces_dataset"):
        _args(traces_dataset="t.jsonl", distill_method="on_policy")
    with pytest.raises(ValueError, match="on_policy_beta"):
        _args(distill_method="on_policy", on_policy_beta=1.5)
