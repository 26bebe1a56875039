"""The evaluation closures every stage hands to the run tail, and the rule a LoRA stage's evaluation must meet."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from accelerate.utils.memory import clear_device_cache

from ..configs import R1ScriptArguments
from ..data import load_general_prompts, load_prompts
from ..generation import SamplingSettings, VllmEngine, import_vllm
from ..models import load_for_generation
from ..templates import template_of
from .heldout import evaluate

__all__ = [
    "check_lora_eval",
    "template_of",
    "eval_settings",
    "make_evaluator",
    "make_general_scorer",
]

logger = logging.getLogger(__name__)


def eval_settings(args: R1ScriptArguments, seed: int = 0) -> SamplingSettings:
    return args.eval_sampling(seed)


def make_evaluator(
    args: R1ScriptArguments,
    tokenizer: Any,
    chat: bool = False,
    prefix: str = "",
    general: Callable[[Any], dict[str, Any]] | None = None,
    model_dir: str | None = None,
    trust_remote_code: bool = False,
) -> Callable[[Any], dict[str, Any]]:
    """A function of the model that evaluates it on the recipe's held-out prompts (and its general prompts, with
    `general` or the scorer the recipe asks for).

    With `eval_backend: vllm` the function ignores the model it is given and evaluates the one saved in `model_dir`
    through vLLM instead; stages save before they evaluate, so that is the trained model. vLLM is checked here, so
    a stage that builds its evaluator before training fails in seconds rather than after it.
    """
    vllm = args.eval_backend == "vllm"
    if vllm:
        if model_dir is None:
            raise ValueError("eval_backend vllm needs the saved model's folder to load; this caller gave none")
        import_vllm("eval_backend vllm")
    test = load_prompts(args, "test")
    if args.eval_prompts is not None:
        test = test.select(range(min(args.eval_prompts, len(test))))
    template = template_of(args)

    general = general or make_general_scorer(args, tokenizer, chat=chat, prefix=prefix)
    # Loaded now: a benchmark the Hub cannot serve fails before training, not after it.
    benchmarks = _load_benchmarks(args)

    def score(model: Any) -> dict[str, Any]:
        result = evaluate(model, tokenizer, test, template, eval_settings(args), chat=chat, prefix=prefix)
        if benchmarks:
            result["benchmarks"] = _run_benchmarks(args, benchmarks, model, tokenizer, model_dir)
        if general is not None:
            result["general"] = general(model)
        return result

    def run(model: Any) -> dict[str, Any]:
        if not vllm:
            if _has_whole_weights(model):
                return score(model)
            with _without_zero3():
                whole = _load_saved(model_dir, trust_remote_code)
                try:
                    return score(whole)
                finally:
                    del whole
                    clear_device_cache(garbage_collection=True)
        engine = _eval_engine(args, model_dir, trust_remote_code)
        try:
            result = score(engine)
        finally:
            engine.close()
        # Same settings, different sampler: the backend goes with the settings the numbers depend on.
        result["sampling"] = {**result["sampling"], "backend": "vllm"}
        return result

    return run


def _load_benchmarks(args: R1ScriptArguments) -> list[tuple[Any, list[Any]]]:
    from . import get_benchmark, load_problems
    from .benchmarks import with_overrides

    loaded = []
    for name in getattr(args, "eval_benchmarks", None) or []:
        bench = with_overrides(
            get_benchmark(name), k=args.eval_benchmark_k, max_new_tokens=args.eval_benchmark_max_tokens
        )
        loaded.append((bench, load_problems(bench, limit=args.eval_benchmark_limit)))
    return loaded


def _run_benchmarks(
    args: R1ScriptArguments, benchmarks: list[tuple[Any, list[Any]]], model: Any, tokenizer: Any, model_dir: str | None
) -> dict[str, Any]:
    """Each benchmark's figures on the model, by `r1-trl eval --benchmark`'s code, with the recipe's sampling."""
    from . import BenchmarkSettings, run_benchmark
    from .bench_run import results_dir

    out = results_dir(model_dir) if model_dir else Path("benchmarks")
    figures = {}
    for bench, problems in benchmarks:
        settings = BenchmarkSettings.for_benchmark(bench, eval_settings(args), limit=args.eval_benchmark_limit)
        result = run_benchmark(model, tokenizer, bench, problems, settings, out, model_dir or "model")
        figures[bench.name] = {**result["metrics"], "k": bench.k, "max_new_tokens": bench.max_new_tokens}
    return figures


