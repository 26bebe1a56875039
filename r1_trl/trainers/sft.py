"""R1SFTTrainer: TRL's SFTTrainer with the end-of-sequence token kept consistent everywhere.

A fine-tuned base that never learned where to stop is a known failure of SFT'd base models; aligning the eos token
in the tokenizer, the model config and the generation config before training prevents it.
"""

from __future__ import annotations

import logging
from typing import Any

from datasets import Dataset
from transformers import PreTrainedTokenizerBase
from trl import SFTTrainer

from .checkpoint import ConvertingResumeMixin
from .hub import HubRepoMixin

__all__ = ["R1SFTTrainer", "align_eos"]

logger = logging.getLogger(__name__)

TEXT_SHAPES = (("text",), ("messages",), ("prompt", "completion"))


def align_eos(model: Any, tokenizer: PreTrainedTokenizerBase) -> None:
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ValueError("the tokenizer has no eos_token; set one so the fine-tuned model learns to stop")
    model.config.eos_token_id = eos
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.eos_token_id = eos
        if model.generation_config.pad_token_id is None:
            model.generation_config.pad_token_id = tokenizer.pad_token_id


class R1SFTTrainer(HubRepoMixin, ConvertingResumeMixin, SFTTrainer):
    def __init__(
        self, model: Any, args: Any, train_dataset: Dataset, processing_class: PreTrainedTokenizerBase, **kwargs: Any
    ):
        columns = set(train_dataset.column_names)
        text_field = getattr(args, "dataset_text_field", "text")
        shapes = ((text_field,),) + TEXT_SHAPES[1:]
        if not any(set(shape) <= columns for shape in shapes):
            wanted = " or ".join("+".join(s) for s in shapes)
            raise ValueError(f"the SFT dataset needs columns {wanted}; it has {sorted(columns)}")
        if not isinstance(model, str):
            align_eos(model, processing_class)
        super().__init__(
            model=model, args=args, train_dataset=train_dataset, processing_class=processing_class, **kwargs
        )
