"""`r1-trl env`: the bug-report block names the real versions, the CUDA state and the accelerate config in effect."""

import importlib.metadata
import shutil
import sys
from pathlib import Path

import accelerate.commands.config
import pytest
import torch

from r1_trl.cli import main
from r1_trl.stages.env import NO_CONFIG, NOT_INSTALLED, package_version

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_default_config(tmp_path, monkeypatch):
    """Whatever `accelerate config` wrote on this machine stays out of the test."""
    monkeypatch.setattr(accelerate.commands.config, "default_config_file", str(tmp_path / "absent.yaml"))


def test_env_names_versions_and_cuda(capsys, no_default_config):
    assert main(["env"]) == 0
    out = capsys.readouterr().out
    assert f"torch version: {torch.__version__}" in out
    assert f"trl version: {importlib.metadata.version('trl')}" in out
    assert f"transformers version: {importlib.metadata.version('transformers')}" in out
    assert f"math-verify version: {importlib.metadata.version('math-verify')}" in out
    usable = "yes" if torch.cuda.is_available() else "no"
    assert f"CUDA usable: {usable}" in out
    assert f"accelerate config: {NO_CONFIG}" in out
    for name in ("vLLM importable:", "DeepSpeed importable:", "Python version:", "Platform:", "r1-trl version:"):
        assert name in out


def test_env_returns_the_same_info(capsys, no_default_config, monkeypatch):
    from r1_trl.stages.env import main as env_main

    monkeypatch.setenv("WORLD_SIZE", "3")
    info = env_main([])
    out = capsys.readouterr().out
    assert info["packages"]["torch"] == torch.__version__
    assert info["cuda"]["usable"] == torch.cuda.is_available()
    assert info["env"]["WORLD_SIZE"] == "3"
    assert "WORLD_SIZE=3" in out
    for name, version in info["packages"].items():
        assert f"{name} version: {version}" in out


def test_env_reports_the_given_accelerate_config(capsys, no_default_config):
    assert main(["env", "--config_file", str(ROOT / "accelerate_configs/zero2.yaml")]) == 0
    out = capsys.readouterr().out
    assert "zero2.yaml (--config_file)" in out
    assert "distributed_type: DEEPSPEED" in out
    assert "deepspeed_config.zero_stage: 2" in out


def test_env_falls_back_to_accelerates_default_config(tmp_path, capsys, monkeypatch):
    default = tmp_path / "default_config.yaml"
    shutil.copy(ROOT / "accelerate_configs/fsdp.yaml", default)
    monkeypatch.setattr(accelerate.commands.config, "default_config_file", str(default))
    assert main(["env"]) == 0
    out = capsys.readouterr().out
    assert f"{default} (accelerate default)" in out
    assert "distributed_type: FSDP" in out
    assert "fsdp_config.fsdp_version: 2" in out


def test_env_unreadable_config_is_reported_not_raised(tmp_path, capsys, no_default_config):
    bad = tmp_path / "bad.yaml"
    bad.write_text("distributed_type: DEEPSPEED\nnot_an_accelerate_key: 1\n")
    assert main(["env", "--config_file", str(bad)]) == 0
    assert "not_an_accelerate_key" in capsys.readouterr().out


def test_env_missing_config_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["env", "--config_file", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_absent_package_and_no_heavy_imports(capsys, no_default_config):
    assert package_version("r1-trl-no-such-distribution") == NOT_INSTALLED
    before = {name for name in ("vllm", "deepspeed") if name in sys.modules}
    main(["env"])
    out = capsys.readouterr().out
    # The version lookup and the importability check import neither.
    assert {name for name in ("vllm", "deepspeed") if name in sys.modules} == before
    for name in ("vllm", "deepspeed"):
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            expected = NOT_INSTALLED
        assert f"{name} version: {expected}" in out
