"""`r1-trl eval --model DIR --config FILE`: evaluate any model with a recipe's held-out prompts and settings."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from trl import ModelConfig

from ..configs import BaseModelArguments, R1GRPOConfig, R1ScriptArguments, R1SFTConfig
from ..models import load_for_generation, load_tokenizer
from ..report import update_report
from ..templates import get_template, prefilled_prefix
from .common import make_evaluator, parse_recipe

__all__ = ["main"]

logger = logging.getLogger(__name__)

FOREIGN_TYPES = (BaseModelArguments, R1SFTConfig, R1GRPOConfig, ModelConfig)


def main(argv: Sequence[str]) -> dict:
    own = argparse.ArgumentParser(prog="r1-trl eval", add_help=False)
    own.add_argument("--model", required=True, help="model directory or Hub id")
    own.add_argument("--output", default=None, help="JSON file to write (default: <model>/eval.json)")
    own.add_argument("--stage", default=None, help="name of the report entry to write (needs report_path)")
    own.add_argument("--trust_remote_code", action="store_true")
    known, rest = own.parse_known_args(list(argv))
    (script_args,) = parse_recipe((R1ScriptArguments,), rest, foreign=FOREIGN_TYPES)
    tokenizer = load_tokenizer(known.model, known.trust_remote_code)
    # Under eval_backend vllm the evaluator loads `--model` into vLLM; a transformers copy would only hold memory.
    model = None if script_args.eval_backend == "vllm" else load_for_generation(known.model, known.trust_remote_code)
    prefix = ""
    if script_args.chat_format:
        template = get_template(script_args.template)
        rendered = tokenizer.apply_chat_template(
            template.as_conversation("?"), tokenize=False, add_generation_prompt=True
        )
        prefix = prefilled_prefix(rendered, template.response_format)
    evaluator = make_evaluator(
        script_args,
        tokenizer,
        chat=script_args.chat_format,
        prefix=prefix,
        model_dir=known.model,
        trust_remote_code=known.trust_remote_code,
    )
    result = evaluator(model)
    output = Path(known.output) if known.output else Path(known.model) / "eval.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    logger.info("wrote %s", output)
    if known.stage and script_args.report_path:
        update_report(script_args.report_path, known.stage, {**result, "model": known.model})
    return result
