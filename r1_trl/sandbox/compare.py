"""Comparing a program's stdout with the expected output, on the host.

Line by line with the same number of lines: open-r1 zips the two outputs, so a program that prints only the first
line of a two-line answer passes there. Here it fails. Whitespace at the end of a line, trailing blank lines and
Windows line ends are forgiven, because judges forgive them and test files carry them by accident.
"""

from __future__ import annotations

__all__ = ["outputs_match"]


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def outputs_match(actual: str, expected: str) -> bool:
    """True when `actual` and `expected` have the same lines, ignoring trailing whitespace and trailing blank lines."""
    actual_lines, expected_lines = _lines(actual), _lines(expected)
    if len(actual_lines) != len(expected_lines):
        return False
    return all(a == e for a, e in zip(actual_lines, expected_lines, strict=True))
