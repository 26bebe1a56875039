"""What a sandboxed run reports: one run's status and outputs, a program judged on tests, and the error a sandbox
that cannot work raises (never a score of 0)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LANGUAGES", "STATUSES", "CheckResult", "RunResult", "SandboxUnavailable"]

LANGUAGES = ("python", "cpp")
STATUSES = ("ok", "runtime_error", "timeout", "memory", "output_limit", "compile_error")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run programs here; the message is one line saying why."""


@dataclass(frozen=True)
class RunResult:
    """One run. `status` is one of STATUSES; `returncode` is None when the host killed the run."""

    status: str
    stdout: str
    stderr: str
    returncode: int | None
    wall_s: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class CheckResult:
    """A program judged on tests: `passed[i]` is None for a test not run because the result was already known."""

    passed: tuple[bool | None, ...]
    results: tuple[RunResult | None, ...]
    compile_result: RunResult | None = None

    @property
    def compile_error(self) -> bool:
        return self.compile_result is not None and self.compile_result.status == "compile_error"

    @property
    def all_passed(self) -> bool:
        return all(p is True for p in self.passed)

    @property
    def fraction(self) -> float:
        """Share of tests passed; a test not run counts as not passed."""
        return sum(p is True for p in self.passed) / len(self.passed)
