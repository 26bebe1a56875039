"""Measure the embedded demo against its learning targets, over several seeds, and print the figures.

    python benchmarks/demo_targets.py --seeds 0 1 2          # runs the pipeline once per seed, one after another
    python benchmarks/demo_targets.py --seeds 0 1 2 --no-run # reads runs/tiny-moe-seed<N>/report.json
    python benchmarks/demo_targets.py --report runs/tiny-moe/report.json   # one finished run (`make demo`)

Seed N runs as `r1-trl pipeline recipes/tiny-moe/pipeline.yaml --force --seed N --run_dir runs/tiny-moe-seed<N>`.
Runs go one after another by default: two 2-thread trainings side by side on 2 cores are each 10-17x slower.
`--jobs 2` runs two seeds at once with one thread each: two 1-thread base pre-trainings side by side ran at
1.5-2.9 it/s each, against about 3 it/s for one 2-thread run, so it is never slower and sometimes twice as fast.

Every target is on format-free accuracy (`accuracy_lenient`: the last number of the answer is right), with format
beside it. A target is met when it holds on every seed; the table prints each seed's value, the mean and the worst.
The targets are the paper's effects in miniature (issue 22, which supersedes issue 13's):
1. R1-Zero: accuracy at least 25 points above the base, and at least 15 in each language; mean length of correct
   answers at least 2x the base's (held-out, same sampling); base format <= 0.05 under the template and above 0 in
   each language at RL's temperature (the released base's gate), R1-Zero's >= 0.95.
2. Language consistency: without LC at least 10% of one language's samples mix; with LC at most 1%; LC costs at most
   3 points of accuracy.
3. Cold start: each of the three methods supplies at least 15% of the kept set; reasoning RL beats R1-Zero on
   accuracy and on language consistency.
4. SFT of the base on the rejection-sampled set: at least reasoning RL's accuracy minus 2 points.
5. All-scenario RL: both reward-model scores rise on held-out general prompts; accuracy within 2 points of SFT's.
6. Distillation: the student base at least 10 points below the final teacher; the distilled student at least 0.85x
   the teacher; at least 10 points above the RL-only student.
7. The whole pipeline, comparison runs included, in at most 15 minutes (stage seconds summed; run it alone).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "recipes/tiny-moe/pipeline.yaml"
NAN = float("nan")


@dataclass(frozen=True)
class Target:
    name: str
    threshold: str
    measure: Callable[[dict[str, Any]], float]
    met: Callable[[float], bool]
    higher_is_better: bool = True


def _get(stages: dict[str, Any], stage: str, *keys: str) -> float:
    value: Any = stages.get(stage, {})
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else NAN


def _acc(stages: dict[str, Any], stage: str) -> float:
    return _get(stages, stage, "accuracy_lenient")


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else NAN


def _points(a: float, b: float) -> float:
    return 100 * (a - b)


def _max_mixed(stages: dict[str, Any], stage: str) -> float:
    values = [_get(stages, stage, "per_lang", lang, "mixed_rate") for lang in ("en", "zh")]
    values = [v for v in values if not math.isnan(v)]
    return max(values) if values else NAN


def _method_share(stages: dict[str, Any], method: str) -> float:
    counts = stages.get("cold_start_data", {}).get("mix", {}).get("by_method", {})
    total = sum(counts.values())
    return counts.get(method, 0) / total if total else NAN


def _rm_rise(stages: dict[str, Any], name: str) -> float:
    return _get(stages, "all_scenarios_rl", "general", name) - _get(stages, "all_scenarios_rl", "general_before", name)


def _lang_points(stages: dict[str, Any], stage: str, start: str, lang: str) -> float:
    after, before = (_get(stages, name, "per_lang", lang, "accuracy_lenient") for name in (stage, start))
    return _points(after, before)


def _base_gate_format(lang: str) -> float:
    # The released base's format at RL's sampling temperature (1.0), from its gate (released/.../release.json): the
    # tags must be rare but findable in each language. The same base serves every seed, so this is one figure.
    path = ROOT / "released/tiny-moe/base/release.json"
    gate = json.loads(path.read_text()).get("gate_figures", {}) if path.exists() else {}
    value = gate.get("format_by_lang", {}).get(lang)
    return float(value) if isinstance(value, int | float) else NAN


TARGETS = [
    Target("R1-Zero accuracy - base (pts)", ">= 25", lambda s: _points(_acc(s, "r1_zero"), _acc(s, "base")),
           lambda v: v >= 25),
    *(
        Target(f"R1-Zero accuracy - base, {lang} (pts)", ">= 15",
               lambda s, lang=lang: _lang_points(s, "r1_zero", "base", lang), lambda v: v >= 15)
        for lang in ("en", "zh")
    ),
    Target("R1-Zero / base length of correct", ">= 2",
           lambda s: _ratio(_get(s, "r1_zero", "mean_length_correct"), _get(s, "base", "mean_length_correct")),
           lambda v: v >= 2),
    Target("base format under the template", "<= 0.05", lambda s: _get(s, "base", "format_rate"),
           lambda v: v <= 0.05, higher_is_better=False),
    *(
        Target(f"base format at T 1, {lang} (gate)", "> 0", lambda s, lang=lang: _base_gate_format(lang),
               lambda v: v > 0)
        for lang in ("en", "zh")
    ),
    Target("R1-Zero format", ">= 0.95", lambda s: _get(s, "r1_zero", "format_rate"), lambda v: v >= 0.95),
    Target("no-LC mixed share, worst language", ">= 0.10", lambda s: _max_mixed(s, "reasoning_rl_no_lc"),
           lambda v: v >= 0.10),
    Target("LC mixed share, worst language", "<= 0.01", lambda s: _max_mixed(s, "reasoning_rl"),
           lambda v: v <= 0.01, higher_is_better=False),
    Target("LC accuracy - no-LC (pts)", ">= -3",
           lambda s: _points(_acc(s, "reasoning_rl"), _acc(s, "reasoning_rl_no_lc")), lambda v: v >= -3),
    *(
        Target(f"cold start share, {m}", ">= 0.15", lambda s, m=m: _method_share(s, m), lambda v: v >= 0.15)
        for m in ("few_shot", "reflection", "refine")
    ),
    Target("reasoning RL accuracy - R1-Zero (pts)", "> 0",
           lambda s: _points(_acc(s, "reasoning_rl"), _acc(s, "r1_zero")), lambda v: v > 0),
    Target("reasoning RL LC - R1-Zero LC", "> 0",
           lambda s: _get(s, "reasoning_rl", "language_consistency") - _get(s, "r1_zero", "language_consistency"),
           lambda v: v > 0),
    Target("SFT accuracy - reasoning RL (pts)", ">= -2",
           lambda s: _points(_acc(s, "sft"), _acc(s, "reasoning_rl")), lambda v: v >= -2),
    Target("helpfulness RM score rise", "> 0", lambda s: _rm_rise(s, "helpfulness"), lambda v: v > 0),
    Target("harmlessness RM score rise", "> 0", lambda s: _rm_rise(s, "harmlessness"), lambda v: v > 0),
    Target("all-scenario accuracy - SFT (pts)", ">= -2",
           lambda s: _points(_acc(s, "all_scenarios_rl"), _acc(s, "sft")), lambda v: v >= -2),
    Target("teacher - student base accuracy (pts)", ">= 10",
           lambda s: _points(_acc(s, "all_scenarios_rl"), _acc(s, "student_base")), lambda v: v >= 10),
    Target("distilled / teacher accuracy", ">= 0.85",
           lambda s: _ratio(_acc(s, "distill"), _acc(s, "all_scenarios_rl")), lambda v: v >= 0.85),
    Target("distilled - RL-only student (pts)", ">= 10",
           lambda s: _points(_acc(s, "distill"), _acc(s, "distill_rl_only")), lambda v: v >= 10),
    Target("whole pipeline, stage seconds", "<= 900",
           lambda s: sum(e.get("stage_seconds", 0.0) for e in s.values()), lambda v: v <= 900,
           higher_is_better=False),
]  # fmt: skip


def run_seeds(seeds: list[int], jobs: int) -> dict[str, Path]:
    """Run the pipeline once per seed, `jobs` at a time; parallel jobs get one thread each, since two 2-thread
    jobs on 2 cores spin."""
    # Offline as under `make demo`: no stage may wait on a Hub that cannot be reached.
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "WANDB_MODE": "offline", **os.environ}
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"} if jobs > 1 else {})
    pending, running, paths = list(seeds), {}, {}
    while pending or running:
        while pending and len(running) < jobs:
            seed = pending.pop(0)
            run_dir = ROOT / f"runs/tiny-moe-seed{seed}"
            run_dir.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "r1_trl", "pipeline", str(PIPELINE), "--force", "--seed", str(seed)]
            log = (run_dir / "pipeline.log").open("w")
            proc = subprocess.Popen([*cmd, "--run_dir", str(run_dir)], cwd=ROOT, env=env, stdout=log, stderr=log)
            running[seed] = (proc, time.time(), log)
            print(f"seed {seed}: started, log {run_dir / 'pipeline.log'}", flush=True)
        time.sleep(5)
        for seed, (proc, started, log) in list(running.items()):
            if proc.poll() is None:
                continue
            log.close()
            del running[seed]
            # A failed seed still reports what it reached; its missing stages read as targets not met.
            outcome = f"exited with {proc.returncode}, see its pipeline.log" if proc.returncode else "finished"
            print(f"seed {seed}: pipeline {outcome} after {time.time() - started:.0f} s", flush=True)
            paths[f"seed {seed}"] = ROOT / f"runs/tiny-moe-seed{seed}/report.json"
    return {f"seed {seed}": paths[f"seed {seed}"] for seed in seeds}


def _difficulty_table(reports: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["", "accuracy by difficulty (operations), mean over runs:"]
    stages = ("base", "r1_zero", "reasoning_rl", "all_scenarios_rl", "student_base", "distill", "distill_rl_only")
    levels = sorted({d for r in reports.values() for d in r.get("r1_zero", {}).get("per_difficulty", {})})
    lines.append(f"{'stage':<20}" + "".join(f"{'d' + d:>8}" for d in levels))
    for stage in stages:
        cells = []
        for d in levels:
            values = [_get(r, stage, "per_difficulty", d, "accuracy_lenient") for r in reports.values()]
            values = [v for v in values if not math.isnan(v)]
            cells.append(f"{sum(values) / len(values):>8.3f}" if values else f"{'-':>8}")
        lines.append(f"{stage:<20}" + "".join(cells))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds to run (or read, with --no-run)")
    parser.add_argument("--no-run", action="store_true", help="only read the runs' reports")
    parser.add_argument("--report", help="check one finished run's report.json instead")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run at once, one thread each when above 1")
    args = parser.parse_args()
    if bool(args.seeds) == bool(args.report):
        parser.error("give --seeds N [N ...] or --report PATH")
    if args.report:
        paths = {"run": Path(args.report)}
    elif args.no_run:
        paths = {f"seed {seed}": ROOT / f"runs/tiny-moe-seed{seed}/report.json" for seed in args.seeds}
    else:
        paths = run_seeds(args.seeds, args.jobs)
    reports = {
        name: json.loads(path.read_text()).get("stages", {}) if path.exists() else {} for name, path in paths.items()
    }
    names = list(reports)
    print(f"{'target':<40}{'threshold':>10}" + "".join(f"{n:>10}" for n in names) + f"{'mean':>9}{'worst':>9}  met")
    all_met = True
    for target in TARGETS:
        values = [target.measure(reports[n]) for n in names]
        known = [v for v in values if not math.isnan(v)]
        mean = sum(known) / len(known) if known else NAN
        worst = (min(known) if target.higher_is_better else max(known)) if known else NAN
        met = len(known) == len(values) and all(target.met(v) for v in values)
        all_met &= met
        cells = "".join(f"{v:>10.3f}" for v in values)
        print(f"{target.name:<40}{target.threshold:>10}{cells}{mean:>9.3f}{worst:>9.3f}  {'yes' if met else 'NO'}")
    for line in _difficulty_table(reports):
        print(line)
    first = reports[names[0]]
    print("\nheld-out evaluation:", json.dumps(first.get("r1_zero", {}).get("sampling", {})))
    print("prompts per evaluation:", first.get("r1_zero", {}).get("num_prompts"))
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
