"""`r1-trl env [--config_file ACCELERATE.yaml]`: the versions, hardware and launch settings to paste into a bug
report.

Versions come from the installed distributions' metadata: vLLM and DeepSpeed take seconds (and may touch the GPU)
to import, and a broken install of either must still be reportable, so they are looked up, never imported.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["ENV_VARS", "PACKAGES", "accelerate_config", "collect", "format_report", "main", "package_version"]

NOT_INSTALLED = "not installed"
NO_CONFIG = "none: accelerate uses defaults"

# Distribution names (what pip installs), in the order they are reported.
PACKAGES = (
    "torch",
    "trl",
    "transformers",
    "accelerate",
    "datasets",
    "peft",
    "bitsandbytes",
    "wandb",
    "math-verify",
    "deepspeed",
    "vllm",
)
# Settings that change what a run does without showing in its recipe; reported only when set.
ENV_VARS = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "WANDB_MODE",
    "CUDA_VISIBLE_DEVICES",
    "WORLD_SIZE",
    "R1_TRL_DEBUG",
)
# The accelerate config fields that decide how a run is launched.
CONFIG_FIELDS = (
    "compute_environment",
    "distributed_type",
    "mixed_precision",
    "num_machines",
    "num_processes",
    "machine_rank",
    "main_process_ip",
    "main_process_port",
    "gpu_ids",
    "use_cpu",
    "deepspeed_config",
    "fsdp_config",
)


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return NOT_INSTALLED


def _r1_trl_version() -> str:
    version = package_version("r1-trl")
    if version == NOT_INSTALLED:  # run from a checkout without `pip install -e .`
        from .. import __version__

        version = f"{__version__} (not installed, from {os.path.dirname(os.path.dirname(__file__))})"
    return version


def _cuda() -> dict[str, Any]:
    import torch

    usable = torch.cuda.is_available()
    info: dict[str, Any] = {
        "usable": usable,
        # The CUDA torch was built with; None for a CPU build, whatever the machine has.
        "cuda_version": torch.version.cuda,
        "device_count": torch.cuda.device_count() if usable else 0,
        "devices": [],
    }
    if usable:
        info["devices"] = [torch.cuda.get_device_name(i) for i in range(info["device_count"])]
        info["bf16_supported"] = torch.cuda.is_bf16_supported()
    return info


def _importable(module: str) -> bool:
    """Found on the path, without importing it (find_spec of a top-level name runs none of its code)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def accelerate_config(config_file: str | None = None) -> dict[str, Any]:
    """The accelerate config `accelerate launch` would use: `config_file`, else accelerate's default file (written by
    `accelerate config`) when it exists. A file accelerate cannot read is reported with its error, not raised: that
    is itself worth a bug report."""
    from accelerate.commands.config import default_config_file
    from accelerate.commands.config.config_args import load_config_from_file

    if config_file is not None:
        if not os.path.isfile(config_file):
            raise ValueError(f"--config_file {config_file!r} does not exist")
        source = "--config_file"
    elif os.path.isfile(default_config_file):
        config_file, source = default_config_file, "accelerate default"
    else:
        return {"path": None, "source": NO_CONFIG}
    info: dict[str, Any] = {"path": config_file, "source": source}
    try:
        config = load_config_from_file(config_file).to_dict()  # enums as their string values
    except Exception as err:  # any failure to read it is the thing to report
        info["error"] = f"{type(err).__name__}: {err}"
        return info
    info.update({key: config[key] for key in CONFIG_FIELDS if config.get(key) not in (None, {}, "")})
    return info


def collect(config_file: str | None = None) -> dict[str, Any]:
    versions = {name: package_version(name) for name in PACKAGES}
    cuda = _cuda()
    import torch

    versions["torch"] = torch.__version__  # the build actually imported, with its +cpu / +cu128 tag
    return {
        "r1-trl": _r1_trl_version(),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "packages": versions,
        "cuda": cuda,
        "importable": {"vllm": _importable("vllm"), "deepspeed": _importable("deepspeed")},
        "accelerate_config": accelerate_config(config_file),
        "env": {name: os.environ[name] for name in ENV_VARS if name in os.environ},
    }


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def format_report(info: dict[str, Any]) -> str:
    cuda = info["cuda"]
    lines = [
        "Copy and paste the text below into your bug report.",
        "",
        f"- r1-trl version: {info['r1-trl']}",
        f"- Python version: {info['python']}",
        f"- Platform: {info['platform']}",
    ]
    lines += [f"- {name} version: {version}" for name, version in info["packages"].items()]
    if cuda["usable"]:
        lines.append(f"- CUDA usable: yes (torch.cuda.is_available() is True, CUDA {cuda['cuda_version']})")
        lines.append(f"- GPUs: {cuda['device_count']}: {', '.join(cuda['devices'])}")
        lines.append(f"- bf16 supported: {_yes(cuda['bf16_supported'])}")
    else:
        built = f"torch built with CUDA {cuda['cuda_version']}" if cuda["cuda_version"] else "CPU build of torch"
        lines.append(f"- CUDA usable: no (torch.cuda.is_available() is False; {built})")
        lines.append("- GPUs: 0")
    for module, label in (("vllm", "vLLM"), ("deepspeed", "DeepSpeed")):
        lines.append(
            f"- {label} importable: {_yes(info['importable'][module])} (importlib.util.find_spec, not imported)"
        )
    config = info["accelerate_config"]
    if config["path"] is None:
        lines.append(f"- accelerate config: {config['source']}")
    else:
        lines.append(f"- accelerate config: {config['path']} ({config['source']})")
        for key, value in config.items():
            if key in ("path", "source"):
                continue
            if isinstance(value, dict):  # deepspeed_config / fsdp_config: one line per setting
                lines += [f"  - {key}.{k}: {v}" for k, v in value.items()]
            else:
                lines.append(f"  - {key}: {value}")
    if info["env"]:
        lines.append("- Environment variables:")
        lines += [f"  - {name}={value}" for name, value in info["env"].items()]
    else:
        lines.append(f"- Environment variables: none of {', '.join(ENV_VARS)} set")
    return "\n".join(lines)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="r1-trl env", description="Print what to paste into a bug report.")
    parser.add_argument(
        "--config_file",
        "--config-file",
        metavar="PATH",
        help="the accelerate config the run uses (default: accelerate's default config file, when there is one)",
    )
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> dict:
    args = _parse(argv)
    info = collect(args.config_file)
    print(format_report(info))  # noqa: T201 - the report is this command's output
    return info
