"""TRL's ModelConfig plus what r1-trl's one model loader also honours: an inline chat template and LoRA merging."""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import ModelConfig

__all__ = ["R1ModelConfig"]


@dataclass
class R1ModelConfig(ModelConfig):
    """Which model a stage trains, and how it is loaded (revision, dtype, attention, quantization, LoRA)."""

    chat_template: str | None = field(
        default=None,
        metadata={
            "help": "An inline Jinja chat template set on the tokenizer before anything is tokenized (open-r1's "
            "key); SFT stages also take TRL's chat_template_path."
        },
    )
    merge_lora: bool = field(
        default=True,
        metadata={
            "help": "With use_peft: also write the adapter merged into its base (reloaded unquantized) as a full "
            "model in output_dir, for the next stage to load; the adapter itself goes to output_dir/adapter. "
            "false: the adapter only. Without use_peft it does nothing."
        },
    )
