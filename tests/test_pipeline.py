"""`r1-trl pipeline`: the plan (skip, resume, rerun), a real stage skipped and resumed, and bad pipeline files."""

import dataclasses
import json
import logging
import os
import shutil

import pytest
import yaml

from r1_trl.cli import main
from r1_trl.stages.pipeline import _stage_argv, load_pipeline, plan_stages
from r1_trl.stages.recipe import parse_stage
from r1_trl.trainers.run import STAGE_FILE
from tests.test_stages import _tiny_base_recipe


def _pipeline(tmp_path, stages=("base",)):
    recipes = tmp_path / "recipes"
    recipes.mkdir(exist_ok=True)
    (recipes / "base.yaml").write_text(_tiny_base_recipe(tmp_path).read_text())
    path = recipes / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "run_dir": str(tmp_path), "stages": list(stages)}))
    return path


def _finish(tmp_path, stage):
    (tmp_path / stage).mkdir(parents=True, exist_ok=True)
    (tmp_path / stage / STAGE_FILE).write_text("{}")


def test_plan_skips_finished_resumes_started_and_reruns_on_request(tmp_path):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    stages = ["base", "r1_zero", "sft"]
    for stage in stages:
        (recipes / f"{stage}.yaml").write_text(
            f"output_dir: {tmp_path / stage}\nreport_path: {tmp_path / 'report.json'}\n"
        )
    path = recipes / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"run_dir": str(tmp_path), "stages": stages}))
    spec = load_pipeline(path)
    assert plan_stages(spec) == {"base": "run", "r1_zero": "run", "sft": "run"}
    _finish(tmp_path, "base")
    (tmp_path / "r1_zero" / "checkpoint-50").mkdir(parents=True)  # killed mid-run
    assert plan_stages(spec) == {"base": "skip", "r1_zero": "resume", "sft": "run"}
    assert plan_stages(spec, start="r1_zero") == {"base": "skip", "r1_zero": "rerun", "sft": "run"}
    assert plan_stages(spec, only="base") == {"base": "rerun"}
    assert plan_stages(spec, force=True) == {"base": "rerun", "r1_zero": "rerun", "sft": "run"}
    with pytest.raises(ValueError, match="--only 'nope'"):
        plan_stages(spec, only="nope")


