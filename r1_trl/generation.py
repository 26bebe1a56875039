"""One way to sample n answers per prompt, batched, with a progress bar: with transformers, or with vLLM.

Evaluation, cold-start data, rejection sampling and distillation traces all sample through here, so they decode
exactly as GRPOTrainer does (special tokens skipped) and agree on what a completion is. `sample_completions` takes
a transformers model or a `VllmEngine`; callers never branch on the backend.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import torch
from accelerate.utils.memory import clear_device_cache
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .configs.sampling import SamplingSettings
from .vllm_platform import engine_kwargs, on_cpu, preserve_model_class

__all__ = ["Completion", "SamplingSettings", "VllmEngine", "import_vllm", "sample_completions"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completion:
    text: str
    num_tokens: int
    truncated: bool  # ran into max_new_tokens without an end-of-sequence token


def _render(prompt: str | list[dict], tokenizer: PreTrainedTokenizerBase) -> str:
    if isinstance(prompt, str):
        return prompt
    return tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


def import_vllm(what: str) -> ModuleType:
    """The `vllm` module, or a one-line error naming the setting (`what`) that asked for it."""
    try:
        return importlib.import_module("vllm")
    except ImportError:
        raise ValueError(
            f"{what}: vLLM is not installed; pip install vllm (see README, Scaling up) or use the transformers backend"
        ) from None


class VllmEngine:
    """One model loaded in `vllm.LLM`, sampled by `sample_completions` like a transformers model.

    vLLM schedules its own batches, so `SamplingSettings.batch_size` does not apply. Chat prompts are rendered with
    the tokenizer vLLM loaded from the model path, as the transformers backend renders them with the one it is given.
    """

    def __init__(
        self,
        model: str,
        seed: int = 0,
        trust_remote_code: bool = False,
        gpu_memory_utilization: float | None = None,
        max_model_len: int | None = None,
        **engine_options: Any,
    ):
        self.vllm = import_vllm("vllm backend")
        self.model = str(model)
        # None: the platform's share (GPU memory on CUDA, the machine's RAM on vLLM's CPU build).
        kwargs: dict[str, Any] = engine_kwargs(self.model, gpu_memory_utilization)
        self._restore = preserve_model_class(self.model) if kwargs.get("model_impl") == "transformers" else None
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        # What a caller knows that the platform does not: one engine per `accelerate` rank, for instance.
        kwargs.update(engine_options)
        # vLLM refuses to start unless its share of the GPU is free, and blocks torch still caches count as taken.
        clear_device_cache(garbage_collection=True)
        self.llm = None
        try:
            self.llm = self.vllm.LLM(model=self.model, seed=seed, trust_remote_code=trust_remote_code, **kwargs)
        except BaseException:
            self.close()
            raise
        self.tokenizer = self.llm.get_tokenizer()
        # vLLM 0.30's CPU sampler fails on seeded requests ("CPU Generator does not use offset"); there the
        # engine's own seed, set above, makes a run repeatable instead.
        self.per_request_seed = not on_cpu()

    def sample(
        self, prompts: list[str | list[dict]], settings: SamplingSettings, desc: str = "sampling"
    ) -> list[list[Completion]]:
        """`settings.n` completions for each prompt, in prompt order; what `sample_completions` returns."""
        texts = [_render(p, self.tokenizer) for p in prompts]
        greedy = settings.temperature <= 0
        # top_k is left at vLLM's default, which is off, as the transformers backend turns it off.
        common: dict[str, Any] = {"max_tokens": settings.max_new_tokens}
        if self.per_request_seed:
            common["seed"] = settings.seed
        if greedy:
            # Some vLLM releases refuse n > 1 without sampling; n greedy answers are n copies of one request.
            params = self.vllm.SamplingParams(n=1, temperature=0.0, top_p=1.0, **common)
            texts = [t for t in texts for _ in range(settings.n)]
        else:
            params = self.vllm.SamplingParams(
                n=settings.n, temperature=settings.temperature, top_p=settings.top_p, **common
            )
        logger.info("%s: %d prompts x %d samples with vLLM (%s)", desc, len(prompts), settings.n, self.model)
        outputs = self.llm.generate(texts, params, use_tqdm=logger.isEnabledFor(logging.INFO))
        if len(outputs) != len(texts):
            raise RuntimeError(f"vLLM returned {len(outputs)} outputs for {len(texts)} prompts")
        # vLLM's token_ids end with the end-of-sequence token when it stopped there, as the transformers count does.
        flat = [
            [Completion(o.text, len(o.token_ids), truncated=o.finish_reason == "length") for o in out.outputs]
            for out in outputs
        ]
        if greedy:
            flat = [[c for group in flat[i : i + settings.n] for c in group] for i in range(0, len(flat), settings.n)]
        if any(len(group) != settings.n for group in flat):
            raise RuntimeError(f"vLLM returned a number of samples other than n={settings.n} for a prompt")
        return flat

    def close(self) -> None:
        """Stop the engine and free its memory for whatever runs next in this process. Idempotent."""
        llm, self.llm = self.llm, None
        engine = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if engine is not None and hasattr(engine, "shutdown"):
            engine.shutdown()
        del llm
        if self._restore is not None:
            self._restore()
            self._restore = None
        clear_device_cache(garbage_collection=True)

    @property
    def closed(self) -> bool:
        return self.llm is None


def sample_completions(
    model: PreTrainedModel | VllmEngine,
    tokenizer: PreTrainedTokenizerBase | None,
    prompts: list[str | list[dict]],
    settings: SamplingSettings,
    desc: str = "sampling",
) -> list[list[Completion]]:
    """`settings.n` sampled completions for each prompt (plain text, or a chat rendered with its template), from a
    transformers model (with its `tokenizer`) or a `VllmEngine` (which brings its own). Temperature 0 is greedy."""
    if isinstance(model, VllmEngine):
        return model.sample(prompts, settings, desc)
    if tokenizer is None:
        raise ValueError("sample_completions: a transformers model needs its tokenizer")
    return _sample_transformers(model, tokenizer, prompts, settings, desc)


@torch.no_grad()
def _sample_transformers(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str | list[dict]],
    settings: SamplingSettings,
    desc: str,
) -> list[list[Completion]]:
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
                    # The stop token counts but is not text, as in vLLM: an end token that is not a special token
                    # (one from generation_config's list) would otherwise be rendered by one backend only.
                    text = tokenizer.decode(ids[: n - 1] if ended else ids[:n], skip_special_tokens=True)
                    out[i].append(Completion(text, n, truncated=not ended))
                bar.update(len(batch))
    finally:
        torch.random.set_rng_state(generator_state)
        model.train(was_training)
    return out
