"""One spawn of bwrap for one run: the program's stdin written and its outputs read with caps in one selector loop,
the wall clock, the cancel flag, and a teardown that kills the sandbox's pid 1 (so its whole pid namespace) and
leaves no process behind."""

from __future__ import annotations

import logging
import os
import re
import select
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from r1_trl.sandbox.bwrap import sandbox_argv
from r1_trl.sandbox.limits import SandboxLimits
from r1_trl.sandbox.processes import drain, first_reason, kill_child
from r1_trl.sandbox.results import RunResult, SandboxUnavailable

__all__ = ["Program", "SandboxRun"]

logger = logging.getLogger(__name__)

_STDERR_KEEP = 8192  # the end of stderr is kept: a traceback says why at its end
_CHUNK = 1 << 16
_CANCEL_POLL_S = 0.05
_REPORT_S = 2.0  # how long bwrap may take to report its child, or to exit once that child is killed
_CHILD_PID = re.compile(rb'"child-pid"\s*:\s*(\d+)')
# A failed allocation under RLIMIT_AS, as Python and libstdc++ report it.
_MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc")


@dataclass(frozen=True)
class Program:
    """A program ready to run: its host folder (mounted at /prog), its command inside, its compile's result."""

    directory: Path
    command: tuple[str, ...]
    compile_result: RunResult | None