def test_a_finished_stage_is_skipped_and_a_killed_one_resumes(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    path = _pipeline(tmp_path)
    assert main(["pipeline", str(path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    entry = report["stages"]["base"]
    assert "wall_seconds" in report and entry["global_steps"] == 3
    # The stage's time in its parts: training is the trainer.train() call alone, not the loading before it.
    parts = [entry[k] for k in ("setup_seconds", "train_seconds", "eval_seconds")]
    assert all(p >= 0 for p in parts) and entry["setup_seconds"] > 0 and entry["train_seconds"] > 0
    assert sum(parts) <= entry["stage_seconds"] + 0.2  # each is rounded to 0.1 s
    assert (tmp_path / "report.md").exists() and "base" in (tmp_path / "report.md").read_text()
    stamp = (tmp_path / "base" / "model.safetensors").stat().st_mtime_ns

    caplog.clear()
    assert main(["pipeline", str(path)]) == 0
    assert (tmp_path / "base" / "model.safetensors").stat().st_mtime_ns == stamp
    assert "already finished" in caplog.text

    # A kill after the step-2 checkpoint: no stage record, no final model. The rerun continues from checkpoint-2.
    (tmp_path / "base" / STAGE_FILE).unlink()
    (tmp_path / "base" / "model.safetensors").unlink()
    shutil.rmtree(tmp_path / "base" / "checkpoint-3")
    caplog.clear()
    assert main(["pipeline", str(path)]) == 0
    assert "resuming from" in caplog.text and "checkpoint-2" in caplog.text
    assert "missing keys" not in caplog.text
    assert json.loads((tmp_path / "base" / STAGE_FILE).read_text())["global_steps"] == 3

    # --only reruns from scratch: the old checkpoints are cleared first.
    caplog.clear()
    assert main(["pipeline", str(path), "--only", "base"]) == 0
    assert "clearing" in caplog.text and "resuming from" not in caplog.text


def test_a_resumed_moe_keeps_its_trained_experts(tmp_path):
    """Resuming at the last checkpoint trains no step, so the saved model must equal that checkpoint exactly; a
    resume that skipped transformers' weight conversion would leave the experts at their initial values."""
    import torch
    from transformers import AutoModelForCausalLM

    path = _pipeline(tmp_path)
    assert main(["pipeline", str(path)]) == 0
    (tmp_path / "base" / STAGE_FILE).unlink()
    (tmp_path / "base" / "model.safetensors").unlink()
    assert main(["pipeline", str(path)]) == 0
    saved = AutoModelForCausalLM.from_pretrained(tmp_path / "base").state_dict()
    checkpoint = AutoModelForCausalLM.from_pretrained(tmp_path / "base" / "checkpoint-3").state_dict()
    experts = [k for k in saved if ".experts." in k]
    assert experts and all(torch.equal(saved[k], checkpoint[k]) for k in saved)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"stages": ["base", "nope"]}, "unknown stage 'nope'"),
        ({"stages": ["base", "base"]}, "listed twice"),
        ({"colour": "red"}, "unknown pipeline key"),
        ({"run_dir": "/elsewhere"}, "output_dir is"),
        ({"stages": ["base", "sft"]}, "sft.yaml' does not exist"),
    ],
)
def test_bad_pipeline_files_fail_in_one_line_before_any_stage(tmp_path, capsys, edit, message):
    path = _pipeline(tmp_path)
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, **edit}))
    assert main(["pipeline", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "base").exists()


def test_the_demo_pipeline_is_consistent():
    spec = load_pipeline("recipes/tiny-moe/pipeline.yaml")
    # The demo starts at R1-Zero from the released bases, as R1 starts from DeepSeek-V3-Base: nothing pre-trains.
    assert list(spec.recipes)[0] == "r1_zero" and "distill_rl_only" in spec.recipes
    assert "base" not in spec.recipes and "student_base" not in spec.recipes
    assert {k: str(v) for k, v in spec.released.items()} == {
        "base": "released/tiny-moe/base",
        "student_base": "released/tiny-moe/student_base",
    }
    assert set(plan_stages(spec, only="distill")) == {"distill"}
    comparisons = load_pipeline("recipes/tiny-moe/pipeline_comparisons.yaml")
    assert list(comparisons.recipes) == ["r1_zero_filtered", "distill_on_policy"]
    assert comparisons.recipes["r1_zero_filtered"].name == "r1_zero.yaml"


@pytest.mark.parametrize("pipeline", ["pipeline.yaml", "pipeline_comparisons.yaml"])
def test_another_seed_runs_every_stage_under_its_own_run_dir(tmp_path, pipeline):
    import dataclasses

    spec = load_pipeline(f"recipes/tiny-moe/{pipeline}")
    moved = dataclasses.replace(spec, moved_to=tmp_path / "seed1", seed=1)
    for stage in moved.recipes:
        argv = _stage_argv(moved, stage)
        recipe = parse_stage(stage, argv)
        assert recipe.seed == 1, stage
        assert recipe.output_dir == str(tmp_path / "seed1" / stage), stage
        assert recipe.report_path == str(tmp_path / "seed1" / "report.json"), stage
        # Every hand-over between stages (models, datasets, the time budget) stays inside the seed's own run.
        left = [
            (f.name, value)
            for part in recipe.parts
            for f in dataclasses.fields(part)
            for value in _as_list(getattr(part, f.name))
            if isinstance(value, str) and value.startswith(str(spec.run_dir))
        ]
        assert not left, (stage, left)
    assert plan_stages(moved) == dict.fromkeys(moved.recipes, "run")


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_another_seed_without_its_own_run_dir_is_refused(capsys):
    assert main(["pipeline", "recipes/tiny-moe/pipeline.yaml", "--seed", "1", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--seed 1 needs --run_dir" in err and len(err.splitlines()) == 1


def test_report_to_wandb_groups_the_stages_and_logs_offline(tmp_path, monkeypatch):
    """With report_to: wandb and no network, every training stage is an offline W&B run in one group."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.delenv("WANDB_RUN_GROUP", raising=False)
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "base.yaml").write_text(_tiny_base_recipe(tmp_path).read_text())
    # A second training stage: it must get a run of its own in the same group, not log into the first one's.
    (recipes / "student_base.yaml").write_text(
        _tiny_base_recipe(tmp_path).read_text().replace(str(tmp_path / "base"), str(tmp_path / "student_base"))
        + f"model_preset: tiny-dense\ntokenizer_name_or_path: {tmp_path / 'base'}\n"
    )
    path = recipes / "pipeline.yaml"
    stages = ["base", "student_base"]
    path.write_text(yaml.safe_dump({"name": "t", "run_dir": str(tmp_path), "stages": stages, "report_to": "wandb"}))
    assert main(["pipeline", str(path)]) == 0
    group = os.environ["WANDB_RUN_GROUP"]
    assert group.startswith("t-")
    runs = sorted((tmp_path / "wandb").glob("offline-run-*"))
    assert len(runs) == 2
    # The group is written into each run's own record, so `wandb sync` files both under the pipeline run.
    for run in runs:
        assert group.encode() in next(run.glob("run-*.wandb")).read_bytes()


def test_a_forced_run_clears_every_stage_before_the_first_runs(tmp_path, monkeypatch):
    """Killed half-way through `--force`, a run must not leave later stages of the previous run finished-marked:
    a resume would skip them although their inputs changed."""
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    stages = ["r1_zero", "sft"]
    for stage in stages:
        (recipes / f"{stage}.yaml").write_text(
            f"output_dir: {tmp_path / stage}\nreport_path: {tmp_path / 'report.json'}\n"
        )
        _finish(tmp_path, stage)
    path = recipes / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"run_dir": str(tmp_path), "stages": stages}))

    def killed(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr("r1_trl.stages.get_stage", lambda stage: killed)
    with pytest.raises(KeyboardInterrupt):
        main(["pipeline", str(path), "--force"])
    assert not (tmp_path / "sft").exists()
    assert plan_stages(load_pipeline(path)) == {"r1_zero": "run", "sft": "run"}


def test_released_models_are_checked_before_any_stage(tmp_path, capsys):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "sft.yaml").write_text(f"output_dir: {tmp_path / 'sft'}\nreport_path: {tmp_path / 'report.json'}\n")
    path = recipes / "pipeline.yaml"
    spec = {"run_dir": str(tmp_path), "stages": ["sft"], "released": {"base": str(tmp_path / "nowhere")}}
    path.write_text(yaml.safe_dump(spec))
    assert main(["pipeline", str(path)]) == 2
    assert "released model 'base' needs its recipe" in capsys.readouterr().err
    (recipes / "base.yaml").write_text("seed: 0\n")
    assert main(["pipeline", str(path)]) == 2
    err = capsys.readouterr().err
    assert "no model at" in err and "make base" in err
    spec["released"] = {"sft": str(tmp_path)}
    path.write_text(yaml.safe_dump(spec))
    assert main(["pipeline", str(path)]) == 2
    assert "both a released model and a stage" in capsys.readouterr().err


def test_released_models_are_evaluated_into_the_report_for_any_seed(tmp_path, tiny_model_dir):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    common = f"report_path: {tmp_path / 'report.json'}\n"
    eval_keys = "dataset_name: embedded:arithmetic\nnum_test_prompts: 4\neval_k: 1\neval_max_tokens: 8\n"
    (recipes / "base.yaml").write_text(f"output_dir: {tmp_path / 'base'}\nseed: 0\n{common}{eval_keys}")
    (recipes / "sft.yaml").write_text(f"output_dir: {tmp_path / 'sft'}\n{common}")
    path = recipes / "pipeline.yaml"
    spec = {"run_dir": str(tmp_path), "stages": ["sft"], "released": {"base": str(tiny_model_dir)}}
    path.write_text(yaml.safe_dump(spec))
    # Another seed moves the run; the released model is evaluated there, once, with the recipe's eval settings.
    moved = tmp_path / "seed3"
    assert main(["pipeline", str(path), "--seed", "3", "--run_dir", str(moved), "--dry-run"]) == 0
    from r1_trl.stages import pipeline as pipeline_module

    loaded = dataclasses.replace(load_pipeline(path), moved_to=moved, seed=3)
    pipeline_module._evaluate_released(loaded, force=False)
    entry = json.loads((moved / "report.json").read_text())["stages"]["base"]
    assert entry["num_prompts"] == 4 and "accuracy_lenient" in entry
    assert (moved / "base" / "eval.json").exists()
