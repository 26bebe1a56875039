"""open-r1's recipe keys, read by r1-trl: each is honoured, mapped to its TRL 1.16 successor, or ignored with a
reason, and one that would change the run but cannot be honoured is refused. Every decision is logged once."""

from __future__ import annotations

import logging
import os
from typing import Any

__all__ = ["RENAMED", "adapt_open_r1_keys"]

logger = logging.getLogger(__name__)

# open-r1 (TRL 0.18, transformers 4.x) name -> the field that now means the same.
RENAMED = {
    "torch_dtype": "dtype",
    "dataset_prompt_column": "prompt_column",
    # transformers 5 folded the ratio into warmup_steps: a float in [0, 1) is a share of the total steps.
    "warmup_ratio": "warmup_steps",
    # open-r1 names the branch its pushes go to; transformers' Trainer pushes to hub_revision.
    "hub_model_revision": "hub_revision",
}

# Keys with no effect in r1-trl, and why.
IGNORED = {
    "overwrite_output_dir": "r1-trl always resumes from the newest checkpoint in output_dir; delete it to start over",
    "benchmarks": "open-r1 runs lighteval after pushing; r1-trl evaluates every stage itself (the eval_* fields)",
    "max_prompt_length": "TRL 1.16 removed prompt truncation; prompts are used whole",
    "wandb_log_unique_prompts": "TRL 1.16 logs the completions table (log_completions) with every prompt",
    "overwrite_hub_revision": "r1-trl pushes only after the stage is saved and evaluated, without deleting",
    "dataset_num_proc_grpo": "not used by TRL 1.16",
}
# open-r1's code-reward settings that have no meaning for the local sandbox, and why. The others
# (code_provider, parallel_code_exec_per_proc, code_eval_scoring_mode, enforce_same_language) are reward fields.
CODE_REWARD_KEYS = {
    "code_language": "it sets code_format's block language; the code rewards read each row's own language",
    "code_eval_test_batch_size": "the local sandbox runs parallel_code_exec_per_proc tests at once and stops at the "
    "first failure where the score is already known",
    "e2b_router_url": "r1-trl runs code in its local sandbox, not E2B",
    "morph_router_url": "r1-trl runs code in its local sandbox, not Morph",
    "ioi_provider": "ioi_code needs IOI's graders and is not supported",
}
# open-r1's W&B fields are environment variables for wandb.
WANDB_ENV = {"wandb_entity": "WANDB_ENTITY", "wandb_project": "WANDB_PROJECT", "wandb_run_group": "WANDB_RUN_GROUP"}


def _refuse_if_set(config: dict[str, Any], key: str, why: str) -> None:
    if config.get(key):
        raise ValueError(f"{key}: {why}")
    if key in config:
        logger.warning("recipe key %r (open-r1) is empty; ignored", key)
        config.pop(key)


def adapt_open_r1_keys(config: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """The recipe with open-r1's keys translated for a stage whose fields are `known`; keys the stage does not know
    are left for the caller to refuse."""
    config = dict(config)
    for old, new in RENAMED.items():
        if old in config and new in known:
            if new in config:
                raise ValueError(f"the recipe sets both {old!r} (open-r1) and its successor {new!r}; keep {new!r}")
            logger.info("recipe key %r (open-r1) is %r in TRL 1.16; using it as %s", old, new, new)
            config[new] = config.pop(old)
    for key, why in IGNORED.items():
        if key in config:
            logger.warning("recipe key %r (open-r1) is ignored: %s", key, why)
            config.pop(key)
    for key, why in CODE_REWARD_KEYS.items():
        if key in config and key not in known:
            logger.warning("recipe key %r (open-r1) is ignored: %s", key, why)
            config.pop(key)
    for key, var in WANDB_ENV.items():
        if key in config:
            value = config.pop(key)
            if value is not None:
                os.environ.setdefault(var, str(value))
                logger.info("recipe key %r (open-r1): %s=%s for wandb", key, var, os.environ[var])
    _refuse_if_set(
        config,
        "callbacks",
        "open-r1's callbacks (push_to_hub_revision, ...) are not available; r1-trl's push_checkpoint_revisions "
        "pushes every checkpoint to a step-<N> branch",
    )
    _refuse_if_set(
        config, "push_to_hub_revision", "use push_to_hub with hub_revision, or push_checkpoint_revisions for a branch"
    )
    _refuse_if_set(
        config,
        "dataset_mixture",
        "dataset mixtures are not supported; build the mixture with `datasets` and give its path as dataset_name",
    )
    if config.get("system_prompt") is not None and "system_prompt" in known and "chat_format" not in config:
        # open-r1 always prompts through the chat template: [system, user: question].
        config["chat_format"] = True
        config.setdefault("template", "plain")
        logger.info(
            "system_prompt set: prompting through the chat template (chat_format true, template %s), as open-r1 does",
            config["template"],
        )
    return config
