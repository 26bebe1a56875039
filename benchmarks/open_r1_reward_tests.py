"""open-r1's own reward tests, run against `r1_trl.rewards.open_r1`; prints the counts and each failing test id.

    python benchmarks/open_r1_reward_tests.py                          # the open-r1 mirror under /work/.mirror
    python benchmarks/open_r1_reward_tests.py --repo path/to/open-r1/.git --rev v0.1

The test file is read from the open-r1 git directory (`git show <rev>:tests/test_rewards.py`) into a temporary
directory, never into this repository, and only its imports are changed:

- `from open_r1.rewards import ...` and `from open_r1.configs import GRPOScriptArguments` are pointed at
  `r1_trl.rewards.open_r1`;
- `from dotenv import load_dotenv` and `load_dotenv()` are dropped when python-dotenv is not installed (the
  rewards read no environment).

A name that `r1_trl.rewards.open_r1` does not export yet is not allowed to break collection of the whole file: a
missing reward becomes a stand-in that skips the test using it, and a missing `GRPOScriptArguments` is taken from
open-r1's own `src/open_r1/configs.py` at the same revision (it needs only trl). Each substitution is printed.

The script reports figures and exits 0 whatever the outcome; it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OPEN_R1 = Path("/work/.mirror/huggingface+open-r1/repo")
TEST_PATH = "tests/test_rewards.py"
CONFIGS_PATH = "src/open_r1/configs.py"
TARGET = "r1_trl.rewards.open_r1"

# `from open_r1.rewards import (a, b, c)` or `from open_r1.rewards import a, b`; group 1 is the name list.
_REWARDS_IMPORT = re.compile(
    r"^from open_r1\.rewards import \(([^)]*)\)|^from open_r1\.rewards import ([^\n(]+)$", re.M
)
_CONFIGS_IMPORT = re.compile(r"^from open_r1\.configs import ([^\n(]+)$", re.M)
_DOTENV_LINES = re.compile(r"^(?:from dotenv import load_dotenv|load_dotenv\(\))[ \t]*\n", re.M)

_SKIP_STUBS = '''"""Stand-ins for names r1_trl.rewards.open_r1 does not export: a test that uses one is skipped."""

import pytest


def _missing(name):
    def stand_in(*args, **kwargs):
        pytest.skip(f"r1_trl.rewards.open_r1 has no {name}")

    stand_in.__name__ = name
    return stand_in


'''


def git_show(repo: Path, rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def _names(group: str) -> list[str]:
    return [n.strip() for n in group.replace("\n", ",").split(",") if n.strip() and not n.strip().startswith("#")]


def rewrite(source: str, exported: set[str], workdir: Path, repo: Path, rev: str) -> tuple[str, list[str]]:
    """The test source with its imports pointed at r1-trl, and a line per substitution made."""
    notes: list[str] = []
    stubs: list[str] = []

    def imports(names: list[str], configs: bool) -> str:
        present = [n for n in names if n in exported]
        missing = [n for n in names if n not in exported]
        lines = [f"from {TARGET} import {', '.join(present)}"] if present else []
        for name in missing:
            if configs and name == "GRPOScriptArguments":
                (workdir / "_open_r1_configs.py").write_text(git_show(repo, rev, CONFIGS_PATH))
                lines.append(f"from _open_r1_configs import {name}")
                notes.append(f"{TARGET} has no {name}: using open-r1's own {CONFIGS_PATH}")
            else:
                stubs.append(name)
                lines.append(f"from _missing_names import {name}")
                notes.append(f"{TARGET} has no {name}: tests that call it are skipped")
        return "\n".join(lines)

    found = 0

    def rewards_sub(m: re.Match[str]) -> str:
        nonlocal found
        found += 1
        return imports(_names(m.group(1) or m.group(2)), configs=False)

    def configs_sub(m: re.Match[str]) -> str:
        nonlocal found
        found += 1
        return imports(_names(m.group(1)), configs=True)

    source = _REWARDS_IMPORT.sub(rewards_sub, source)
    source = _CONFIGS_IMPORT.sub(configs_sub, source)
    if not found:
        notes.append("no open_r1 import found to rewrite; the file's layout has changed")
    if importlib.util.find_spec("dotenv") is None and _DOTENV_LINES.search(source):
        source = _DOTENV_LINES.sub("", source)
        notes.append("python-dotenv is not installed: dropped the load_dotenv import and call")
    if stubs:
        body = _SKIP_STUBS + "".join(f"{n} = _missing({n!r})\n" for n in stubs)
        (workdir / "_missing_names.py").write_text(body)
    return source, notes


def run_pytest(workdir: Path, test_file: Path) -> tuple[dict[str, int], list[str], str]:
    report = workdir / "report.xml"
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(workdir), str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(workdir),
        # An empty ini file: this repository's pytest settings (testpaths, addopts) must not apply here.
        "-c",
        str(workdir / "pytest.ini"),
        f"--junitxml={report}",
        str(test_file),
    ]
    (workdir / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    failing: list[str] = []
    if not report.exists():
        return counts, failing, proc.stdout + proc.stderr
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{TEST_PATH}::{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        if case.find("failure") is not None:
            counts["failed"] += 1
            failing.append(test_id)
        elif case.find("error") is not None:
            counts["errors"] += 1
            failing.append(test_id + " (error)")
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts, failing, proc.stdout + proc.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_OPEN_R1, help="open-r1 git directory (bare or not)")
    parser.add_argument("--rev", default="HEAD", help="revision of open-r1 to read the tests from")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print pytest's own output")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO_ROOT))
    exported = set(dir(importlib.import_module(TARGET)))
    commit = subprocess.run(
        ["git", "-C", str(args.repo), "rev-parse", args.rev], check=True, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="open_r1_reward_tests_") as tmp:
        workdir = Path(tmp)
        source, notes = rewrite(git_show(args.repo, commit, TEST_PATH), exported, workdir, args.repo, commit)
        test_file = workdir / "test_rewards.py"
        test_file.write_text(source)
        counts, failing, output = run_pytest(workdir, test_file)

    print(f"open-r1 {TEST_PATH} at {commit[:12]}, imports pointed at {TARGET}")
    for note in notes:
        print(f"  note: {note}")
    print(", ".join(f"{n} {k}" for k, n in counts.items() if n or k != "errors"))
    for test_id in failing:
        print(f"  FAILED {test_id}")
    if args.verbose or not any(counts.values()):
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
