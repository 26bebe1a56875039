"""The real engines, vLLM's CPU build and DeepSpeed, which `make test-engines` installs in .venv-engines.

These tests are deselected from `make test` (marker `engines`) and fail, rather than skip, where the engines are
missing, so a run of them that tested nothing cannot pass.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

from r1_trl.models import build_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def engines_installed() -> None:
    missing = [name for name in ("vllm", "deepspeed") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"the engine tests need {' and '.join(missing)}: run them with `make test-engines`", pytrace=False)


def spread_model(path: Path, preset: str, tokenizer) -> Path:
    """An untrained preset with its weights spread out (std 0.2), so that greedy answers differ between prompts and
    the top token is rarely a near-tie: an untrained model's flat logits would make any two kernels disagree."""
    model = build_model(preset, tokenizer, seed=0)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.2, generator=generator)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    AutoModelForCausalLM.from_pretrained(path)  # the saved folder loads as the stages will load it
    return path


@pytest.fixture(scope="session")
def moe_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    return spread_model(tmp_path_factory.mktemp("engines") / "tiny-moe", "tiny-moe", tiny_tokenizer)


@pytest.fixture(scope="session")
def dense_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    return spread_model(tmp_path_factory.mktemp("engines") / "tiny-dense", "tiny-dense", tiny_tokenizer)


def write_recipe(path: Path, fields: dict) -> Path:
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return path


def run_python(args: list[str], timeout: int = 600, threads: int = 1) -> subprocess.CompletedProcess:
    """A child Python in the repository root, offline, with `threads` torch threads per process."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": str(threads),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "WANDB_MODE": "disabled",
        "TOKENIZERS_PARALLELISM": "false",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
