"""`r1-trl <stage> --config FILE [--field value ...]`; also `accelerate launch -m r1_trl <stage> ...`."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence


def _drop_kernel_hint(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Failed to load CPU gemm_4bit_forward")


# transformers imports peft, and peft imports bitsandbytes whenever it is installed, so every command, quantizing or
# not, would open with bitsandbytes' hint about an optional CPU kernel package. A recipe that does quantize still
# runs: bitsandbytes falls back to its own CPU code. Installed before the stages import transformers.
logging.getLogger("bitsandbytes.backends.cpu.ops").addFilter(_drop_kernel_hint)

from .stages import STAGES, get_stage  # noqa: E402

__all__ = ["main"]

USAGE = "\n".join(
    [
        "usage: r1-trl <stage> --config RECIPE.yaml [--field value ...] "
        "[--dry-run [--accelerate_config FILE | --num_processes N]]",
        "stages:",
        *(f"  {name:<20}{spec.help}" for name, spec in STAGES.items()),
        "example: r1-trl r1_zero --config recipes/tiny-moe/r1_zero.yaml",
    ]
)


# Seconds between progress-bar frames when the log is a file or a pipe: a bar redrawn ten times a second is a wall
# of carriage returns there, one frame a half-minute still says how far a long loop has got.
LOG_FILE_BAR_INTERVAL = "30"


def _setup_logging() -> None:
    if not sys.stderr.isatty():
        # tqdm reads TQDM_* defaults from the environment (tqdm.utils.envwrap), in this process and its workers.
        os.environ.setdefault("TQDM_MININTERVAL", LOG_FILE_BAR_INTERVAL)
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(
        level=logging.INFO if rank == 0 else logging.WARNING,
        format=f"%(asctime)s [r{rank}] %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def _close_process_group() -> None:
    """Wait for every rank, then tear the process group down before the interpreter exits.

    A rank that exits while its gloo/DeepSpeed communicator threads are still alive can abort at shutdown
    ("terminate called without an active exception"); torchrun then SIGTERMs the other ranks and fails a run whose
    work was all saved. Only a finished stage gets here: after an error the other ranks may never reach a barrier.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        from accelerate import PartialState

        state = PartialState()
        state.wait_for_everyone()
        state.destroy_process_group()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)  # noqa: T201
        return 0 if argv else 2
    stage, rest = argv[0], argv[1:]
    if rest and rest[0] in ("-h", "--help") and stage in STAGES and STAGES[stage].groups:
        from .stages.recipe import stage_help

        print(stage_help(stage))  # noqa: T201
        return 0
    _setup_logging()
    try:
        if "--dry-run" in rest and stage != "pipeline":
            from .stages.dry_run import dry_run

            get_stage(stage)  # an unknown stage is named as such
            dry_run(stage, [a for a in rest if a != "--dry-run"])
        else:
            get_stage(stage)(rest)
            _close_process_group()
    except (ValueError, FileNotFoundError) as err:
        if os.environ.get("R1_TRL_DEBUG"):
            raise
        # One line that names the problem; R1_TRL_DEBUG=1 shows the traceback.
        print(f"r1-trl {stage}: error: {err}", file=sys.stderr)  # noqa: T201
        return 2
    return 0
