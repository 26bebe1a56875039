"""Recipe dataclasses: TRL's own configs, extended with the few fields r1-trl needs and validated early.

A recipe YAML is parsed into these with `trl.TrlParser`; command-line flags override the YAML.
"""

from .data import COLD_START_METHODS, BaseModelArguments, ColdStartArguments, RejectionSamplingArguments
from .reward_model import R1RewardConfig, RewardModelArguments
from .script import EMBEDDED_DATASET, R1ScriptArguments
from .training import R1GRPOConfig, R1SFTConfig

__all__ = [
    "BaseModelArguments",
    "COLD_START_METHODS",
    "ColdStartArguments",
    "EMBEDDED_DATASET",
    "R1GRPOConfig",
    "R1RewardConfig",
    "R1ScriptArguments",
    "R1SFTConfig",
    "RejectionSamplingArguments",
    "RewardModelArguments",
]
