"""`r1-trl <stage> --config FILE --dry-run`: every check that would otherwise fail hours into a run, in seconds.

It parses the recipe as the stage would (unknown keys, types, each config's own validation), then checks what
only shows up later: the reward names resolve; the batch divides into groups for the process count of
`--accelerate_config`; and, when the tokenizer can be read (local, or cached from the Hub), that the response
format's tags survive decoding, that a chat template which prefills `<think>` still lets the format reward match,
and that `max_completion_length` leaves room for the shortest well-formed answer. It prints the effective
configuration (every value that differs from the default) and loads no weights and no data.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..configs.training import assume_processes
from ..templates import chat_prefix, get_template
from .recipe import parse_stage, read_yaml_mapping

__all__ = ["check_tokenizer", "dry_run"]

logger = logging.getLogger(__name__)


def _processes(accelerate_config: str | None) -> int:
    if not accelerate_config:
        return int(os.environ.get("WORLD_SIZE", "1"))
    config = read_yaml_mapping(accelerate_config, "accelerate config")
    return int(config.get("num_processes", 1))


def _effective(parsed: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Per dataclass, the fields whose value differs from the default: what the recipe and flags changed."""
    out: dict[str, dict[str, Any]] = {}
    for obj in parsed:
        changed = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            default = f.default if f.default is not dataclasses.MISSING else None
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            value = getattr(obj, f.name)
            if value != default:
                # Through JSON: enums (lr_scheduler_type, ...) become their string value, objects their str().
                changed[f.name] = json.loads(json.dumps(value, default=str))
        out[type(obj).__name__] = changed
    return out


def _check_rewards(script_args: Any, training_args: Any) -> list[str]:
    from ..rewards import get_reward_funcs

    names = list(script_args.reward_funcs or [])
    if not names:
        return []
    template = get_template(script_args.template)
    params = {
        "response_format": template.response_format,
        **script_args.reward_params(timeout_s=script_args.reward_timeout_s),
    }
    notes = []
    for name in names:
        # Builds every reward as the trainer would: an unknown name fails here.
        try:
            get_reward_funcs([name], **params)
        except ValueError as err:
            # A reward model an earlier stage of the same pipeline writes is not there before that stage runs.
            if "does not exist" not in str(err):
                raise
            notes.append(f"reward {name}: {err} (fine when an earlier stage writes it)")
    return [f"rewards resolve: {', '.join(names)}", *notes]


def check_tokenizer(tokenizer: Any, template_name: str, chat: bool, max_completion_length: int | None) -> list[str]:
    """The response-format checks that need the tokenizer; raises ValueError naming the first problem."""
    template = get_template(template_name)
    fmt = template.response_format
    special = set(getattr(tokenizer, "all_special_tokens", []) or [])
    stripped = [t for t in dict.fromkeys(fmt.tags) if t in special]
    if stripped:
        raise ValueError(
            f"the tokenizer has {stripped} as special tokens; GRPO decodes with skip_special_tokens, so the tags "
            "vanish and every format reward is 0 (add them as non-special tokens)"
        )
    notes = ["format tags survive decoding"]
    prefix = ""
    if chat:
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("chat_format is on but the tokenizer has no chat template (set chat_template_path)")
        prefix = chat_prefix(tokenizer, template)
        notes.append(f"chat template prefills {prefix!r}; rewards see it prepended" if prefix else "no prefill")
    if hasattr(fmt, "render"):
        shortest = fmt.render("2 + 12 = 14", "14")
    else:
        shortest = f"{fmt.think_open}\n2 + 12 = 14\n{fmt.think_close}\n{fmt.answer_open}\n14\n{fmt.answer_close}"
    if not fmt.matches(shortest):
        raise ValueError(f"internal: the shortest answer {shortest!r} does not match format {fmt}")
    generated = shortest[len(prefix) :] if prefix and shortest.startswith(prefix) else shortest
    needed = len(tokenizer(generated, add_special_tokens=False)["input_ids"]) + 1  # + end of sequence
    if max_completion_length is not None and max_completion_length < needed:
        raise ValueError(
            f"max_completion_length {max_completion_length} is below the {needed} tokens of the shortest "
            f"well-formed answer in format {template_name!r}; no completion could earn the format reward"
        )
    notes.append(f"shortest well-formed answer: {needed} tokens")
    return notes


