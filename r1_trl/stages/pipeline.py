"""`r1-trl pipeline recipes/tiny-moe/pipeline.yaml`: every stage in order, each from its own recipe beside the
pipeline file, then the report.

A finished stage (its record `stage.json` written) is skipped on rerun; a killed one resumes from its last checkpoint
or shard. `--from STAGE` reruns that stage and every later one, `--only STAGE` just that one: their outputs are cleared
first, so a rerun starts clean instead of "resuming" a finished run. After every stage the report is redrawn, so
`report.md` always shows what has finished so far.

`--seed N --run_dir DIR` runs the same recipes as another trajectory: every stage gets `--seed N`, and every recipe
path inside the pipeline's run_dir (outputs, the models and datasets one stage hands the next) is moved under DIR, so
seeds never share or overwrite each other's stages.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..report import format_table, load_report, remove_stage, update_report
from ..trainers.run import STAGE_FILE
from .recipe import read_yaml_mapping

__all__ = ["DEFAULT_STAGES", "PipelineSpec", "load_pipeline", "main", "plan_stages"]

logger = logging.getLogger(__name__)

DEFAULT_STAGES = (
    "r1_zero",
    "cold_start_data",
    "cold_start_sft",
    "reasoning_rl",
    "reasoning_rl_no_lc",
    "rejection_sampling",
    "sft",
    "reward_model",
    "all_scenarios_rl",
    "distill",
    "distill_rl_only",
)
_PIPELINE_KEYS = {"name", "run_dir", "stages", "report_to", "wandb_project", "released"}


@dataclasses.dataclass(frozen=True)
class PipelineSpec:
    name: str
    run_dir: Path
    recipes: dict[str, Path]  # stage -> recipe, in run order
    report_to: str = "none"
    wandb_project: str = "r1-trl"
    # report name -> released model: the bases the stages start from, evaluated (not trained) before the first stage
    # with the recipe of that name beside the pipeline file, so every stage has its baseline in the report.
    released: dict[str, Path] = dataclasses.field(default_factory=dict)
    # `--run_dir`: where this run writes, when not the recipes' own run_dir; `--seed`: every stage's seed.
    moved_to: Path | None = None
    seed: int | None = None

    @property
    def out_dir(self) -> Path:
        return self.moved_to or self.run_dir

    @property
    def recipes_dir(self) -> Path:
        return next(iter(self.recipes.values())).parent

    @property
    def report_path(self) -> Path:
        return self.out_dir / "report.json"


def load_pipeline(path: str | os.PathLike) -> PipelineSpec:
    """Read a pipeline file and check, before any stage runs, that every stage and recipe exists and writes where
    the pipeline expects: `<run_dir>/<stage>/` and `<run_dir>/report.json`."""
    from . import STAGES, get_stage

    path = Path(path)
    data = read_yaml_mapping(path, "pipeline file")
    unknown = sorted(set(data) - _PIPELINE_KEYS)
    if unknown:
        raise ValueError(f"unknown pipeline key(s) {unknown} in {path}; known: {sorted(_PIPELINE_KEYS)}")
    name = str(data.get("name") or path.parent.name)
    run_dir = Path(str(data.get("run_dir") or f"runs/{name}"))
    stages = list(data.get("stages") or DEFAULT_STAGES)
    if len(set(stages)) != len(stages):
        raise ValueError(f"{path}: a stage is listed twice in {stages}")
    recipes = {}
    for stage in stages:
        get_stage(stage)  # an unknown stage fails before hours of training, not after
        recipe = path.parent / f"{stage}.yaml"
        shared = STAGES[stage].recipe
        if not recipe.exists() and shared:
            # A comparison run reads the recipe of the stage it compares with; it writes to `<run_dir>/<stage>/`.
            recipe = path.parent / f"{shared}.yaml"
        config = read_yaml_mapping(recipe)
        out = config.get("output_dir")
        if shared and recipe.stem == shared and Path(str(out)) == run_dir / shared:
            out = str(run_dir / stage)
        if Path(str(out)) != run_dir / stage:
            raise ValueError(f"{recipe}: output_dir is {out!r}; the pipeline needs {str(run_dir / stage)!r}")
        report, wanted = config.get("report_path"), run_dir / "report.json"
        if report is not None and Path(str(report)) != wanted:
            raise ValueError(f"{recipe}: report_path is {report!r}; the pipeline needs {str(wanted)!r}")
        recipes[stage] = recipe
    released = {}
    for base, model in (data.get("released") or {}).items():
        if base in recipes:
            raise ValueError(f"{path}: {base!r} is both a released model and a stage")
        if not (path.parent / f"{base}.yaml").exists():
            raise ValueError(f"{path}: released model {base!r} needs its recipe {path.parent / f'{base}.yaml'}")
        if not (Path(str(model)) / "config.json").exists():
            raise FileNotFoundError(f"{path}: released model {base!r}: no model at {model} (rebuild it: make base)")
        released[base] = Path(str(model))
    report_to = str(data.get("report_to") or "none")
    if report_to not in ("none", "wandb"):
        raise ValueError(f"{path}: report_to must be none or wandb, got {report_to!r}")
    return PipelineSpec(name, run_dir, recipes, report_to, str(data.get("wandb_project") or "r1-trl"), released)


def plan_stages(
    spec: PipelineSpec, start: str | None = None, only: str | None = None, force: bool = False
) -> dict[str, str]:
    """What each stage will do: `run` (fresh), `rerun` (outputs cleared first), `resume` or `skip` (finished)."""
    stages = list(spec.recipes)
    for flag, stage in (("--from", start), ("--only", only)):
        if stage is not None and stage not in spec.recipes:
            raise ValueError(f"{flag} {stage!r}: not a stage of this pipeline ({', '.join(stages)})")
    if start and only:
        raise ValueError("use --from or --only, not both")
    plan = {}
    for i, stage in enumerate(stages):
        out = spec.out_dir / stage
        if only is not None and stage != only:
            continue
        if force or only == stage or (start is not None and i >= stages.index(start)):
            plan[stage] = "rerun" if out.exists() else "run"
        elif (out / STAGE_FILE).exists():
            plan[stage] = "skip"
        else:
            plan[stage] = "resume" if out.exists() else "run"
    return plan


def _online(host: str = "api.wandb.ai", timeout: float = 2.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _setup_wandb(spec: PipelineSpec) -> None:
    """One W&B group per pipeline run, every stage a run in it; offline when W&B cannot be reached."""
    os.environ.setdefault("WANDB_PROJECT", spec.wandb_project)
    os.environ.setdefault("WANDB_RUN_GROUP", f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if "WANDB_MODE" not in os.environ and not _online():
        logger.info("W&B is not reachable: logging offline (sync later with `wandb sync wandb/offline-run-*`)")
        os.environ["WANDB_MODE"] = "offline"
    logger.info("W&B group %s (mode %s)", os.environ["WANDB_RUN_GROUP"], os.environ.get("WANDB_MODE", "online"))


def _finish_wandb() -> None:
    """Close the stage's W&B run: transformers leaves it open, and the next stage would log into it instead of
    starting its own run in the group."""
    wandb = sys.modules.get("wandb")
    if wandb is not None and getattr(wandb, "run", None) is not None:
        wandb.finish()


def _moved(value: object, old: Path, new: Path) -> str | None:
    """`value` moved from under `old` to under `new`, or None when it is not a path inside `old`."""
    if not isinstance(value, str):
        return None
    try:
        return str(new / Path(value).relative_to(old))
    except ValueError:
        return None


def _stage_argv(spec: PipelineSpec, stage: str) -> list[str]:
    argv = ["--config", str(spec.recipes[stage])]
    config = read_yaml_mapping(spec.recipes[stage])
    # Only training stages know report_to; data stages would refuse the flag.
    if spec.report_to == "wandb" and "report_to" in config:
        argv += ["--report_to", "wandb", "--run_name", stage]
    if spec.seed is not None:
        argv += ["--seed", str(spec.seed)]
    if spec.moved_to is not None:
        # Written out for every stage: a comparison run would otherwise derive its output from the shared recipe's.
        argv += ["--output_dir", str(spec.out_dir / stage)]
        for key, value in config.items():
            if key == "output_dir":
                continue
            values = value if isinstance(value, list) else [value]
            moved = [_moved(v, spec.run_dir, spec.moved_to) for v in values]
            if any(m is not None for m in moved):
                argv += [f"--{key}", *(m or str(v) for m, v in zip(moved, values, strict=True))]
    return argv


def _evaluate_released(spec: PipelineSpec, force: bool) -> None:
    """Each released base evaluated once per run dir, by its recipe's held-out prompts and sampling settings, into
    the report under its own name; the release's record (tokens, parameters) goes beside the scores."""
    from ..release import RELEASE_FILE
    from .evaluate import main as evaluate

    report = load_report(spec.report_path).get("stages", {})
    for name, model in spec.released.items():
        if name in report and not force:
            logger.info("%s: released model already evaluated; skipping", name)
            continue
        out = spec.out_dir / name
        out.mkdir(parents=True, exist_ok=True)
        argv = ["--model", str(model), "--config", str(spec.recipes_dir / f"{name}.yaml"), "--stage", name]
        # No --seed: every evaluation samples with seed 0 (`eval_settings`), so a released model, the same in every
        # pipeline seed, scores the same in each.
        argv += ["--output", str(out / "eval.json"), "--report_path", str(spec.report_path)]
        logger.info("=== released %s (%s): evaluate ===", name, model)
        evaluate(argv)
        record = json.loads((model / RELEASE_FILE).read_text()) if (model / RELEASE_FILE).exists() else {}
        keep = ("train_tokens", "num_parameters", "num_active_parameters", "model_type", "built_on")
        update_report(spec.report_path, name, {k: record[k] for k in keep if k in record})


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="r1-trl pipeline")
    parser.add_argument("pipeline", nargs="?", help="pipeline file, e.g. recipes/tiny-moe/pipeline.yaml")
    parser.add_argument("--recipes", help="a recipe folder: runs its pipeline.yaml")
    parser.add_argument("--from", dest="start", metavar="STAGE", help="rerun this stage and every later one")
    parser.add_argument("--only", metavar="STAGE", help="rerun just this stage")
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    parser.add_argument("--dry-run", action="store_true", help="print what each stage would do, run nothing")
    parser.add_argument("--seed", type=int, help="every stage's seed, instead of the recipes' own")
    parser.add_argument("--run_dir", help="write this run here instead of the pipeline's run_dir (another seed)")
    args = parser.parse_args(list(argv))
    if bool(args.pipeline) == bool(args.recipes):
        parser.error("give a pipeline file or --recipes FOLDER")
    return args


