"""open-r1's code-execution rewards (`code`, `binary_code`, `cf_code`), run on the training machine in r1-trl's
local sandbox (`r1_trl.sandbox`: bubblewrap namespaces, rlimits, a host-side wall clock) instead of E2B, Morph or
Piston.

- `code` / `binary_code`: open-r1's `verification_info` column, `{"language", "test_cases": [{"input", "output"}]}`;
  the score is the share of tests passed, or 1.0 only when all pass (open-r1's 0.99 threshold).
- `cf_code`: open-r1's Codeforces rows (`official_tests`, `time_limit` in seconds, `memory_limit` in MB, `language`),
  scored `pass_fail`, `partial` or `weighted_sum` as there: no code -1.0, a compile error -0.1, no tests None.

Outputs are compared on the host, line by line (`sandbox.outputs_match`); the expected output never enters the
sandbox. The sandbox is checked once when the reward is built: one that cannot start is a one-line error, never a
score of 0 that would train a model on zeros.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from ..sandbox import LANGUAGES, CheckResult, Sandbox, SandboxLimits, SandboxUnavailable
from ._text import completion_text
from .base import Reward, row_kwargs

__all__ = ["CODE_PROVIDERS", "SCORING_MODES", "CodeforcesReward", "CodeReward", "extract_code"]

CODE_PROVIDERS = ("local",)
SCORING_MODES = ("pass_fail", "partial", "weighted_sum")
UNSUPPORTED = ("none", "error")
# The fence names a language is written under; the first is open-r1's.
_FENCES = {"python": ("python", "py", "python3"), "cpp": ("cpp", "c++", "cc")}
BINARY_THRESHOLD = 0.99
NO_SUBMISSION = -1.0
NO_COMPILE = -0.1


def extract_code(text: str, language: str = "python") -> str:
    """The last ```` ```language ```` block of a completion, '' when there is none (open-r1's `extract_code`)."""
    fences = "|".join(re.escape(f) for f in _FENCES.get(language, (language,)))
    blocks = re.findall(rf"```(?:{fences})[ \t]*\n(.*?)```", text, re.DOTALL)
    return blocks[-1] if blocks else ""


def _as_dict(value: Any, column: str) -> dict[str, Any]:
    # Hub datasets often store the nested column as a JSON string.
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError(f"{column} must be a mapping (or its JSON), got {type(value).__name__}")
    return value


def _tests(cases: Any, column: str) -> tuple[list[str], list[str]]:
    cases = json.loads(cases) if isinstance(cases, str) else (cases or [])
    try:
        return [str(c["input"]) for c in cases], [str(c["output"]) for c in cases]
    except (KeyError, TypeError):
        raise ValueError(f"{column}: every test case needs 'input' and 'output'") from None


class _SandboxedReward(Reward):
    """Holds the sandboxes (one per set of limits), built and self-checked on first need; not pickled, so the reward
    itself pickles, and a copy rebuilds its own."""

    error_value: ClassVar[float | None] = None

    def __init__(
        self,
        time_limit_s: float = 5.0,
        memory_limit_mb: int = 512,
        workers: int = 2,
        unsupported_language: str = "none",
        code_provider: str = "local",
    ) -> None:
        super().__init__()
        if code_provider not in CODE_PROVIDERS:
            raise ValueError(
                f"code_provider {code_provider!r} is a cloud service; r1-trl runs code in its local sandbox "
                "(code_provider: local)"
            )
        if unsupported_language not in UNSUPPORTED:
            raise ValueError(f"code_unsupported_language must be one of {', '.join(UNSUPPORTED)}")
        if workers < 1:
            raise ValueError(f"parallel_code_exec_per_proc must be at least 1, got {workers}")
        self.limits = SandboxLimits(time_s=float(time_limit_s), memory_mb=int(memory_limit_mb))
        self.workers = workers
        self.unsupported_language = unsupported_language
        self._sandboxes: dict[SandboxLimits, Sandbox] = {}
        # The check the issue asks for: a sandbox that cannot start fails the build, with its one line.
        self.sandbox(self.limits)

    def sandbox(self, limits: SandboxLimits) -> Sandbox:
        if limits not in self._sandboxes:
            try:
                self._sandboxes[limits] = Sandbox(limits, workers=self.workers)
            except SandboxUnavailable as err:
                raise ValueError(f"reward {self.__name__!r}: the code sandbox cannot start: {err}") from None
        return self._sandboxes[limits]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_sandboxes": {}}

    def check_languages(self, languages: list[str | None]) -> None:
        """Refuse the batch when a row's language is not supported and the recipe says so."""
        if self.unsupported_language != "error":
            return
        bad = sorted({str(lang) for lang in languages if lang not in LANGUAGES})
        if bad:
            raise ValueError(
                f"reward {self.__name__!r}: unsupported language(s) {bad}; the sandbox runs {', '.join(LANGUAGES)} "
                "(code_unsupported_language: none scores such rows None)"
            )

    def judge(
        self, code: str, language: str, inputs: list[str], outputs: list[str], limits: SandboxLimits, stop: bool
    ) -> CheckResult:
        return self.sandbox(limits).check(code, language, inputs, outputs, stop_on_failure=stop)


class CodeReward(_SandboxedReward):
    """open-r1's `code_reward` (share of tests passed) or, with `binary`, `binary_code_reward` (1.0 when all pass,
    stopping at the first failure). None for a row without tests or, by default, in a language the sandbox does not
    run."""

    name = "code"
    required_columns = ("verification_info",)

    def __init__(self, binary: bool = False, enforce_same_language: bool = False, **sandbox: Any) -> None:
        self.binary = binary
        self.enforce_same_language = enforce_same_language
        super().__init__(**sandbox)
        if binary:
            self.__name__ = "binary_code"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        self.check_columns(kwargs)
        infos = [_as_dict(v, "verification_info") for v in kwargs["verification_info"]]
        languages = [info.get("language", "python") for info in infos]
        if self.enforce_same_language and len(set(languages)) > 1:
            raise ValueError(f"reward {self.__name__!r}: rows mix languages {sorted(set(map(str, languages)))}")
        self.check_languages(languages)
        n = len(completions)
        return [
            self._safe_score(completion_text(c), {**row_kwargs(kwargs, n, i), "verification_info": infos[i]})
            for i, c in enumerate(completions)
        ]

    def score(self, text: str, verification_info: dict[str, Any], **_: Any) -> float | None:
        language = verification_info.get("language", "python")
        inputs, outputs = _tests(verification_info.get("test_cases"), "verification_info.test_cases")
        if not inputs or language not in LANGUAGES:
            return None
        code = extract_code(text, language)
        if not code.strip():
            return 0.0
        result = self.judge(code, language, inputs, outputs, self.limits, stop=self.binary)
        if self.binary:
            return 1.0 if result.fraction > BINARY_THRESHOLD else 0.0
        return result.fraction


class CodeforcesReward(_SandboxedReward):
    """open-r1's `cf_code_reward` on its Codeforces rows, locally: each problem's own time and memory limits (the
    recipe's when a row has none), `pass_fail` stopping at the first failed test."""

    name = "cf_code"
    required_columns = ("official_tests",)

    def __init__(self, scoring_mode: str = "weighted_sum", **sandbox: Any) -> None:
        if scoring_mode not in SCORING_MODES:
            raise ValueError(f"code_eval_scoring_mode must be one of {', '.join(SCORING_MODES)}, got {scoring_mode!r}")
        self.scoring_mode = scoring_mode
        super().__init__(**sandbox)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        self.check_languages(list(kwargs.get("language") or ["python"] * len(completions)))
        return super().__call__(completions, **kwargs)

    def _limits(self, row: dict[str, Any]) -> SandboxLimits:
        time_s = row.get("time_limit") or self.limits.time_s
        memory_mb = row.get("memory_limit") or self.limits.memory_mb
        return SandboxLimits(time_s=float(time_s), memory_mb=int(memory_mb))

    def score(self, text: str, official_tests: Any = None, **row: Any) -> float | None:
        inputs, outputs = _tests(official_tests, "official_tests")
        language = row.get("language") or "python"
        # A checker program judges some problems (several right answers) and file input some others: neither can
        # be judged by comparing stdout, so they score None rather than a wrong 0.
        if not inputs or language not in LANGUAGES or row.get("generated_checker") or row.get("input_mode") == "file":
            return None
        code = extract_code(text, language)
        if not code.strip():
            return NO_SUBMISSION
        stop = self.scoring_mode == "pass_fail"
        result = self.judge(code, language, inputs, outputs, self._limits(row), stop=stop)
        if result.compile_error:
            return NO_COMPILE
        passed = result.fraction
        all_passed = 1.0 if result.all_passed else 0.0
        if self.scoring_mode == "pass_fail":
            return all_passed
        if self.scoring_mode == "partial":
            return passed
        return all_passed + 0.1 * passed
