"""A per-call time bound that holds off the main thread and inside subprocesses.

math-verify bounds itself with `signal.alarm`, which only works on the main thread of the main interpreter, and
rewards may run on worker threads or in processes of their own. Calls that need a bound therefore run in one helper
process, which is killed and replaced when a call overruns; only symbolic checks go there, so numeric answers never
pay for the round trip.

The helper is a fresh interpreter (`python -c`) rather than a multiprocessing child: fork can deadlock a process
that runs torch threads, and spawn and forkserver import the caller's `__main__` again, which re-runs unguarded
training scripts and breaks under `python -`.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["run_bounded", "shutdown_worker"]

logger = logging.getLogger(__name__)

# Interpreter start plus the sympy and math-verify imports; kept apart from the per-call bound so a slow first
# import never reads as a slow answer.
STARTUP_TIMEOUT_S = 120.0
_READY = b"ready"
_HEADER = struct.Struct("<Q")

# A helper that cannot start at all (say the package is not importable from a fresh interpreter) is not retried
# on every call: each try costs an interpreter start and a log line.
RETRY_START_AFTER_S = 60.0

_lock = threading.Lock()
_worker: subprocess.Popen | None = None
_failed_start_at: float | None = None


def _write_msg(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data) :]


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("reward helper closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_msg(fd: int) -> bytes:
    (n,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    return _read_exact(fd, n)


def _wait_readable(fd: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            ready, _, _ = select.select([fd], [], [], left)
        except InterruptedError:
            continue
        return bool(ready)


def serve() -> None:
    """The helper's loop: pickled `(fn, args)` in on stdin, pickled `(ok, value)` out on the original stdout."""
    # Anything the checked code prints must not land in the reply pipe: keep the pipe on a private descriptor and
    # point fd 1 at stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # math-verify warns that its own timeout is off; here the bound is ours.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    try:
        import math_verify

        # The first parse pulls in the LaTeX grammar; do it before saying ready, not inside someone's bound.
        math_verify.parse("$1$", parsing_timeout=None)
    except Exception:  # the helper also serves callers that do not need math-verify
        pass
    _write_msg(out_fd, _READY)
    while True:
        try:
            request = _read_msg(0)
        except EOFError:
            return
        try:
            fn, args = pickle.loads(request)
            reply = pickle.dumps((True, fn(*args)))
        except Exception as err:  # the caller falls back to its default; the helper must outlive any input
            reply = pickle.dumps((False, repr(err)))
        _write_msg(out_fd, reply)


def _child_env() -> dict[str, str]:
    # The helper unpickles `fn` by import, so it must see the modules the caller sees, tests and scripts included.
    paths = [os.getcwd() if p == "" else p for p in sys.path]
    paths = [p for p in dict.fromkeys(paths) if os.path.isdir(p)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "OMP_NUM_THREADS": "1"}


def _start() -> subprocess.Popen | None:
    global _failed_start_at
    if _failed_start_at is not None and time.monotonic() - _failed_start_at < RETRY_START_AFTER_S:
        return None
    cmd = [sys.executable, "-c", "from r1_trl.rewards._timeout import serve; serve()"]
    proc = None
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=_child_env())
        if _wait_readable(proc.stdout.fileno(), STARTUP_TIMEOUT_S) and _read_msg(proc.stdout.fileno()) == _READY:
            _failed_start_at = None
            return proc
    except (EOFError, OSError, struct.error):
        pass
    _failed_start_at = time.monotonic()
    logger.error(
        "the reward helper process did not start; time-bounded checks return their default for the next %.0f s",
        RETRY_START_AFTER_S,
    )
    if proc is not None:
        _stop(proc)
    return None


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def shutdown_worker() -> None:
    """Stop the helper process; the next bounded call starts a new one."""
    global _worker
    with _lock:
        if _worker is not None:
            _stop(_worker)
            _worker = None


def _forget_worker_after_fork() -> None:
    # A forked child shares the parent's pipes; talking on them would interleave with the parent's replies.
    global _worker, _lock
    _worker = None
    _lock = threading.Lock()


atexit.register(shutdown_worker)
os.register_at_fork(after_in_child=_forget_worker_after_fork)


def run_bounded(fn: Callable[..., Any], args: tuple, timeout_s: float, default: Any) -> Any:
    """`fn(*args)` run in the helper process, or `default` when it raises or has not answered within `timeout_s`
    seconds (the helper is then replaced). `fn`, `args` and the result must pickle; `fn` must be importable."""
    global _worker
    try:
        request = pickle.dumps((fn, args))
    except Exception:  # an unpicklable call is the caller's bug, but a reward must not take training down
        logger.exception("cannot send %r to the reward helper", fn)
        return default
    with _lock:
        if _worker is None or _worker.poll() is not None:
            _worker = _start()
            if _worker is None:
                return default
        try:
            _write_msg(_worker.stdin.fileno(), request)
            if _wait_readable(_worker.stdout.fileno(), timeout_s):
                ok, value = pickle.loads(_read_msg(_worker.stdout.fileno()))
                if not ok:
                    logger.debug("%s%r raised in the reward helper: %s", getattr(fn, "__name__", fn), args, value)
                return value if ok else default
            logger.warning(
                "%s overran its %.1f s bound; restarting the reward helper", getattr(fn, "__name__", fn), timeout_s
            )
        except (EOFError, OSError, struct.error, pickle.UnpicklingError):
            logger.warning("the reward helper died during %s; restarting it", getattr(fn, "__name__", fn))
        _stop(_worker)
        _worker = None
        return default