def main(argv: Sequence[str]) -> dict:
    from ..report.markdown import write_report_md
    from . import get_stage

    args = _parse(argv)
    path = Path(args.pipeline) if args.pipeline else Path(args.recipes) / "pipeline.yaml"
    spec = load_pipeline(path)
    if args.run_dir is not None or args.seed is not None:
        moved = Path(args.run_dir) if args.run_dir else None
        if args.seed is not None and moved in (None, spec.run_dir):
            raise ValueError(
                f"--seed {args.seed} needs --run_dir: another seed in {spec.run_dir} would mix two trajectories"
            )
        spec = dataclasses.replace(spec, moved_to=moved if moved != spec.run_dir else None, seed=args.seed)
    plan = plan_stages(spec, args.start, args.only, args.force)
    logger.info("pipeline %s: %s", spec.name, ", ".join(f"{s} ({a})" for s, a in plan.items()))
    if args.dry_run:
        return {"plan": plan}
    if spec.report_to == "wandb":
        _setup_wandb(spec)
    # Every stage to rerun is cleared before the first one runs: cleared one by one, a run killed half-way would
    # leave later stages of the previous run behind, finished-marked, and a resume would skip them.
    for stage, action in plan.items():
        if action == "rerun":
            logger.info("%s: clearing %s to rerun it", stage, spec.out_dir / stage)
            shutil.rmtree(spec.out_dir / stage)
            remove_stage(spec.report_path, stage)
    started = time.time()
    if spec.released and not args.only:
        _evaluate_released(spec, force=args.force)
        write_report_md(load_report(spec.report_path), spec.out_dir)
    for stage, action in plan.items():
        if action == "skip":
            logger.info("%s: already finished; skipping (--only %s reruns it)", stage, stage)
            continue
        logger.info("=== stage %s (%s, %s) ===", stage, action, spec.recipes[stage])
        try:
            get_stage(stage)(_stage_argv(spec, stage))
        finally:
            _finish_wandb()
        write_report_md(load_report(spec.report_path), spec.out_dir)
    report = load_report(spec.report_path)
    if any(action != "skip" for action in plan.values()):
        seconds = [e.get("stage_seconds") for e in report.get("stages", {}).values()]
        report = update_report(
            spec.report_path,
            # This invocation's time; with stages skipped, the sum of all stages' own times is the whole cost.
            wall_seconds=round(time.time() - started, 1),
            stage_seconds_total=round(sum(s for s in seconds if isinstance(s, int | float)), 1),
        )
    md = write_report_md(report, spec.out_dir)
    print(format_table(report))  # noqa: T201 - the table is this command's output
    logger.info("report: %s", md)
    return report
