"""Resuming from a checkpoint with the weights transformers' own loader would give.

transformers saves some architectures (DeepSeek-V3's experts among them) in their original per-expert layout and
fuses them when `from_pretrained` loads. `Trainer`'s resume loads the state dict directly, skips that conversion,
and leaves every routed expert at its initial values with only a warning about missing keys: a resumed MoE run
silently restarts its experts. Loading through `from_pretrained` applies the conversion.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from transformers import PreTrainedModel

__all__ = ["ConvertingResumeMixin"]

logger = logging.getLogger(__name__)

_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")


class ConvertingResumeMixin:
    """Put before the TRL trainer in the bases; distributed engines (DeepSpeed, FSDP) and PEFT adapters keep the
    trainer's own loading, which reads their own checkpoint formats."""

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
        target = self.model if model is None else model
        plain = (
            isinstance(target, PreTrainedModel)
            and not getattr(self, "is_deepspeed_enabled", False)
            and not getattr(self, "is_fsdp_enabled", False)
            and any(os.path.isfile(os.path.join(resume_from_checkpoint, f)) for f in _WEIGHT_FILES)
        )
        if not plain:
            super()._load_from_checkpoint(resume_from_checkpoint, model)
            return
        loaded = type(target).from_pretrained(resume_from_checkpoint, dtype=target.dtype)
        target.load_state_dict(loaded.state_dict(), strict=True)
        logger.info("loaded the model weights of %s", resume_from_checkpoint)
