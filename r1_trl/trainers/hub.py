"""Pushing to the Hub without losing anything: one clear line when the Hub cannot be reached, local files kept,
and checkpoint revisions named by step."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from ..files import first_line

__all__ = [
    "CheckpointRevisionCallback",
    "HubRepoMixin",
    "hub_callbacks",
    "push_dataset",
    "push_or_explain",
    "revision_name",
]

logger = logging.getLogger(__name__)


def revision_name(step: int) -> str:
    return f"step-{step}"


def push_or_explain(push: Callable[[], Any], what: str, repo_id: str | None, kept: str | Path) -> Any:
    """Run `push`; any failure becomes a one-line ValueError that says what was not pushed and where the local
    copy is, because by then the expensive work is saved and the user only needs to push again."""
    try:
        return push()
    except Exception as err:  # offline mode, no token, no network, a missing repo: all mean "push again later"
        raise ValueError(
            f"pushing {what} to the Hub ({repo_id or 'no hub id'}) failed: {first_line(err)}; nothing is lost, it is "
            f"saved in {kept} (push it again once the Hub is reachable)"
        ) from err


def push_dataset(path: str | Path, repo_id: str) -> None:
    """A data stage's jsonl as a Hub dataset; the local file is the copy that is kept when this fails."""

    def push() -> None:
        from datasets import load_dataset

        load_dataset("json", data_files=str(path), split="train").push_to_hub(repo_id)

    push_or_explain(push, "the dataset", repo_id, path)


class HubRepoMixin:
    """`push_to_hub: true` makes the trainer create its Hub repo before training; when the Hub cannot be reached,
    say so in one line before any compute is spent, instead of a traceback from huggingface_hub."""

    def init_hf_repo(self, token: str | None = None, private: bool | None = None) -> None:
        try:
            super().init_hf_repo(token, private)
        except Exception as err:  # offline mode, no token, no network: one answer for all of them
            raise ValueError(
                f"push_to_hub: cannot create the Hub repo {self.args.hub_model_id or self.args.output_dir!r} "
                f"({first_line(err)}); make the Hub reachable, or set push_to_hub: false and push the saved model "
                "later"
            ) from err


class CheckpointRevisionCallback(TrainerCallback):
    """Uploads each saved checkpoint to the model repo as a branch named `step-<N>`, so any step of a long run can
    be loaded with `from_pretrained(repo, revision="step-N")`. A failed upload is logged and training goes on: the
    checkpoint is on disk either way."""

    def __init__(self, repo_id: str, private: bool | None = None):
        self.repo_id = repo_id
        self.private = private

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if not folder.is_dir():
            return
        from huggingface_hub import HfApi

        api = HfApi()
        branch = revision_name(state.global_step)
        try:
            api.create_repo(self.repo_id, private=self.private, exist_ok=True)
            api.create_branch(self.repo_id, branch=branch, exist_ok=True)
            api.upload_folder(
                repo_id=self.repo_id,
                folder_path=str(folder),
                revision=branch,
                commit_message=f"r1-trl checkpoint at step {state.global_step}",
                ignore_patterns=["optimizer.pt", "scheduler.pt", "rng_state*.pth"],
            )
            logger.info("pushed %s to %s@%s", folder, self.repo_id, branch)
        except Exception as err:  # the checkpoint is safe on disk; a Hub outage must not stop training
            logger.warning(
                "could not push %s to %s@%s (%s); it stays on disk", folder, self.repo_id, branch, first_line(err)
            )


def hub_callbacks(script_args: Any, training_args: Any) -> list[TrainerCallback]:
    """The checkpoint-revision callback when the recipe asks for it (and says where to push)."""
    if not getattr(script_args, "push_checkpoint_revisions", False):
        return []
    if not training_args.hub_model_id:
        raise ValueError("push_checkpoint_revisions needs hub_model_id (the model repo the revisions go to)")
    return [CheckpointRevisionCallback(training_args.hub_model_id, training_args.hub_private_repo)]
