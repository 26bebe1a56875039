"""Release a pre-trained base: copy the model a `base` / `student_base` run wrote into the repository with a card
that says how it was made, so the demo starts from it as R1 starts from DeepSeek-V3-Base.

    python -m r1_trl.release --run runs/tiny-moe/base --recipe recipes/tiny-moe/base.yaml --to released/tiny-moe/base \
        [--gate gate.txt] [--built-on "2 CPU cores"] [--override output_dir=... ...]

`release.json` records the recipe's values as the run read them (the recipe file plus the command-line overrides),
the tokens seen and the gate's verdict; `tests/test_released.py` checks them against the committed recipe, so a
released model cannot silently drift from the recipe that claims to make it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MODEL_FILES", "RELEASE_FILE", "RUN_ONLY_KEYS", "main", "release", "train_tokens"]

RELEASE_FILE = "release.json"
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
)
# Keys that say where a run writes or how it parallelises its preprocessing, never what it trains: a release may
# differ from the recipe in these alone.
RUN_ONLY_KEYS = ("output_dir", "report_path", "dataset_num_proc", "tokenizer_name_or_path")
CURVE_POINTS = 11


def train_tokens(recipe: dict[str, Any], num_processes: int = 1) -> int:
    """Tokens a packed pre-training run sees: steps x batch x accumulation x processes x block length."""
    return (
        int(recipe["max_steps"])
        * int(recipe["per_device_train_batch_size"])
        * int(recipe.get("gradient_accumulation_steps", 1))
        * num_processes
        * int(recipe["max_length"])
    )


def _parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ValueError(f"--override {text!r}: expected key=value")
    key, value = text.split("=", 1)
    return key, yaml.safe_load(value)


def _curve(history: dict[str, list]) -> list[tuple[int, float]]:
    steps, losses = history.get("step") or [], history.get("loss") or []
    points = list(zip(steps, losses, strict=True))
    if len(points) <= CURVE_POINTS:
        return points
    every = (len(points) - 1) / (CURVE_POINTS - 1)
    return [points[round(i * every)] for i in range(CURVE_POINTS)]


def _card(name: str, info: dict[str, Any], record: dict[str, Any]) -> str:
    values = info["recipe_values"]
    corpus = {k: v for k, v in values.items() if k.startswith("corpus_") or k.endswith(("_fraction", "_reasoning"))}
    corpus["restate_chains"] = values.get("restate_chains", False)
    lines = [
        "---",
        "library_name: transformers",
        "tags:",
        "- r1-trl",
        "- base",
        "---",
        "",
        f"# {name}",
        "",
        f"The released `{info['stage']}` of r1-trl's embedded pipeline: a `{values['model_preset']}` "
        f"({info['model_type']}, {info['num_parameters']:,} parameters, {info['num_active_parameters']:,} active per "
        "token) pre-trained from scratch on the synthetic bilingual arithmetic corpus. It is to the demo what "
        "DeepSeek-V3-Base is to R1: "
        + (
            "the distillation stages (distill, distill_rl_only) start from it"
            if info["stage"] == "student_base"
            else "the demo's stages start from it"
        )
        + ", and nothing in `make demo` pre-trains.",
        "",
        f"- recipe: `{info['recipe']}`, seed {values['seed']}",
        f"- tokens: {info['train_tokens']:,} ({values['max_steps']} steps x {values['per_device_train_batch_size']} "
        f"blocks x {values['max_length']} tokens)",
        f"- built on: {info['built_on']}, {info['train_seconds']:.0f} s of training",
        f"- overrides beside the recipe: {info['overrides'] or 'none'}",
        f"- rebuild: `make base` (on 2 CPU cores: {info['cpu_rebuild']})",
        "",
        "## Corpus",
        "",
        "| field | value |",
        "|---|---|",
        *(f"| `{k}` | {v} |" for k, v in corpus.items()),
        "",
        "## Training curve (causal-LM loss)",
        "",
        "| step | loss |",
        "|---|---|",
        *(f"| {s} | {loss:.3f} |" for s, loss in _curve(record.get("history") or {})),
        "",
        "## Held-out evaluation under the R1-Zero template",
        "",
        f"{record.get('num_prompts')} problems x k={record.get('sampling', {}).get('k')}, temperature "
        f"{record.get('sampling', {}).get('temperature')}: format-free accuracy {record.get('accuracy_lenient'):.3f}, "
        f"format {record.get('format_rate'):.3f}, mean length {record.get('mean_length'):.1f} tokens.",
        "",
    ]
    if info.get("gate"):
        lines += ["## The gate before RL (`benchmarks/probe_base.py`)", "", "```", info["gate"].strip(), "```", ""]
    return "\n".join(lines)


def release(
    run_dir: str | Path,
    recipe: str | Path,
    dest: str | Path,
    overrides: dict[str, Any] | None = None,
    gate: str | None = None,
    gate_figures: dict[str, Any] | None = None,
    built_on: str = "2 CPU cores",
    cpu_rebuild: str = "see README",
) -> dict[str, Any]:
    """Copy the model files of `run_dir` to `dest` and write `release.json` and the card; returns the release info."""
    run_dir, dest = Path(run_dir), Path(dest)
    record_path = run_dir / "stage.json"
    if not record_path.exists():
        raise FileNotFoundError(f"{record_path}: no finished stage to release (run it to the end first)")
    record = json.loads(record_path.read_text())
    values = yaml.safe_load(Path(recipe).read_text())
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(RUN_ONLY_KEYS))
    if unknown:
        raise ValueError(f"override(s) {unknown} change what is trained; a release may only override {RUN_ONLY_KEYS}")
    values.update(overrides)
    tokens = train_tokens(values, int(record.get("num_processes", 1)))
    if record.get("train_tokens") != tokens or record.get("global_steps") != values["max_steps"]:
        raise ValueError(
            f"{run_dir} saw {record.get('train_tokens')} tokens in {record.get('global_steps')} steps; the recipe "
            f"asks for {tokens} in {values['max_steps']}: release a finished run of this recipe"
        )
    dest.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copy2(run_dir / name, dest / name)
    info = {
        "stage": Path(recipe).stem,
        "recipe": str(recipe),
        "recipe_values": values,
        "overrides": overrides,
        "train_tokens": tokens,
        "train_seconds": record.get("train_seconds"),
        "num_parameters": record["num_parameters"],
        "num_active_parameters": record["num_active_parameters"],
        "model_type": record["model_type"],
        "built_on": built_on,
        "cpu_rebuild": cpu_rebuild,
        "gate": gate,
        "gate_figures": gate_figures,
        "eval": {k: record.get(k) for k in ("accuracy_lenient", "format_rate", "mean_length", "per_difficulty")},
        "history": record.get("history"),
    }
    (dest / RELEASE_FILE).write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    (dest / "README.md").write_text(_card(dest.name, info, record))
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m r1_trl.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, help="output_dir of a finished base or student_base run")
    parser.add_argument("--recipe", required=True, help="the recipe that run was started with")
    parser.add_argument("--to", required=True, help="release folder, e.g. released/tiny-moe/base")
    parser.add_argument("--gate", help="file holding benchmarks/probe_base.py's output for this model")
    parser.add_argument("--gate-json", help="the figures probe_base.py wrote with --json")
    parser.add_argument("--built-on", default="2 CPU cores", help="the machine, in words, for the card")
    parser.add_argument("--cpu-rebuild", default="see README", help="how long `make base` takes on 2 CPU cores")
    parser.add_argument("--override", action="append", default=[], help="key=value given beside the recipe")
    args = parser.parse_args(argv)
    try:
        overrides = dict(_parse_override(o) for o in args.override)
        gate = Path(args.gate).read_text() if args.gate else None
        figures = json.loads(Path(args.gate_json).read_text()) if args.gate_json else None
        release(args.run, args.recipe, args.to, overrides, gate, figures, args.built_on, args.cpu_rebuild)
    except (ValueError, FileNotFoundError) as err:
        print(f"r1_trl.release: error: {err}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
