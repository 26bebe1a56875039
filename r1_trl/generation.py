"""One way to sample n answers per prompt, batched, with a progress bar.

Evaluation, cold-start data, rejection sampling and distillation traces all sample through here, so they decode
exactly as GRPOTrainer does (special tokens skipped) and agree on what a completion is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["Completion", "SamplingSettings", "sample_completions"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SamplingSettings:
    n: int = 4
    temperature: float = 0.6
    top_p: float = 0.95
    max_new_tokens: int = 96
    batch_size: int = 256
    seed: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    num_tokens: int
    truncated: bool  # ran into max_new_tokens without an end-of-sequence token


def _render(prompt: str | list[dict], tokenizer: PreTrainedTokenizerBase) -> str:
    if isinstance(prompt, str):
        return prompt
    return tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


@torch.no_grad()
def sample_completions(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str | list[dict]],
    settings: SamplingSettings,
    desc: str = "sampling",
) -> list[list[Completion]]:
    """`settings.n` sampled completions for each prompt (plain text, or a chat rendered with its template)."""
    texts = [_render(p, tokenizer) for p in prompts]
    jobs = [(i, texts[i]) for i in range(len(texts)) for _ in range(settings.n)]
    # Similar lengths together waste less padding; the result is put back in prompt order below.
    jobs.sort(key=lambda job: len(job[1]))
    out: list[list[Completion]] = [[] for _ in texts]
    eos_ids = model.generation_config.eos_token_id
    if eos_ids is None:
        eos_ids = tokenizer.eos_token_id
    eos_ids = set(eos_ids if isinstance(eos_ids, list) else [eos_ids])
    was_training = model.training
    model.eval()
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(settings.seed)
    try:
        with tqdm(total=len(jobs), desc=desc, unit="seq", disable=not logger.isEnabledFor(logging.INFO)) as bar:
            for start in range(0, len(jobs), settings.batch_size):
                batch = jobs[start : start + settings.batch_size]
                enc = tokenizer([t for _, t in batch], return_tensors="pt", padding=True, padding_side="left")
                enc = {k: v.to(model.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
                gen = model.generate(
                    **enc,
                    do_sample=settings.temperature > 0,
                    temperature=settings.temperature if settings.temperature > 0 else None,
                    top_p=settings.top_p if settings.temperature > 0 else None,
                    top_k=0,
                    max_new_tokens=settings.max_new_tokens,
                    pad_token_id=tokenizer.pad_token_id,
                )
                new = gen[:, enc["input_ids"].shape[1] :]
                for (i, _), ids in zip(batch, new.tolist(), strict=True):
                    n = len(ids)
                    for pos, t in enumerate(ids):
                        if t in eos_ids:
                            n = pos + 1
                            break
                    ended = any(t in eos_ids for t in ids[:n])
                    text = tokenizer.decode(ids[:n], skip_special_tokens=True)
                    out[i].append(Completion(text, n, truncated=not ended))
                bar.update(len(batch))
    finally:
        torch.random.set_rng_state(generator_state)
        model.train(was_training)
    return out
