"""The run tail (`r1_trl.trainers.run`): what each time field measures, the clip-ratio record, and where an
`r1-trl eval` result goes, beside a stage's record but never over it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from huggingface_hub import ModelCard

from r1_trl.cli import main
from r1_trl.report.curves import CURVE_KEYS, clip_ratio_summary, training_curve, training_history
from r1_trl.trainers import run
from r1_trl.trainers.run import (
    ADHOC_EVAL_FILE,
    STAGE_FILE,
    adhoc_eval_path,
    finish_stage,
    train_resumable,
    write_adhoc_eval,
)


class _Clock:
    """time.time and time.monotonic for run.py, moved on only by the test: every duration is exact."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# What a GRPO run logs: two steps with clipping, one where a loss logged none, and the closing summary.
GRPO_LOGS = [
    {"step": 1, "loss": 0.5, "reward": 0.1, "clip_ratio/region_mean": 0.0, "clip_ratio/high_max": 0.0},
    {"step": 2, "loss": 0.4, "reward": 0.3, "clip_ratio/region_mean": 3e-5, "clip_ratio/high_max": 0.25},
    {"step": 3, "loss": 0.3, "reward": 0.5, "clip_ratio/region_mean": None, "clip_ratio/high_max": math.nan},
    {"step": 3, "train_runtime": 5.0, "train_loss": 0.4, "clip_ratio/region_mean": 0.9},
]


