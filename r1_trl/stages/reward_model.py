"""Stage `reward_model`: the helpfulness and harmlessness reward models of DeepSeek-R1's all-scenarios RL stage.

Each is a one-logit sequence classifier trained with TRL's `RewardTrainer` (Bradley-Terry loss) on conversational
preference pairs, so it learns on exactly the chat-template rendering that `RewardModelReward` gives it at RL time.
Each is then measured by held-out pair accuracy, scored through `RewardModelReward` itself with the scope the RL
stage uses (helpfulness: the final summary only; harmlessness: the whole response), before and after training.

Every model goes to `<output_dir>/<kind>` with its tokenizer; a kind whose `stage.json` exists is skipped on rerun,
and `<output_dir>/stage.json`, written last, marks the stage finished.

With `use_peft` (and `load_in_4bit`/`load_in_8bit` for QLoRA) a pretrained `model_name_or_path` trains LoRA adapters
and its score head (peft's SEQ_CLS task keeps the head trainable and saves it with the adapter). The adapter goes to
`<output_dir>/<kind>/adapter` and is always merged into `<output_dir>/<kind>`: the RL stage scores with a plain
sequence classifier.
"""

from __future__ import annotations

import copy
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from accelerate import PartialState
from accelerate.utils import is_peft_model
from datasets import Dataset
from trl import ModelConfig, RewardTrainer

from ..configs import R1ModelConfig, R1RewardConfig, RewardModelArguments
from ..data.preferences import preference_pairs
from ..files import load_data, write_json
from ..models import (
    ADAPTER_DIR,
    build_reward_model,
    load_tokenizer,
    lora_config,
    model_load_error,
    quantization_kwargs,
    resolve_model_path,
    save_lora,
)
from ..report import update_report
from ..rewards.reward_model import KIND_SCOPES, RewardModelReward
from ..templates import get_template
from ..trainers import finish_stage, train_resumable
from ..trainers.run import STAGE_FILE
from .recipe import Recipe, parse_stage

__all__ = ["SCOPES", "SUMMARY_FIELDS", "check_recipe", "main", "pair_accuracy"]

logger = logging.getLogger(__name__)


# What each reward model reads of a response, here and in the RL stage (`RewardModelReward(path, scope=...)`).
SCOPES = KIND_SCOPES
# Per kind, in the stage's stage.json and report entry; the kind's own stage.json has the breakdowns and curves too.
SUMMARY_FIELDS = (
    "pair_accuracy",
    "pair_accuracy_untrained",
    "margin",
    "num_train_pairs",
    "num_test_pairs",
    "train_seconds",
)
# Per-pair fields of the synthetic data that pair accuracy is also broken down by.
_GROUPS = ("rejected_type", "lang")
# TRL's default (CAUSAL_LM, which it means for policies) is trained as SEQ_CLS here; anything else is refused.
_LORA_TASK_TYPES = ("CAUSAL_LM", "SEQ_CLS")


