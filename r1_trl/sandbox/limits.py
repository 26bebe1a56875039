"""The hard limits of one sandboxed run, in one frozen place.

A reward that runs model-written code must bound everything the code can take: wall clock, CPU, memory, processes,
files and output. The values are checked here, once, so that a typo in a recipe is a one-line error at start-up and
not a sandbox that silently runs without a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

__all__ = ["SandboxLimits"]


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run limits; every field must be positive. `cpu_s` left as None follows `time_s`."""

    time_s: float = field(default=5.0, metadata={"help": "Wall clock per run, seconds; the run is killed after it."})
    cpu_s: int | None = field(
        default=None, metadata={"help": "RLIMIT_CPU, seconds of CPU per run; None: ceil(time_s)."}
    )
    memory_mb: int = field(default=512, metadata={"help": "RLIMIT_AS, MiB of address space per process."})
    processes: int = field(
        default=32, metadata={"help": "RLIMIT_NPROC: processes and threads of the run, the sandbox's own included."}
    )
    open_files: int = field(default=64, metadata={"help": "RLIMIT_NOFILE: open file descriptors per process."})
    file_size_mb: int = field(
        default=16, metadata={"help": "RLIMIT_FSIZE, MiB per written file; also the size of the sandbox's /tmp."}
    )
    output_bytes: int = field(
        default=1 << 20,
        metadata={
            "help": "Bytes of stdout (and of stderr) read on the host; past it the run is killed, output_limit."
        },
    )
    compile_time_s: float = field(
        default=30.0, metadata={"help": "Wall clock (and CPU) for one C++ compile, seconds."}
    )
    compile_memory_mb: int = field(
        default=1024, metadata={"help": "RLIMIT_AS for the C++ compiler, MiB: g++ needs more than most programs."}
    )

    def __post_init__(self):
        if self.cpu_s is None and isinstance(self.time_s, int | float) and math.isfinite(self.time_s):
            # Frozen: the derived default is written once, here.
            object.__setattr__(self, "cpu_s", max(1, math.ceil(self.time_s)))
        for f in fields(self):
            value = getattr(self, f.name)
            # bool is an int; True seconds is a typo, not a limit.
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value <= 0:
                raise ValueError(f"SandboxLimits.{f.name} must be a positive number, got {value!r}")
            if f.name not in ("time_s", "compile_time_s") and not isinstance(value, int):
                raise ValueError(f"SandboxLimits.{f.name} must be a whole number, got {value!r}")
