"""Two comparisons on the embedded pipeline, over several seeds, with the figures a skeptic checks.

    python benchmarks/distill_filter.py --seeds 0 1 2          # runs pipeline_comparisons.yaml per seed
    python benchmarks/distill_filter.py --seeds 0 1 2 --no-run # reads runs/tiny-moe-seed<N>/report.json

Each seed's demo must have finished first (`python benchmarks/demo_targets.py --seeds N`): the comparisons start
from its base, student base, teacher and distill budget. Seeds run one after another (one heavy job at a time).

1. Distillation, SFT (the paper's, stage `distill`) against on-policy (`distill_on_policy`, TRL's
   DistillationTrainer): the same student base, the same prompts and the same wall-clock (trace generation
   included on the SFT side).
2. R1-Zero without and with pass-rate filtering (`r1_zero`, `r1_zero_filtered`): the share of GRPO groups with
   zero reward variance, and the accuracy reached per minute of RL, the filter's sampling counted as RL time.

Accuracy is format-free (`accuracy_lenient`), with strict pass@1 and format beside it; evaluation is each stage's own:
200 held-out problems x k=4 at T 0.6, top-p 0.95, 96 new tokens.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "recipes/tiny-moe/pipeline_comparisons.yaml"
NAN = float("nan")


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else NAN


def _zero_std(entry: dict[str, Any], first: int | None = None) -> float:
    """Mean logged `frac_reward_zero_std` (the share of groups whose rewards are all equal), over the first
    `first` steps or the whole run."""
    history = entry.get("history") or {}
    steps, values = history.get("step") or [], history.get("frac_reward_zero_std") or []
    picked = [v for s, v in zip(steps, values, strict=False) if v is not None and (first is None or s <= first)]
    return sum(picked) / len(picked) if picked else NAN


def _rl_minutes(entry: dict[str, Any]) -> float:
    filtered = (entry.get("prompt_filter") or {}).get("seconds", 0.0)
    return (_num(entry.get("train_seconds")) + filtered) / 60


def _fmt(x: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def _row(name: str, values: list[float], digits: int = 3) -> str:
    known = [v for v in values if not math.isnan(v)]
    mean = _fmt(statistics.fmean(known), digits) if known else "n/a"
    return f"| {name} | " + " | ".join(_fmt(v, digits) for v in values) + f" | {mean} |"


def tables(reports: dict[int, dict[str, Any]]) -> str:
    seeds = sorted(reports)
    head = "| figure | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |"
    rule = "|---" * (len(seeds) + 2) + "|"
    st = {s: reports[s].get("stages", {}) for s in seeds}

    def get(stage: str, key: str) -> list[float]:
        return [_num(st[s].get(stage, {}).get(key)) for s in seeds]

    def diff(a: list[float], b: list[float]) -> list[float]:
        return [100 * (y - x) for x, y in zip(a, b, strict=True)]

    sft, onp = get("distill", "accuracy_lenient"), get("distill_on_policy", "accuracy_lenient")
    out = ["## Distillation: SFT on traces vs on-policy (same student base, same wall-clock)", "", head, rule]
    out += [
        _row("teacher (all_scenarios_rl) accuracy", get("all_scenarios_rl", "accuracy_lenient")),
        _row("student base accuracy", get("student_base", "accuracy_lenient")),
        _row("distill (SFT) accuracy", sft),
        _row("distill_on_policy accuracy", onp),
        _row("on-policy - SFT, points", diff(sft, onp), 1),
        _row("distill (SFT) pass@1", get("distill", "pass@1")),
        _row("distill_on_policy pass@1", get("distill_on_policy", "pass@1")),
        _row("distill (SFT) format", get("distill", "format_rate")),
        _row("distill_on_policy format", get("distill_on_policy", "format_rate")),
        _row("budget, s (SFT: traces + training)", get("distill", "budget_seconds"), 0),
        _row("on-policy training, s", get("distill_on_policy", "train_seconds"), 0),
        _row("on-policy steps", get("distill_on_policy", "global_steps"), 0),
        _row("SFT traces learned", get("distill", "num_train_examples"), 0),
    ]
    base = get("base", "accuracy_lenient")
    plain, filt = get("r1_zero", "accuracy_lenient"), get("r1_zero_filtered", "accuracy_lenient")
    mins = [_rl_minutes(st[s].get("r1_zero", {})) for s in seeds]
    fmins = [_rl_minutes(st[s].get("r1_zero_filtered", {})) for s in seeds]
    kept = [_num((st[s].get("r1_zero_filtered", {}).get("prompt_filter") or {}).get("kept_share")) for s in seeds]
    scored = [_num((st[s].get("r1_zero_filtered", {}).get("prompt_filter") or {}).get("num_scored")) for s in seeds]
    fsec = [_num((st[s].get("r1_zero_filtered", {}).get("prompt_filter") or {}).get("seconds")) for s in seeds]
    out += ["", "## R1-Zero: unfiltered vs pass-rate filtered prompts (same base, same 200 steps)", "", head, rule]
    out += [
        _row("base accuracy", base),
        _row(
            "zero-variance groups, first 50 steps, unfiltered",
            [_zero_std(st[s].get("r1_zero", {}), 50) for s in seeds],
        ),
        _row(
            "zero-variance groups, first 50 steps, filtered",
            [_zero_std(st[s].get("r1_zero_filtered", {}), 50) for s in seeds],
        ),
        _row("zero-variance groups, whole run, unfiltered", [_zero_std(st[s].get("r1_zero", {})) for s in seeds]),
        _row(
            "zero-variance groups, whole run, filtered", [_zero_std(st[s].get("r1_zero_filtered", {})) for s in seeds]
        ),
        _row("prompts scored by the filter", scored, 0),
        _row("share kept, pass rate in (0, 1)", kept),
        _row("filter sampling, s", fsec, 0),
        _row("r1_zero accuracy", plain),
        _row("r1_zero_filtered accuracy", filt),
        _row("filtered - unfiltered, points", diff(plain, filt), 1),
        _row("r1_zero pass@1", get("r1_zero", "pass@1")),
        _row("r1_zero_filtered pass@1", get("r1_zero_filtered", "pass@1")),
        _row("r1_zero format", get("r1_zero", "format_rate")),
        _row("r1_zero_filtered format", get("r1_zero_filtered", "format_rate")),
        _row("RL minutes, unfiltered", mins, 2),
        _row("RL minutes, filtered (filter included)", fmins, 2),
        _row(
            "gain over base per RL minute, unfiltered, points",
            [100 * (a - b) / m for a, b, m in zip(plain, base, mins, strict=True)],
            2,
        ),
        _row(
            "gain over base per RL minute, filtered, points",
            [100 * (a - b) / m for a, b, m in zip(filt, base, fmins, strict=True)],
            2,
        ),
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--no-run", action="store_true", help="only read the reports")
    args = parser.parse_args()
    reports = {}
    for seed in args.seeds:
        run_dir = ROOT / f"runs/tiny-moe-seed{seed}"
        if not args.no_run:
            if not (run_dir / "distill" / "stage.json").exists():
                print(f"seed {seed}: the demo has not finished in {run_dir}; run benchmarks/demo_targets.py first")
                return 2
            cmd = [
                sys.executable,
                "-m",
                "r1_trl",
                "pipeline",
                str(PIPELINE),
                "--seed",
                str(seed),
                "--run_dir",
                str(run_dir),
            ]
            with (run_dir / "comparisons.log").open("w") as log:
                if subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode:
                    print(f"seed {seed}: the comparisons failed; see {run_dir / 'comparisons.log'}")
                    return 1
        report = run_dir / "report.json"
        if not report.exists():
            print(f"seed {seed}: no {report}")
            return 2
        reports[seed] = json.loads(report.read_text())
    print(tables(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
