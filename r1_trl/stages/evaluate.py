"""`r1-trl eval --model DIR --config FILE`: evaluate any model with a recipe's held-out prompts and settings.

`r1-trl eval --benchmark NAME --model M` runs a benchmark by the paper's protocol instead
(`r1_trl.evaluation.bench_cli`)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from ..configs import EvalArguments, ReportArguments, RewardArguments, TaskArguments
from ..evaluation.evaluator import make_evaluator, template_of
from ..models import load_for_generation, load_tokenizer
from ..report import update_report
from ..templates import chat_prefix
from ..trainers.run import write_adhoc_eval
from .recipe import parse_any_recipe

__all__ = ["main"]

logger = logging.getLogger(__name__)

# What eval reads of a stage's recipe: its prompts, sampling settings, reward models (general prompts) and report.
EVAL_TYPES = (TaskArguments, EvalArguments, RewardArguments, ReportArguments)


def main(argv: Sequence[str]) -> dict:
    if any(a.split("=", 1)[0] in ("--benchmark", "--compare") for a in argv):
        from ..evaluation.bench_cli import main as benchmark_main

        return benchmark_main(argv)
    own = argparse.ArgumentParser(prog="r1-trl eval", add_help=False)
    own.add_argument("--model", required=True, help="model directory or Hub id")
    own.add_argument(
        "--output",
        default=None,
        help="JSON file to write (default: <model>/eval_adhoc.json; for a Hub id evals/<org>--<name>/eval_adhoc.json)",
    )
    own.add_argument("--stage", default=None, help="name of the report entry to write (needs report_path)")
    own.add_argument("--trust_remote_code", action="store_true")
    known, rest = own.parse_known_args(list(argv))
    script_args = parse_any_recipe("eval", EVAL_TYPES, rest)
    tokenizer = load_tokenizer(known.model, known.trust_remote_code)
    # Under eval_backend vllm the evaluator loads `--model` into vLLM; a transformers copy would only hold memory.
    model = None if script_args.eval_backend == "vllm" else load_for_generation(known.model, known.trust_remote_code)
    prefix = chat_prefix(tokenizer, template_of(script_args)) if script_args.chat_format else ""
    evaluator = make_evaluator(
        script_args,
        tokenizer,
        chat=script_args.chat_format,
        prefix=prefix,
        model_dir=known.model,
        trust_remote_code=known.trust_remote_code,
    )
    result = evaluator(model)
    # Never the stage record (stage.json) a stage wrote beside its model, and never a folder named like a Hub id.
    output = write_adhoc_eval(result, known.model, known.output)
    logger.info("wrote %s", output)
    if known.stage and script_args.report_path:
        update_report(script_args.report_path, known.stage, {**result, "model": known.model})
    return result
