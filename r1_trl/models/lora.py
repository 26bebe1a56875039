"""LoRA and QLoRA from a recipe's TRL `ModelConfig` switches, and the folder layout a LoRA stage leaves.

The switches are TRL's (`use_peft`, `lora_r`, `lora_alpha`, `lora_dropout`, `lora_target_modules`, `use_rslora`,
`use_dora`, ...; `load_in_4bit` or `load_in_8bit` with `bnb_4bit_quant_type`, `use_bnb_nested_quant` for QLoRA) and
become a `LoraConfig` and a `BitsAndBytesConfig` through TRL's own `get_peft_config` and `get_quantization_config`.

Layout of a LoRA stage's `output_dir`:

- `<output_dir>/adapter/`: the trained adapter (`adapter_config.json`, `adapter_model.safetensors`) and the
  tokenizer; `PeftModel.from_pretrained(base, "<output_dir>/adapter")` puts it back on its base.
- `<output_dir>/` with `merge_lora: true` (the default): the merged full model and the tokenizer, a plain causal LM
  that the next stage loads as its `model_name_or_path`. No adapter file is left in `<output_dir>` itself, where
  `AutoModelForCausalLM.from_pretrained` would take it for an adapter and load its base instead.
- `<output_dir>/` with `merge_lora: false`: the tokenizer, `stage.json` and checkpoints, no model;
  `load_causal_lm` refuses it with a one-line error naming `adapter/`.

Merging reloads the base the adapter names (`base_model_name_or_path`) on the CPU, unquantized, in the training
model's dtype, puts the saved adapter on it and merges. So it also merges a QLoRA adapter, which cannot be merged into
a 4-bit base: the merged model is the full-precision base plus an adapter trained against its 4-bit copy (the usual
QLoRA practice), and may differ slightly from the 4-bit model the stage evaluated. A base that is itself stored
quantized is not merged; the stage logs why and leaves the adapter only.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .loading import ADAPTER_DIR, load_causal_lm, load_sequence_classifier
from .quantization import check_lora_args

__all__ = ["ADAPTER_DIR", "lora_config", "merge_adapter", "save_lora"]

if TYPE_CHECKING:
    from trl import ModelConfig

logger = logging.getLogger(__name__)

# Adapter files that must not lie beside a merged model (Trainer's hub pushes copy them to output_dir's root too).
_ROOT_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin")


def lora_config(model_args: ModelConfig) -> Any:
    """The `peft_config` to give the trainer: a `LoraConfig`, or None without `use_peft`."""
    from trl import get_peft_config

    check_lora_args(model_args)
    return get_peft_config(model_args)


def merge_adapter(model: Any, adapter_dir: str | Path, trust_remote_code: bool = False) -> Any | None:
    """The saved adapter merged into a fresh full-precision copy of its base, or None (logged) when that cannot be.

    `model` is the trained PeftModel: it names the base and gives the dtype and the token ids the trainer may have
    changed (the eos alignment of SFT), which the reloaded base does not have.
    """
    from peft import PeftModel

    config = model.peft_config[model.active_adapter]
    base_name = config.base_model_name_or_path
    if not base_name:
        logger.warning("the adapter names no base model; not merging (the adapter is in %s)", adapter_dir)
        return None
    trained = model.get_base_model()
    revision = {"revision": config.revision} if config.revision else {}
    if config.task_type == "SEQ_CLS":
        # A reward model: the base gets the score head's shape back; the trained head is in the adapter.
        base = load_sequence_classifier(
            base_name, trust_remote_code, dtype=trained.dtype, num_labels=trained.config.num_labels, **revision
        )
    else:
        base = load_causal_lm(base_name, trust_remote_code, dtype=trained.dtype, **revision)
    if getattr(base, "is_quantized", False) or getattr(base, "hf_quantizer", None) is not None:
        logger.warning("the base %s is stored quantized; not merging (the adapter is in %s)", base_name, adapter_dir)
        return None
    # From the configs: a ZeRO-3 partitioned weight has an empty shape on each rank.
    vocab = trained.config.get_text_config().vocab_size
    if base.config.get_text_config().vocab_size != vocab:
        base.resize_token_embeddings(vocab)
    for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
        setattr(base.config, key, getattr(trained.config, key, None))
    if getattr(trained, "generation_config", None) is not None:
        base.generation_config = copy.deepcopy(trained.generation_config)
    return PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()


def save_lora(model: Any, tokenizer: Any, out: str | Path, merge: bool, trust_remote_code: bool = False) -> bool:
    """Lay out `out` as the module docstring says, the adapter being saved in `out/adapter` already; True when the
    merged model was written."""
    out = Path(out)
    for name in _ROOT_ADAPTER_FILES:
        (out / name).unlink(missing_ok=True)
    if not merge:
        logger.info(
            "merge_lora is false: %s holds the adapter only; later stages cannot load %s", out / ADAPTER_DIR, out
        )
        return False
    merged = merge_adapter(model, out / ADAPTER_DIR, trust_remote_code)
    if merged is None:
        return False
    merged.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    logger.info("merged the LoRA adapter into %s (the adapter is in %s)", out, out / ADAPTER_DIR)
    return True
