"""Loading models and tokenizers from local paths or the Hub, with one-line errors instead of deep tracebacks."""

from __future__ import annotations

import logging
import os
from typing import Any

from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedTokenizerBase,
)

from ..files import first_line, is_hub_id
from .quantization import quantization_kwargs

__all__ = [
    "ADAPTER_DIR",
    "load_causal_lm",
    "load_for_generation",
    "load_sequence_classifier",
    "load_tokenizer",
    "load_trainable",
    "model_load_error",
    "resolve_model_path",
]

logger = logging.getLogger(__name__)

# Where a LoRA stage saves its adapter inside output_dir; see `r1_trl.models.lora`.
ADAPTER_DIR = "adapter"


def resolve_model_path(name: str | None) -> str:
    """Fail fast on a missing local path; Hub ids (`org/name`) pass through to `from_pretrained`."""
    if not name:
        raise ValueError("model_name_or_path is not set: give a local model directory or a Hub id")
    path = os.path.expanduser(name)
    if os.path.isdir(path):
        return path
    if not is_hub_id(name):
        raise ValueError(f"model path {name!r} does not exist (or is not a directory)")
    return name


def model_load_error(name: str, err: Exception, what: str = "") -> ValueError:
    """One line for a model or tokenizer `from_pretrained` could not load: a Hub id the Hub could not serve, or a
    local folder's own problem (`what` names the thing, such as "reward model", when the path alone would not)."""
    label, reason = f"{what} {name!r}" if what else repr(name), first_line(err)
    if is_hub_id(name):
        return ValueError(f"cannot load {label}: not a local directory, and the Hub could not serve it ({reason})")
    return ValueError(f"cannot load {label} ({reason})")


def load_tokenizer(
    name: str, trust_remote_code: bool = False, revision: str | None = None, chat_template: str | None = None
) -> PreTrainedTokenizerBase:
    """The tokenizer at `revision` (the model's own), with an inline chat template set when the recipe gives one."""
    path = resolve_model_path(name)
    kwargs = {"revision": revision} if revision else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code, **kwargs)
    except OSError as err:
        raise model_load_error(name, err) from err
    # Load-time state that transformers keeps in init_kwargs and would save with the tokenizer: a stage's output (or a
    # student built on a teacher's tokenizer) would then differ from its source in these flags alone.
    for key in ("is_local", "local_files_only"):
        tokenizer.init_kwargs.pop(key, None)
    if chat_template:
        tokenizer.chat_template = chat_template
    return tokenizer


def _load(auto_class: Any, name: str, trust_remote_code: bool, **kwargs: Any):
    path = resolve_model_path(name)
    if os.path.isdir(os.path.join(path, ADAPTER_DIR)) and not os.path.isfile(os.path.join(path, "config.json")):
        raise ValueError(
            f"{name!r} holds only a LoRA adapter, in {ADAPTER_DIR}/ (its stage ran with merge_lora: false); rerun "
            "that stage with merge_lora: true, or merge the adapter into its base"
        )
    try:
        return auto_class.from_pretrained(path, trust_remote_code=trust_remote_code, **kwargs)
    except OSError as err:
        raise model_load_error(name, err) from err


def load_causal_lm(name: str, trust_remote_code: bool = False, **kwargs: Any):
    return _load(AutoModelForCausalLM, name, trust_remote_code, **kwargs)


def load_for_generation(name: str, trust_remote_code: bool = False):
    """A model that only samples (evaluation, cold-start data, rejection sampling, rewriting): in its saved dtype, on
    this process's accelerator (its own GPU under `accelerate launch`), not on the CPU where `from_pretrained` puts
    it."""
    from accelerate import PartialState

    return load_causal_lm(name, trust_remote_code, dtype="auto").to(PartialState().device)


def load_sequence_classifier(name: str, trust_remote_code: bool = False, **kwargs: Any):
    """A reward model (`num_labels` in kwargs for a causal LM that gets a fresh score head)."""
    return _load(AutoModelForSequenceClassification, name, trust_remote_code, **kwargs)


def load_trainable(model_args: Any, training_args: Any) -> tuple[Any, PreTrainedTokenizerBase]:
    """The model a training stage starts from and its tokenizer, loaded the one way every stage loads them: the
    recipe's revision (for both), dtype, attention implementation, 4/8-bit quantization for QLoRA,
    trust_remote_code (off unless the recipe turns it on) and inline chat template."""
    remote = bool(getattr(training_args, "trust_remote_code", False))
    name, revision = model_args.model_name_or_path, model_args.model_revision
    tokenizer = load_tokenizer(
        name, remote, revision=revision, chat_template=getattr(model_args, "chat_template", None)
    )
    kwargs = {"revision": revision} if revision else {}
    if model_args.attn_implementation:
        kwargs["attn_implementation"] = model_args.attn_implementation
    model = load_causal_lm(
        name, remote, dtype=model_args.dtype or "auto", **kwargs, **quantization_kwargs(model_args, training_args)
    )
    return model, tokenizer
