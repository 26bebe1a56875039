"""`reward_model`: a sequence-classification reward model's score of each (prompt, response) pair.

DeepSeek-R1's all-scenarios RL stage rewards general (non-verifiable) data with reward models: helpfulness is
judged on the final summary only, so the reasoning is left free, and harmlessness on the whole response, so
nothing harmful can hide in the reasoning. `scope="summary"` and `scope="full"` are those two readings.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ..models.loading import model_load_error, resolve_model_path
from ..templates import TAG_FORMAT, ResponseFormat
from ._text import _content_text, completion_text
from .base import Reward

__all__ = ["KIND_SCOPES", "SCOPES", "RewardModelReward", "summary_text"]

logger = logging.getLogger(__name__)

SCOPES = ("summary", "full")
# The all-scenarios stage's two reward models and what each reads (DeepSeek-R1): helpfulness the final summary,
# harmlessness the whole response, reasoning included.
KIND_SCOPES = {"helpfulness": "summary", "harmlessness": "full"}
# Stands in for the response while the chat template renders; see `_render`.
_RESPONSE_SLOT = "\x00r1-trl-response\x00"


def summary_text(text: str, response_format: ResponseFormat = TAG_FORMAT) -> str:
    """The final summary of a response: what follows the last `</think>`, `<answer>` tags removed, stripped.

    The whole text when there is no think block; '' when a think block opens and never closes, because such a
    response (usually cut off at the length limit) never wrote a summary, and scoring its reasoning as one would
    reward unfinished thinking.
    """
    fmt = response_format
    close = text.rfind(fmt.think_close)
    if close >= 0:
        rest = text[close + len(fmt.think_close) :]
    elif fmt.think_open in text:
        return ""
    else:
        rest = text
    return rest.replace(fmt.answer_open, "").replace(fmt.answer_close, "").strip()


def _prompt_messages(prompt: Any) -> list[dict[str, Any]] | None:
    """A TRL prompt (a string or a list of chat messages) as chat messages; None when there is no usable prompt."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, list | tuple):
        messages = [m for m in prompt if isinstance(m, dict)]
        return messages or None
    return None


