"""`r1-trl --help` lists the stages; `r1-trl STAGE --help` prints that stage's recipe groups and fields."""

import dataclasses
import importlib.util
import subprocess
import sys

import pytest

from r1_trl import configs
from r1_trl.cli import main
from r1_trl.stages import STAGES

RECIPE_STAGES = [name for name, spec in STAGES.items() if spec.groups]


def test_top_level_help_lists_every_stage(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {name}" in out for name in STAGES)


@pytest.mark.parametrize("stage", RECIPE_STAGES)
def test_stage_help_shows_its_groups_and_fields_with_help(stage, capsys):
    assert main([stage, "--help"]) == 0
    out = capsys.readouterr().out
    # argparse wraps the description: compare with the line breaks folded.
    assert out.startswith(f"usage: r1-trl {stage} --config RECIPE.yaml") and STAGES[stage].help in " ".join(
        out.split()
    )
    for group in STAGES[stage].groups:
        assert group in out
        first = next(f for f in dataclasses.fields(getattr(configs, group)) if f.metadata.get("help"))
        assert f"--{first.name}" in out
    # A field no group of this stage has is not offered.
    other = {f.name for name in STAGES for g in STAGES[name].groups for f in dataclasses.fields(getattr(configs, g))}
    own = {f.name for g in STAGES[stage].groups for f in dataclasses.fields(getattr(configs, g))}
    assert not any(f"--{name} " in out for name in sorted(other - own))


def test_a_command_that_does_not_quantize_prints_no_bitsandbytes_hint():
    # Without bitsandbytes installed the hint could not appear, and the test would show nothing.
    assert importlib.util.find_spec("bitsandbytes") is not None
    # transformers -> peft -> bitsandbytes runs at import: a fresh interpreter, as a user's command starts.
    proc = subprocess.run(
        [sys.executable, "-m", "r1_trl", "sft", "--help"], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "gemm_4bit" not in proc.stderr and "kernels-community" not in proc.stderr, proc.stderr[-2000:]
