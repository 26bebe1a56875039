"""Host-side process plumbing for the sandbox: reading what a pipe already holds, killing a run's pid 1 without
hitting a recycled pid, and the one line of stderr that says why a run failed."""

from __future__ import annotations

import os
import signal

__all__ = ["drain", "first_reason", "kill_child", "parent_of"]

_CHUNK = 1 << 16


def first_reason(stderr: str) -> str:
    """One line of a failure's stderr: bwrap's own message if any, else the last line (a traceback's exception)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line for line in lines if line.startswith("bwrap:")]
    return (own or lines[-1:] or ["(no message)"])[0]


def drain(fd: int) -> bytes:
    """What is already in a pipe, without waiting for its writers."""
    os.set_blocking(fd, False)
    data = b""
    try:
        while len(data) < _CHUNK and (chunk := os.read(fd, _CHUNK)):
            data += chunk
    except BlockingIOError:
        pass
    return data


def parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def kill_child(pid: int, parent: int) -> None:
    """SIGKILL `pid` if it is still `parent`'s child. The pidfd is opened before the check, so a pid recycled after
    the check cannot be hit; one recycled before it fails the check."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        if parent_of(pid) == parent:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)