class RewardModelReward(Reward):
    """Scores each completion with a sequence-classification reward model (`AutoModelForSequenceClassification`).

    The reward is the model's raw logit for the pair, as a float. A model with `num_labels > 1` is read at its
    last label's logit (the "preferred"/"good" class by the usual convention); a model with one label is read at
    that one. `scope="summary"` scores only the final summary (see `summary_text`), `scope="full"` the whole
    response with its reasoning.

    The pair is rendered with the tokenizer's chat template when it has one (`prompts` as the user turn, or as
    the conversation when TRL passes chat messages), else as `prompt + "\\n" + response`; without `prompts` the
    response is scored alone. Inputs longer than `max_length` tokens lose their beginning, not their end.

    The model loads on the first call (or `load()`), so building and pickling the reward is cheap; pickles never
    carry the model. A missing path or an unreachable Hub id is a one-line ValueError. Completion text never
    raises: a batch whose scoring fails is logged and scores None, which TRL leaves out of the reward sum.
    """

    name: ClassVar[str] = "reward_model"
    error_value: ClassVar[float | None] = None

    def __init__(
        self,
        model_name_or_path: str,
        scope: str = "summary",
        batch_size: int = 8,
        max_length: int = 1024,
        response_format: ResponseFormat = TAG_FORMAT,
        trust_remote_code: bool = False,
        device: str | None = None,
    ) -> None:
        super().__init__()
        if scope not in SCOPES:
            raise ValueError(f"reward {self.name!r}: unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"reward {self.name!r}: batch_size must be a positive integer, got {batch_size!r}")
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"reward {self.name!r}: max_length must be a positive integer, got {max_length!r}")
        # A typo in a local path should fail when the recipe is built, not at the first reward call hours later.
        self._path = resolve_model_path(model_name_or_path)
        self.model_name_or_path = model_name_or_path
        self.scope = scope
        self.batch_size = batch_size
        self.max_length = max_length
        self.response_format = response_format
        self.trust_remote_code = bool(trust_remote_code)
        self.device = device
        self._model: Any = None
        self._tokenizer: Any = None
        self._pad_id: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Rewards are pickled into worker processes and configs; a multi-GB model must not travel with them.
        state = self.__dict__.copy()
        state.update(_model=None, _tokenizer=None, _pad_id=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Load the tokenizer and model now (the first call does it otherwise); a no-op once loaded."""
        if self._model is not None:
            return
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(self._path, trust_remote_code=self.trust_remote_code)
            model = AutoModelForSequenceClassification.from_pretrained(
                self._path, trust_remote_code=self.trust_remote_code
            )
        except Exception as err:  # whatever from_pretrained raises, the user needs one line naming the model
            raise self._load_error(err) from err

        pad_id = model.config.get_text_config().pad_token_id
        if pad_id is None:
            pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
            if pad_id is None:
                raise ValueError(
                    f"reward model {self.model_name_or_path!r} defines neither a pad nor an eos token, "
                    "so batches cannot be padded"
                )
            # The model finds each row's last real token by its pad id (and refuses batches without one), so it
            # must know the id the batches are padded with.
            model.config.get_text_config().pad_token_id = pad_id
            model.config.pad_token_id = pad_id

        model.to(self._device())
        model.eval()
        model.requires_grad_(False)
        self._tokenizer, self._model, self._pad_id = tokenizer, model, pad_id
        logger.info(
            "reward %s: loaded %s (%d labels) on %s",
            self.__name__,
            self.model_name_or_path,
            model.config.num_labels,
            model.device,
        )

    def _load_error(self, err: Exception) -> ValueError:
        return model_load_error(self.model_name_or_path, err, what="reward model")

    def _device(self) -> Any:
        import torch

        if self.device is not None:
            return torch.device(self.device)
        # Under accelerate every rank has set its own current GPU; the reward model belongs next to its policy.
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")

    # ------------------------------------------------------------------ scoring

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        prompts = kwargs.get("prompts")
        if prompts is not None and len(prompts) != len(completions):
            raise ValueError(
                f"reward {self.__name__!r}: got {len(prompts)} prompts for {len(completions)} completions"
            )
        # Outside the per-batch guard on purpose: a model that cannot load is a configuration error to report,
        # not a reason to score a whole run None.
        self.load()
        if prompts is None:
            prompts = [None] * len(completions)

        scores: list[float | None] = []
        for start in range(0, len(completions), self.batch_size):
            batch = list(
                zip(
                    completions[start : start + self.batch_size], prompts[start : start + self.batch_size], strict=True
                )
            )
            try:
                scores.extend(self._score_batch(batch))
            except Exception as err:  # counted for the guard, which stops training when too many fail
                self.record_failure(err, len(batch))
                scores.extend([self.error_value] * len(batch))
        return scores

    def _response(self, completion: Any) -> str:
        text = completion_text(completion)
        return summary_text(text, self.response_format) if self.scope == "summary" else text

    def _score_batch(self, batch: list[tuple[Any, Any]]) -> list[float]:
        import torch

        tokenizer = self._tokenizer
        rows = []
        for completion, prompt in batch:
            text, templated = self._render(prompt, self._response(completion))
            ids = list(tokenizer(text, add_special_tokens=not templated)["input_ids"])
            # Keep the end, drop the beginning: the model reads its score at the last token, so a right-truncated
            # input would be scored mid-response on text it never saw the end of, and a long think block
            # (scope="full") would push the final answer out entirely. Losing the start of a long prompt costs less.
            ids = ids[-self.max_length :]
            # An empty completion with no prompt tokenizes to nothing; it still gets a score, read at one token.
            rows.append(ids or [self._pad_id])

        width = max(len(ids) for ids in rows)
        # Right padding: real tokens keep positions 0..n-1 (the model does not derive positions from the mask), so
        # a pair scores the same whatever else shares its batch.
        input_ids = torch.full((len(rows), width), self._pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, ids in enumerate(rows):
            input_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[i, : len(ids)] = 1

        device = self._model.device
        with torch.inference_mode():
            logits = self._model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits
        return [float(x) for x in logits[:, -1].float().cpu().tolist()]

    def _render(self, prompt: Any, response: str) -> tuple[str, bool]:
        """The model's input text for one pair, and whether the chat template produced it."""
        tokenizer = self._tokenizer
        messages = _prompt_messages(prompt)
        if not getattr(tokenizer, "chat_template", None):
            if messages is None:
                return response, False
            prompt_text = "\n".join(_content_text(m.get("content")) for m in messages)
            return f"{prompt_text}\n{response}", False

        conversation = [*(messages or []), {"role": "assistant", "content": _RESPONSE_SLOT}]
        try:
            rendered = tokenizer.apply_chat_template(conversation, tokenize=False)
        except Exception:
            if messages is not None:
                raise
            # Some templates insist a conversation open with a user turn; a lone response is then scored as text.
            return response, False
        # The response goes in after rendering: reasoning models' templates (DeepSeek-R1, Qwen3) cut everything up
        # to `</think>` out of assistant turns, which would silently turn scope="full" into scope="summary".
        if isinstance(rendered, str) and rendered.count(_RESPONSE_SLOT) == 1:
            return rendered.replace(_RESPONSE_SLOT, response), True
        conversation[-1] = {"role": "assistant", "content": response}
        return tokenizer.apply_chat_template(conversation, tokenize=False), True