def _conversations(row: dict[str, Any], i: int, name: str) -> dict[str, Any]:
    """A preference row as two full conversations (implicit prompt), whatever form it came in.

    Text pairs with a `prompt` become a user turn and an assistant turn: TRL would tokenize them as plain text,
    while `RewardModelReward` scores through the chat template, and the model must be trained as it is scored.
    """
    prompt = row.get("prompt")
    out: dict[str, Any] = {}
    for side in ("chosen", "rejected"):
        value = row[side]
        if isinstance(value, str):
            if prompt is None:
                raise ValueError(f"{name}: row {i} has a text {side!r} and no 'prompt' column; give conversations")
            value = [{"role": "assistant", "content": value}]
        value = list(value or [])
        if prompt is not None:  # TRL's explicit-prompt form: the prompt turns precede each response
            value = ([{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)) + value
        if not value or not isinstance(value[-1], dict) or value[-1].get("role") != "assistant":
            raise ValueError(f"{name}: row {i}: {side!r} does not end with an assistant message")
        out[side] = [{"role": m["role"], "content": m["content"]} for m in value]
    for key in ("margin", *_GROUPS):
        if row.get(key) is not None:
            out[key] = row[key]
    return out


def _load_dataset(kind: str, spec: str, rm_args: RewardModelArguments, seed: int) -> tuple[list, list]:
    name = f"{kind}_dataset {spec!r}"
    splits = load_data(spec, name, split=None)
    if rm_args.dataset_train_split not in splits:
        raise ValueError(f"{name} has no {rm_args.dataset_train_split!r} split; its splits are {list(splits)}")
    train = splits[rm_args.dataset_train_split]
    test = splits[rm_args.dataset_test_split] if rm_args.dataset_test_split in splits else None
    for part in (train, test):
        missing = [c for c in ("chosen", "rejected") if part is not None and c not in part.column_names]
        if missing:
            raise ValueError(
                f"{name} has no {' or '.join(map(repr, missing))} column; its columns are {part.column_names}"
            )
    if test is None:
        # Held out before anything is trained, with the run's seed, so reruns measure the same pairs.
        try:
            parts = train.train_test_split(test_size=rm_args.test_size, seed=seed)
        except ValueError as err:  # too few rows to hold any out
            raise ValueError(f"{name}: cannot hold out test_size={rm_args.test_size} of {len(train)} rows") from err
        train, test = parts["train"], parts["test"]
    return [_conversations(r, i, name) for i, r in enumerate(train)], [
        _conversations(r, i, name) for i, r in enumerate(test)
    ]


def _load_pairs(kind: str, rm_args: RewardModelArguments, seed: int) -> tuple[list, list]:
    """(train, test) preference rows of `kind`: the synthetic pairs, or the recipe's dataset."""
    spec = getattr(rm_args, f"{kind}_dataset")
    if spec is None:
        train, test = preference_pairs(kind, "train", seed), preference_pairs(kind, "test", seed)
    else:
        train, test = _load_dataset(kind, spec, rm_args, seed)
    if not train or not test:
        raise ValueError(f"{kind}: {len(train)} train and {len(test)} test pairs; both need at least one")
    if rm_args.max_test_pairs is not None:
        test = test[: rm_args.max_test_pairs]
    return train, test


def pair_accuracy(reward: RewardModelReward, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score both sides of every pair with `reward`: the fraction of pairs whose chosen response scores higher, the
    mean chosen-minus-rejected margin, and the accuracy by rejected type and language where rows carry them.

    A pair the reward could not score (None) counts as a miss; `num_unscored` says how many there were.
    """

    def scores(side: str) -> list[float | None]:
        return reward([r[side][-1]["content"] for r in rows], prompts=[r[side][:-1] for r in rows])

    chosen, rejected = scores("chosen"), scores("rejected")
    wins = [c is not None and r is not None and c > r for c, r in zip(chosen, rejected, strict=True)]
    margins = [c - r for c, r in zip(chosen, rejected, strict=True) if c is not None and r is not None]
    result: dict[str, Any] = {
        "pair_accuracy": round(sum(wins) / len(wins), 4) if wins else None,
        "margin": round(sum(margins) / len(margins), 4) if margins else None,
        "num_test_pairs": len(rows),
    }
    if len(margins) < len(rows):
        logger.warning("%d of %d pairs could not be scored; counted as misses", len(rows) - len(margins), len(rows))
        result["num_unscored"] = len(rows) - len(margins)
    for group in _GROUPS:
        by: dict[str, list[bool]] = {}
        for row, win in zip(rows, wins, strict=True):
            if row.get(group) is not None:
                by.setdefault(str(row[group]), []).append(win)
        if by:
            result[f"pair_accuracy_by_{group}"] = {k: round(sum(v) / len(v), 4) for k, v in sorted(by.items())}
    return result


def _reward(path: str, kind: str, rm_args: RewardModelArguments, args: R1RewardConfig) -> RewardModelReward:
    """The reward exactly as the RL stage builds it, so the accuracy measured is the accuracy RL gets."""
    return RewardModelReward(
        path,
        scope=SCOPES[kind],
        batch_size=args.per_device_eval_batch_size,
        max_length=args.max_length or 1024,
        response_format=get_template(rm_args.template).response_format,
        trust_remote_code=args.trust_remote_code,
    )


def check_recipe(recipe: Recipe) -> None:
    """The rules that span the recipe's parts, one line each; the run and `--dry-run` both call this (through
    `parse_stage`)."""
    rm_args, model_args = recipe.part(RewardModelArguments), recipe.part(R1ModelConfig)
    if not model_args.merge_lora:
        raise ValueError("reward_model always merges its LoRA adapter (the RL stage scores with a plain classifier)")
    if model_args.chat_template:
        raise ValueError("reward_model scores through the tokenizer's own chat template; chat_template is not used")
    if rm_args.tokenizer_name_or_path is None and model_args.model_name_or_path is None:
        raise ValueError(
            "set tokenizer_name_or_path (the fresh tiny reward model is sized to it) or model_name_or_path"
        )
    if model_args.use_peft and model_args.model_name_or_path is None:
        raise ValueError(
            "use_peft needs a pretrained model_name_or_path: the fresh tiny reward model has no weights worth adapting"
        )
    if model_args.use_peft and model_args.lora_task_type not in _LORA_TASK_TYPES:
        raise ValueError(f"lora_task_type {model_args.lora_task_type!r}: a reward model trains as SEQ_CLS")
    lora_config(_as_classifier(model_args))  # the LoRA/QLoRA switch combinations that cannot train
    if (model_args.load_in_4bit or model_args.load_in_8bit) and model_args.dtype != "bfloat16":
        # RewardTrainer casts a quantized model's trainable weights, the score head among them, to bf16; the
        # hidden states reaching the head must be bf16 too.
        raise ValueError(f"QLoRA reward models need dtype: bfloat16 (got {model_args.dtype!r})")


def _as_classifier(model_args: ModelConfig) -> ModelConfig:
    # TRL's ModelConfig defaults to CAUSAL_LM; as SEQ_CLS, peft trains and saves the score head with the adapter.
    model_args = copy.copy(model_args)
    model_args.lora_task_type = "SEQ_CLS"
    return model_args


def _model_init_kwargs(model_args: ModelConfig, config: R1RewardConfig) -> dict[str, Any]:
    """How RewardTrainer loads a pretrained `model_name_or_path`: the recipe's dtype, revision, attention and
    quantization on top of any `model_init_kwargs` the recipe gives."""
    kwargs: dict[str, Any] = dict(config.model_init_kwargs or {})
    if model_args.dtype not in (None, "auto"):
        kwargs["dtype"] = model_args.dtype
    if model_args.model_revision not in (None, "main"):
        kwargs["revision"] = model_args.model_revision
    if model_args.attn_implementation:
        kwargs["attn_implementation"] = model_args.attn_implementation
    return {**kwargs, **quantization_kwargs(model_args, config)}


def _save_scorer(model: Any, tokenizer: Any, folder: str) -> bool:
    """`model` as a folder `RewardModelReward` can load: a LoRA model merged into its base (the layout a LoRA stage
    leaves, `r1_trl.models.lora`). False when it cannot be merged (a base stored quantized; logged there)."""
    if not is_peft_model(model):
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return True
    model.save_pretrained(str(Path(folder) / ADAPTER_DIR))
    return save_lora(model, tokenizer, folder, merge=True)


def _train_one(
    kind: str,
    train: list,
    test: list,
    rm_args: RewardModelArguments,
    config: R1RewardConfig,
    model_args: ModelConfig,
    stage: str,
) -> dict[str, Any]:
    started = time.time()
    args = copy.deepcopy(config)
    args.output_dir = str(Path(config.output_dir) / kind)
    if args.push_to_hub:
        # Two models cannot share one Hub repo; without hub_model_id the repo would be named after the folder.
        args.hub_model_id = f"{config.hub_model_id or Path(config.output_dir).name}-{kind}"
    model_name = model_args.model_name_or_path
    # The model's own tokenizer comes from the model's revision; a separate tokenizer is read as it is.
    revision = None if rm_args.tokenizer_name_or_path else model_args.model_revision
    tokenizer = load_tokenizer(rm_args.tokenizer_name_or_path or model_name, args.trust_remote_code, revision=revision)
    if not getattr(tokenizer, "chat_template", None) and not args.chat_template_path:
        raise ValueError(
            f"tokenizer {rm_args.tokenizer_name_or_path or model_name!r} has no chat template; the "
            "reward models are trained and scored on chat-rendered pairs (set chat_template_path)"
        )
    if model_name is None:
        model: Any = build_reward_model(tokenizer, seed=args.seed)
    else:
        model = resolve_model_path(model_name)
        args.model_init_kwargs = _model_init_kwargs(model_args, args)
    peft_config = lora_config(_as_classifier(model_args))
    columns = ["chosen", "rejected"] + (["margin"] if all("margin" in r for r in train) else [])
    dataset = Dataset.from_list([{c: r[c] for c in columns} for r in train])
    try:
        trainer = RewardTrainer(
            model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config
        )
    except OSError as err:  # a Hub id that cannot be served
        raise model_load_error(model_name or "", err) from err
    num_train = len(trainer.train_dataset)
    if num_train < len(train):
        logger.warning(
            "%s: %d of %d pairs are longer than max_length and left out", kind, len(train) - num_train, len(train)
        )
    logger.info("%s: %d train pairs, %d test pairs, scope %s", kind, num_train, len(test), SCOPES[kind])

    untrained = None
    if rm_args.eval_untrained and trainer.accelerator.is_main_process:
        # The weights training starts from (a checkpoint to resume from is only loaded by train()).
        with tempfile.TemporaryDirectory() as tmp:
            if _save_scorer(trainer.accelerator.unwrap_model(trainer.model), trainer.processing_class, tmp):
                untrained = pair_accuracy(_reward(tmp, kind, rm_args, args), test)["pair_accuracy"]
    trainer.accelerator.wait_for_everyone()

    train_resumable(trainer)

    def evaluate(_model: Any) -> dict[str, Any]:
        # From the saved folder, not the live model: that also proves the saved model and tokenizer load.
        return pair_accuracy(_reward(args.output_dir, kind, rm_args, args), test)

    extra = {
        "kind": kind,
        "scope": SCOPES[kind],
        "num_train_pairs": num_train,
        "pair_accuracy_untrained": untrained,
    }
    entry = finish_stage(trainer, stage, evaluate, None, started, extra=extra)
    logger.info(
        "%s: held-out pair accuracy %s (untrained %s), margin %s",
        kind,
        entry.get("pair_accuracy"),
        untrained,
        entry.get("margin"),
    )
    return entry


def main(argv: Sequence[str], stage: str = "reward_model") -> dict:
    started = time.time()
    recipe = parse_stage(stage, argv)
    rm_args, config, model_args = (recipe.part(t) for t in (RewardModelArguments, R1RewardConfig, R1ModelConfig))
    out = Path(config.output_dir)
    # All the data first: a bad second dataset should fail before the first model has trained for an hour.
    todo = [k for k in rm_args.kinds if not (out / k / STAGE_FILE).exists()]
    pairs = {kind: _load_pairs(kind, rm_args, config.seed) for kind in todo}

    results: dict[str, dict[str, Any]] = {}
    threads = torch.get_num_threads()
    if rm_args.torch_threads is not None:
        torch.set_num_threads(rm_args.torch_threads)
    try:
        for kind in rm_args.kinds:
            done = out / kind / STAGE_FILE
            if kind not in pairs:
                logger.info("%s: %s exists; skipping", kind, done)
                results[kind] = json.loads(done.read_text())
                continue
            results[kind] = _train_one(kind, *pairs[kind], rm_args, config, model_args, stage)
    finally:
        # The pipeline runs later stages in this process; they keep their own thread count.
        torch.set_num_threads(threads)

    entry: dict[str, Any] = {
        kind: {**{f: r.get(f) for f in SUMMARY_FIELDS}, "scope": SCOPES[kind], "model": str(out / kind)}
        for kind, r in results.items()
    }
    entry["stage_seconds"] = round(time.time() - started, 1)
    if PartialState().is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / STAGE_FILE, entry)
        if rm_args.report_path:
            update_report(rm_args.report_path, stage, entry)
    return entry
