"""Shared by the engine tests: the models they compare, recipes, and child processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Ranks per launch: two CPU ranks here; `benchmarks/gpu_smoke.sh` sets 1 on a one-GPU machine (NCCL refuses two
# ranks on one device).
PROCESSES = int(os.environ.get("R1_TRL_ENGINE_PROCESSES", "2"))


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