class _FakeTrainer:
    """The parts of a transformers Trainer that the run tail touches; `train` takes `train_for` seconds."""

    def __init__(self, out: Path, clock: _Clock, train_for: float, logs: list[dict] | None = None) -> None:
        self.args = SimpleNamespace(output_dir=str(out), resume_from_checkpoint=None, push_to_hub=False)
        self.accelerator = SimpleNamespace(
            unwrap_model=lambda model: model, is_main_process=True, num_processes=1, wait_for_everyone=lambda: None
        )
        self.model = torch.nn.Linear(1, 1)
        self.model.config = SimpleNamespace(_name_or_path="Qwen/Qwen2.5-Math-7B")
        self.processing_class = SimpleNamespace(save_pretrained=lambda path: None)
        self.state = SimpleNamespace(global_step=0, log_history=[])
        self.clock, self.train_for, self.logs = clock, train_for, logs or []
        self.resumed_from: str | None = "not trained"

    def train(self, resume_from_checkpoint: str | None = None) -> None:
        self.resumed_from = resume_from_checkpoint
        self.clock.advance(self.train_for)
        self.state.global_step, self.state.log_history = 3, list(self.logs)

    def save_model(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(run, "time", clock)
    return clock


def test_train_seconds_is_the_train_call_not_setup_or_evaluation(tmp_path, clock):
    started = clock.time()
    clock.advance(100)  # model loading and a pre-training evaluation: setup, not training
    trainer = _FakeTrainer(tmp_path / "out", clock, train_for=5, logs=GRPO_LOGS)
    assert train_resumable(trainer) == 5
    assert trainer.r1_train_time.seconds == 5 and trainer.r1_train_time.started == started + 100

    def evaluate(model):
        clock.advance(2)
        return {"pass@1": 0.5, "sampling": {"k": 2}}

    entry = finish_stage(trainer, "r1_zero", evaluate, str(tmp_path / "report.json"), started)
    times = {k: entry[k] for k in ("setup_seconds", "train_seconds", "eval_seconds", "stage_seconds")}
    assert times == {"setup_seconds": 100.0, "train_seconds": 5.0, "eval_seconds": 2.0, "stage_seconds": 107.0}
    out = tmp_path / "out"
    assert json.loads((out / STAGE_FILE).read_text()) == entry
    assert json.loads((tmp_path / "report.json").read_text())["stages"]["r1_zero"]["train_seconds"] == 5.0
    assert ModelCard.load(out / "README.md").data.base_model == "Qwen/Qwen2.5-Math-7B"


def test_a_stage_that_trained_without_train_resumable_records_no_guess(tmp_path, clock):
    trainer = _FakeTrainer(tmp_path, clock, train_for=5)
    trainer.train()
    entry = finish_stage(trainer, "base", None, None, clock.time() - 50)
    assert entry["train_seconds"] is None and entry["setup_seconds"] is None and entry["stage_seconds"] == 50.0
    assert "eval_seconds" not in entry


def test_a_resumed_run_counts_only_its_own_train_call(tmp_path, clock):
    out = tmp_path / "out"
    (out / "checkpoint-2").mkdir(parents=True)
    trainer = _FakeTrainer(out, clock, train_for=7)
    assert train_resumable(trainer) == 7
    assert trainer.resumed_from == str(out / "checkpoint-2")


def test_clip_ratio_summary_covers_every_logged_step():
    summary = clip_ratio_summary(GRPO_LOGS)
    # The 3e-5 step keeps its digits: rounded to 0 it would say clipping never acted. The summary log is no step.
    assert summary == {
        "clip_ratio/region_mean": {"mean": 1.5e-5, "max": 3e-5},
        "clip_ratio/high_max": {"mean": 0.125, "max": 0.25},
    }
    assert clip_ratio_summary([{"step": 1, "loss": 1.0}]) == {}


def test_clip_ratios_are_in_the_curve_the_history_and_the_entry(tmp_path, clock):
    trainer = _FakeTrainer(tmp_path, clock, train_for=1, logs=GRPO_LOGS)
    train_resumable(trainer)
    assert {"clip_ratio/region_mean", "clip_ratio/high_max"} <= set(CURVE_KEYS)
    assert training_curve(trainer)["clip_ratio/high_max"] == [0.0, 0.25]
    history = training_history(trainer)
    assert history["step"] == [1, 2, 3] and history["clip_ratio/region_mean"] == [0.0, 3e-5, None]
    entry = finish_stage(trainer, "r1_zero", None, None, clock.time())
    assert entry["clip_ratio"] == clip_ratio_summary(GRPO_LOGS)


def test_an_sft_stage_records_no_clip_ratio(tmp_path, clock):
    trainer = _FakeTrainer(tmp_path, clock, train_for=1, logs=[{"step": 1, "loss": 1.0}])
    train_resumable(trainer)
    assert "clip_ratio" not in finish_stage(trainer, "base", None, None, clock.time())


def test_an_adhoc_eval_of_a_stage_folder_leaves_its_record(tmp_path):
    record = tmp_path / "base" / STAGE_FILE
    record.parent.mkdir()
    record.write_text('{"budget_seconds": 12.5}')
    path = write_adhoc_eval({"pass@1": 0.25}, str(tmp_path / "base"))
    assert path == tmp_path / "base" / ADHOC_EVAL_FILE and path.name != STAGE_FILE
    assert json.loads(path.read_text()) == {"pass@1": 0.25}
    assert json.loads(record.read_text()) == {"budget_seconds": 12.5}
    # --output still wins.
    output = tmp_path / "elsewhere" / "result.json"
    assert write_adhoc_eval({"pass@1": 0.5}, str(tmp_path / "base"), output) == output and output.exists()


def test_an_adhoc_eval_of_a_hub_id_never_makes_a_folder_named_like_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert adhoc_eval_path("org/name") == Path("evals/org--name") / ADHOC_EVAL_FILE
    assert adhoc_eval_path("gpt2") == Path("evals/gpt2") / ADHOC_EVAL_FILE
    path = write_adhoc_eval({"pass@1": 0.25}, "org/name")
    assert (tmp_path / path).exists() and not (tmp_path / "org").exists()


def test_the_eval_command_writes_beside_the_stage_record(tmp_path, tiny_model_dir):
    model = tmp_path / "base"
    shutil.copytree(tiny_model_dir, model)
    (model / STAGE_FILE).write_text('{"global_steps": 3}')
    recipe = tmp_path / "eval.yaml"
    recipe.write_text("num_test_prompts: 2\neval_k: 1\neval_max_tokens: 4\n")
    assert main(["eval", "--model", str(model), "--config", str(recipe)]) == 0
    assert json.loads((model / STAGE_FILE).read_text()) == {"global_steps": 3}
    assert "pass@1" in json.loads((model / ADHOC_EVAL_FILE).read_text())


def test_a_real_grpo_stage_records_the_clip_ratios_trl_logs(tmp_path, tiny_model_dir):
    """The key names come from TRL: one tiny GRPO step guards against a TRL that renames them."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from r1_trl.data import make_problems, to_rows
    from r1_trl.trainers import R1GRPOTrainer
    from tests.test_grpo import _args

    trainer = R1GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        reward_funcs=["tests.conftest.length_reward"],
        args=_args(tmp_path, max_steps=1),
        train_dataset=Dataset.from_list(to_rows(make_problems(8, "train", difficulties=(1,)))),
        processing_class=AutoTokenizer.from_pretrained(tiny_model_dir),
        template="r1_zero",
    )
    train_resumable(trainer)
    entry = finish_stage(trainer, "r1_zero", None, None, trainer.r1_train_time.started)
    # dapo logs the clip_ratio/* family; one on-policy step clips nothing.
    expected = {k for k in CURVE_KEYS if k.startswith("clip_ratio/")}
    assert set(entry["clip_ratio"]) == expected and all(v["max"] == 0.0 for v in entry["clip_ratio"].values())
    assert expected <= set(entry["history"])
    assert json.loads((tmp_path / "out" / STAGE_FILE).read_text())["clip_ratio"] == entry["clip_ratio"]