def _has_whole_weights(model: Any) -> bool:
    """False under ZeRO-3 or FSDP, where each rank holds only a shard of every weight and cannot generate alone."""
    from torch.distributed.tensor import DTensor

    return not any(
        isinstance(p, DTensor) or hasattr(p, "ds_numel") or getattr(p, "_is_flat_param", False) or p.numel() == 0
        for p in model.parameters()
    )


def _load_saved(model_dir: str | None, trust_remote_code: bool) -> Any:
    """The whole model the stage saved (ZeRO-3 gathers 16-bit weights and FSDP a full state dict on save), for rank 0
    to evaluate alone on its own device."""
    if model_dir is None:
        raise ValueError("the trained model is sharded (ZeRO-3 or FSDP) and no saved folder was given to evaluate")
    logger.info("the trained model is sharded (ZeRO-3 or FSDP); evaluating the saved %s", model_dir)
    return load_for_generation(model_dir, trust_remote_code)


@contextlib.contextmanager
def _without_zero3() -> Iterator[None]:
    """While transformers holds a ZeRO-3 config (the Trainer's arguments register one), from_pretrained builds the
    model inside deepspeed.zero.Init and generate() syncs every step with the other ranks: collectives that the
    other ranks, waiting for rank 0, never join (gloo: "Connection closed by peer"). Rank 0 loads and samples the
    whole model alone here, so the config is unset meanwhile and put back after."""
    from transformers.integrations import deepspeed as hf_deepspeed

    if not hf_deepspeed.is_deepspeed_zero3_enabled():
        yield
        return
    # transformers has no public getter for the registered config; its weak reference is read to restore it.
    config = hf_deepspeed._hf_deepspeed_config_weak_ref()
    hf_deepspeed.unset_hf_deepspeed_config()
    try:
        yield
    finally:
        hf_deepspeed.set_hf_deepspeed_config(config)


def check_lora_eval(args: R1ScriptArguments, model_args: Any) -> None:
    """Refuse, before training, an in-stage evaluation that needs a merged model a LoRA stage will not write."""
    if args.eval_after_training and args.eval_backend == "vllm" and model_args.use_peft and not model_args.merge_lora:
        raise ValueError(
            "eval_backend vllm evaluates the merged model the stage saves, and merge_lora is false; set "
            "merge_lora: true or eval_backend: transformers"
        )


def _eval_engine(args: R1ScriptArguments, model_dir: str, trust_remote_code: bool) -> VllmEngine:
    if os.path.isdir(model_dir) and not os.path.isfile(os.path.join(model_dir, "config.json")):
        raise ValueError(
            f"eval_backend vllm loads the saved model from {model_dir}, which has no config.json (a LoRA stage with "
            "merge_lora: false saves only its adapter); set merge_lora: true or eval_backend: transformers"
        )
    return VllmEngine(
        model_dir,
        seed=eval_settings(args).seed,
        trust_remote_code=trust_remote_code,
        gpu_memory_utilization=args.eval_vllm_gpu_memory_utilization,
    )


def make_general_scorer(
    args: R1ScriptArguments, tokenizer: Any, chat: bool = False, prefix: str = ""
) -> Callable[[Any], dict[str, Any]] | None:
    """A function of the model that scores its answers to held-out general prompts with the recipe's reward
    models; None when the recipe asks for no general evaluation."""
    if not args.general_eval_prompts:
        return None
    from ..rewards import get_reward_func
    from .general import GENERAL_REWARDS, score_general

    template = template_of(args)
    params = {"response_format": template.response_format, **args.reward_params(timeout_s=args.reward_timeout_s)}
    paths = {"helpfulness": args.helpfulness_model_name_or_path, "harmlessness": args.harmlessness_model_name_or_path}
    rewards = {name: get_reward_func(name, **params) for name in GENERAL_REWARDS if paths[name]}
    if not rewards:
        raise ValueError(
            "general_eval_prompts needs helpfulness_model_name_or_path or harmlessness_model_name_or_path"
        )
    prompts = load_general_prompts(args)
    # Fewer samples than the reasoning evaluation: the reward models' means settle quickly and each costs a pass.
    settings = dataclasses.replace(eval_settings(args), n=min(args.eval_k, 2))

    def run(model: Any) -> dict[str, Any]:
        return score_general(model, tokenizer, prompts, rewards, template, settings, chat=chat, prefix=prefix)

    return run
