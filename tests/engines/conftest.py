"""The real engines, vLLM's CPU build and DeepSpeed, which `make test-engines` installs in .venv-engines.

These tests are deselected from `make test` (marker `engines`) and fail, rather than skip, where the engines are
missing, so a run of them that tested nothing cannot pass.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from r1_trl.cli import main
from tests.engines.helpers import ROOT


def _require(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.fail(f"this engine test needs {name}: run it with `make test-engines`", pytrace=False)


@pytest.fixture(scope="session")
def vllm_installed() -> None:
    _require("vllm")


@pytest.fixture(scope="session")
def deepspeed_installed() -> None:
    _require("deepspeed")


def _pretrained(tmp_path_factory, preset: str) -> Path:
    """The base stage's own pre-training, cut to 200 steps on 3,000 documents (about a minute): answers that are
    mostly arithmetic and peaked enough for two backends' greedy choices to be compared (an untrained model's flat
    logits make near-ties everywhere)."""
    out = tmp_path_factory.mktemp("engines") / preset
    argv = ["base", "--config", str(ROOT / "recipes/tiny-moe/base.yaml"), "--model_preset", preset]
    argv += ["--output_dir", str(out), "--report_path", str(out.parent / "report.json"), "--corpus_documents", "3000"]
    # Batch 8, not the release's 64: the cut run keeps its minute.
    argv += ["--max_steps", "200", "--per_device_train_batch_size", "8", "--save_strategy", "no"]
    argv += ["--eval_after_training", "false"]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="session")
def moe_dir(tmp_path_factory) -> Path:
    return _pretrained(tmp_path_factory, "tiny-moe")


@pytest.fixture(scope="session")
def dense_dir(tmp_path_factory) -> Path:
    return _pretrained(tmp_path_factory, "tiny-dense")