def _tokenizer_checks(script_args: Any, training_args: Any, model_args: Any) -> list[str]:
    from ..models import load_tokenizer

    name = getattr(model_args, "model_name_or_path", None) if model_args is not None else None
    if not name or getattr(script_args, "template", None) is None:
        return []
    try:
        tokenizer = load_tokenizer(
            name,
            bool(getattr(training_args, "trust_remote_code", False)),
            revision=getattr(model_args, "model_revision", None),
            chat_template=getattr(model_args, "chat_template", None),
        )
    except ValueError as err:
        return [f"tokenizer checks skipped: {err}"]
    template_path = getattr(training_args, "chat_template_path", None)
    if template_path:
        # What the SFT trainer will do: the template comes from a .jinja file or another tokenizer.
        try:
            if str(template_path).endswith(".jinja"):
                tokenizer.chat_template = Path(template_path).read_text()
            else:
                tokenizer.chat_template = load_tokenizer(template_path).chat_template
        except (OSError, ValueError) as err:
            return [f"tokenizer checks skipped: chat_template_path {template_path!r} not readable here ({err})"]
    max_len = getattr(training_args, "max_completion_length", None)
    return check_tokenizer(tokenizer, script_args.template, script_args.chat_format, max_len)


def _machine_notes(training_args: Any, model_args: Any) -> list[str]:
    """What the recipe needs of the machine it runs on, where this one lacks it: noted, not refused, since a
    dry-run usually checks a GPU recipe elsewhere."""
    import importlib.util

    notes = []
    if getattr(training_args, "use_vllm", False) and importlib.util.find_spec("vllm") is None:
        notes.append("use_vllm: vLLM is not installed here; the machine that runs this recipe needs it")
    attn = getattr(model_args, "attn_implementation", None)
    if attn == "flash_attention_2" and importlib.util.find_spec("flash_attn") is None:
        notes.append("attn_implementation flash_attention_2: flash-attn is not installed here")
    if getattr(training_args, "use_liger_kernel", False) and importlib.util.find_spec("liger_kernel") is None:
        notes.append("use_liger_kernel: liger-kernel is not installed here")
    return notes


def _take_option(argv: list[str], flag: str) -> str | None:
    if flag not in argv:
        return None
    i = argv.index(flag)
    value = argv[i + 1] if i + 1 < len(argv) else None
    if value is None:
        raise ValueError(f"{flag} needs a value")
    del argv[i : i + 2]
    return value


def dry_run(stage: str, argv: Sequence[str]) -> dict[str, Any]:
    """Parse and check `stage`'s recipe exactly as its run does; print what would run; return the effective config
    and the checks. `--accelerate_config FILE` or `--num_processes N` give the launch's process count."""
    from ..configs import R1GRPOConfig

    argv = list(argv)
    accelerate_config = _take_option(argv, "--accelerate_config")
    num_processes = _take_option(argv, "--num_processes")
    processes = int(num_processes) if num_processes else _processes(accelerate_config)
    notes = []
    with assume_processes(processes):
        try:
            recipe = parse_stage(stage, argv)
        except ValueError as err:
            if "bf16" not in str(err):
                raise
            # transformers refuses bf16 on a machine without a bf16 device; the recipe is meant for one that has it.
            recipe = parse_stage(stage, [*argv, "--bf16", "false"])
            notes.append("bf16 not checked: this machine has no bf16 device (parsed with bf16 false)")
    parsed = list(recipe)
    training_args = next((p for p in parsed if hasattr(p, "output_dir") and hasattr(p, "learning_rate")), None)
    model_args = next((p for p in parsed if hasattr(p, "model_name_or_path") and hasattr(p, "use_peft")), None)
    checks = [f"recipe parses; batches divide into groups for {processes} process(es)", *notes]
    checks.append("the stage's own cross-field rules hold")
    checks += _machine_notes(training_args, model_args)
    if isinstance(training_args, R1GRPOConfig):
        checks += _check_rewards(recipe, training_args)
    if training_args is not None and recipe.has("template"):
        checks += _tokenizer_checks(recipe, training_args, model_args)
    result = {"stage": stage, "processes": processes, "checks": checks, "config": _effective(parsed)}
    text = yaml.safe_dump({"effective configuration": result["config"]}, sort_keys=False, allow_unicode=True)
    print(f"r1-trl {stage} --dry-run: OK\n" + "\n".join(f"  - {c}" for c in checks) + "\n" + text)  # noqa: T201
    return result