class SandboxRun:
    """One spawn of bwrap: its pipes read with caps, a wall clock, and a teardown that leaves no process."""

    def __init__(
        self,
        bwrap: Path,
        uid: int | None,
        limits: SandboxLimits,
        program: Program,
        stdin: bytes,
        time_s: float,
        compiling: bool,
        launcher: list[str],
        rlimits: list[int],
    ):
        """`launcher` is the command of the sandbox's pid 1, which gets the ready pipe, the `rlimits` and the
        program's command; `compiling` makes the program's folder writable (the compiler writes the binary)."""
        self.limits = limits
        self.time_s = time_s
        self.stdin = memoryview(stdin)
        self.written = 0
        self.stdout = bytearray()
        self.stderr = bytearray()  # its last _STDERR_KEEP bytes
        self.stderr_total = 0
        self.ready = bytearray()  # the launcher's byte: the sandbox was built
        self.status = bytearray()  # bwrap's JSON status: the host pid of the sandbox's pid 1
        self.timed_out = self.over_limit = self.cancelled = False
        self.ready_r, ready_w = os.pipe()
        self.status_r, status_w = os.pipe()
        command = [*launcher, str(ready_w), *map(str, rlimits), *program.command]
        argv = sandbox_argv(
            bwrap,
            command,
            prog_dir=program.directory,
            writable=compiling,
            tmp_bytes=self.limits.file_size_mb << 20,
            status_fd=status_w,
        )
        identity = {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}
        self.start = time.monotonic()
        try:
            # env={}: bwrap's environment would be readable inside, in /proc/<pid>/environ of a sandbox process.
            # start_new_session: bwrap leads a process group of its own, which the host can kill as a whole.
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(ready_w, status_w),
                start_new_session=True,
                env={},
                **identity,
            )
        except OSError as err:
            os.close(self.ready_r)
            os.close(self.status_r)
            raise SandboxUnavailable(f"cannot start bwrap at {bwrap}: {err}") from None
        finally:
            os.close(ready_w)
            os.close(status_w)

    def collect(self, cancel: threading.Event | None) -> None:
        """Feed stdin and read the outputs until the sandbox closes them all, the clock runs out, an output passes
        its cap, or `cancel` is set."""
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        selector = selectors.DefaultSelector()
        sinks = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr"}
        sinks |= {self.ready_r: "ready", self.status_r: "status"}
        try:
            if self.stdin:
                # Non-blocking: a program that never reads its stdin must not hold the host on a full pipe.
                os.set_blocking(proc.stdin.fileno(), False)
                selector.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
            for fd in sinks:
                selector.register(fd, selectors.EVENT_READ)
            deadline = self.start + self.time_s
            while selector.get_map() and not self.over_limit:
                if cancel is not None and cancel.is_set():
                    self.cancelled = True
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.timed_out = True
                    return
                for key, _ in selector.select(remaining if cancel is None else min(remaining, _CANCEL_POLL_S)):
                    if key.fd in sinks:
                        self._read(selector, key.fd, sinks[key.fd])
                    else:
                        self._write(selector, key.fd)
        finally:
            selector.close()

    def _write(self, selector: selectors.BaseSelector, fd: int) -> None:
        try:
            self.written += os.write(fd, self.stdin[self.written : self.written + _CHUNK])
        except BlockingIOError:
            return
        except BrokenPipeError:
            self.written = len(self.stdin)  # the program closed its stdin or ended: the rest is not wanted
        if self.written >= len(self.stdin):
            selector.unregister(fd)
            assert self.proc.stdin is not None
            self.proc.stdin.close()

    def _read(self, selector: selectors.BaseSelector, fd: int, sink: str) -> None:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            selector.unregister(fd)
        elif sink == "stdout":
            self.stdout += chunk
            self.over_limit |= len(self.stdout) > self.limits.output_bytes
        elif sink == "stderr":
            self.stderr_total += len(chunk)
            self.stderr += chunk
            del self.stderr[:-_STDERR_KEEP]
            self.over_limit |= self.stderr_total > self.limits.output_bytes
        else:
            buffer = self.ready if sink == "ready" else self.status
            if len(buffer) < _CHUNK:
                buffer += chunk

    def _init_pid(self) -> int | None:
        """The host pid of the sandbox's pid 1, once bwrap has reported it (right after making it)."""
        deadline = time.monotonic() + _REPORT_S
        while (found := _CHILD_PID.search(self.status)) is None and time.monotonic() < deadline:
            readable, _, _ = select.select([self.status_r], [], [], deadline - time.monotonic())
            if not readable or not (chunk := os.read(self.status_r, _CHUNK)):
                break
            self.status += chunk
        return int(found.group(1)) if found else None

    def end(self) -> None:
        """Reap bwrap, killing the sandbox first if it is still running, and close the host's ends."""
        proc = self.proc
        try:
            if proc.poll() is None and not (self.timed_out or self.over_limit or self.cancelled):
                # Every pipe is closed, so the sandbox is gone or going; bound the wait all the same.
                try:
                    proc.wait(timeout=max(self.start + self.time_s - time.monotonic(), 1.0))
                except subprocess.TimeoutExpired:
                    self.timed_out = True
            if proc.poll() is None:
                self._kill()
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()
            self.ready += drain(self.ready_r)
            for fd in (self.ready_r, self.status_r):
                os.close(fd)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except BrokenPipeError:
                        pass

    def _kill(self) -> None:
        # Killing the sandbox's pid 1 ends its pid namespace, then bwrap, which reaps it: nothing is left over.
        # Killing bwrap instead would orphan pid 1 to the host's init, where it lingers as a zombie.
        proc = self.proc
        init_pid = self._init_pid()
        if init_pid is not None:
            kill_child(init_pid, proc.pid)
            try:
                proc.wait(timeout=_REPORT_S)
                return
            except subprocess.TimeoutExpired:
                logger.warning("bwrap %d outlived its sandbox's pid 1 by %g s; killing it", proc.pid, _REPORT_S)
        # bwrap is still ours to reap (never waited), so its pid and group cannot have been recycled.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def result(self) -> RunResult:
        wall_s = time.monotonic() - self.start
        err_text = bytes(self.stderr).decode("utf-8", errors="replace")
        if not self.ready.startswith(b"+"):
            # The launcher never ran: bwrap failed, and its stderr says why.
            if self.timed_out:
                raise SandboxUnavailable(f"bwrap did not start the program within {self.time_s:g} s")
            raise SandboxUnavailable(f"bwrap could not build the sandbox: {first_reason(err_text)}")
        killed = self.timed_out or self.over_limit
        returncode = None if killed else self.proc.returncode
        if self.over_limit:
            state = "output_limit"
        elif self.timed_out:
            state = "timeout"
        elif returncode == 0:
            state = "ok"
        # The launcher reports a program killed by a signal as 128 + the signal; SIGXCPU is RLIMIT_CPU's soft limit.
        elif returncode == 128 + signal.SIGXCPU:
            state = "timeout"
        elif any(marker in self.stderr for marker in _MEMORY_MARKERS):
            state = "memory"
        else:
            state = "runtime_error"
        if state != "ok":
            logger.debug("sandboxed run ended %s (exit %s) after %.2f s", state, returncode, wall_s)
        out_text = bytes(self.stdout[: self.limits.output_bytes]).decode("utf-8", errors="replace")
        return RunResult(state, out_text, err_text, returncode, wall_s)
