"""Stage 2, `cold_start_data`: a small set of clean, readable long chains of thought, built by the paper's three
methods and filtered.

- `few_shot`: the generator (a base model) continues k worked exemplars in the readable format.
- `reflection`: the generator is shown exemplars that solve step by step and then verify, and must verify too.
- `refine`: R1-Zero answers the training prompts and a refiner rewrites its answers into the readable format; the
  demo's refiner is rule-based, a deterministic stand-in for the paper's human post-processing.

Every method writes whole shards as it goes, so a killed run resumes where it stopped. The filters (correct answer,
format, one language, paragraph length, verification for `reflection`, duplicates) run over everything at the end,
and their rejection counts are saved beside the dataset and in the report.
"""

from __future__ import annotations

import importlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..configs import EMBEDDED_DATASET, ColdStartArguments, TaskArguments
from ..data import load_prompts, make_problems
from ..data.cold_start import (
    ColdStartExample,
    apply_filters,
    build_resumable,
    exemplar_response,
    few_shot_prompt,
    mix_summary,
    reflection_prompt,
    response_from_continuation,
)
from ..data.refine import RuleBasedRefiner
from ..files import write_json, write_jsonl
from ..generation import sample_completions
from ..models import load_for_generation, load_tokenizer
from ..report import update_report
from ..templates import READABLE_FORMAT, ReadableFormat, get_template
from ..trainers.hub import push_dataset
from ..trainers.run import STAGE_FILE
from .recipe import parse_stage

__all__ = ["DATA_FILE", "main"]

logger = logging.getLogger(__name__)

DATA_FILE = "train.jsonl"
COUNTS_FILE = "filter_counts.json"
EXEMPLAR_SEED = 12345


def _exemplars(
    args: TaskArguments, k: int, verify: bool, response_format: ReadableFormat
) -> dict[str, list[tuple[str, str]]]:
    if args.dataset_name != EMBEDDED_DATASET:
        raise ValueError(
            "few_shot and reflection need worked exemplars, which only the embedded task provides; "
            "use methods: [refine] with your own dataset"
        )
    problems = make_problems(
        k,
        "train",
        seed=EXEMPLAR_SEED,
        difficulties=tuple(sorted(set(args.difficulties))),
        max_operand=args.max_operand,
        max_value=args.max_value,
    )
    return {
        lang: [(p.question(lang), exemplar_response(p, lang, verify, response_format)) for p in problems]
        for lang in ("en", "zh")
    }


def _load_refiner(spec: str, trust_remote_code: bool) -> Callable[[str, dict], str | None]:
    if spec == "rule_based":
        return RuleBasedRefiner()
    if spec.startswith("model:"):
        from ..data.rewrite import ModelRefiner

        return ModelRefiner(spec.removeprefix("model:"), trust_remote_code=trust_remote_code)
    module, _, attr = spec.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise ValueError(
            f"refiner {spec!r}: cannot import it ({err}); use rule_based, model:<path> or a dotted path"
        ) from err
    return obj() if isinstance(obj, type) else obj


class _Generator:
    """A model sampled through the project's one sampling path, loaded once for all its shards."""

    def __init__(self, path: str, cs: ColdStartArguments, trust_remote_code: bool):
        self.path = path
        self.tokenizer = load_tokenizer(path, trust_remote_code)
        self.model = load_for_generation(path, trust_remote_code)
        self.settings = cs.sampling()

    def sample(self, prompts: list[str], desc: str) -> list[list[str]]:
        out = sample_completions(self.model, self.tokenizer, prompts, self.settings, desc=desc)
        return [[c.text for c in group] for group in out]


def _example(row: dict, response: str, method: str, source: str) -> ColdStartExample:
    return ColdStartExample(
        prompt=row["prompt"],
        response=response,
        lang=row.get("lang") or "en",
        solution=str(row["solution"]),
        method=method,
        source=source,
    )


def _lang(row: dict) -> str:
    return row.get("lang") or "en"


def _prompting_producer(
    method: str,
    build: Callable[..., str],
    shots: dict[str, list[tuple[str, str]]],
    generator: _Generator,
    response_format: ReadableFormat,
) -> Callable[[list[dict]], list[ColdStartExample]]:
    """few_shot and reflection differ only in the prompt: exemplars (with or without verification) and wording."""

    def produce(rows: list[dict]) -> list[ColdStartExample]:
        prompts = [build(r["prompt"], _lang(r), shots[_lang(r)], response_format) for r in rows]
        groups = generator.sample(prompts, method)
        return [
            _example(r, response_from_continuation(t, _lang(r), response_format), method, generator.path)
            for r, g in zip(rows, groups, strict=True)
            for t in g
        ]

    return produce


def _producers(args: TaskArguments, cs: ColdStartArguments) -> dict[str, Callable[[list[dict]], list]]:
    remote = cs.trust_remote_code
    producers: dict[str, Callable[[list[dict]], list]] = {}
    generator = None
    if {"few_shot", "reflection"} & set(cs.methods):
        generator = _Generator(cs.generator_model, cs, remote)
    prompt_builders = {"few_shot": (few_shot_prompt, False), "reflection": (reflection_prompt, True)}
    fmt = ReadableFormat(separator=cs.prompt_separator) if cs.prompt_separator else READABLE_FORMAT
    for method, (build, verify) in prompt_builders.items():
        if method in cs.methods:
            shots = _exemplars(args, cs.few_shot_exemplars, verify, fmt)
            producers[method] = _prompting_producer(method, build, shots, generator, fmt)
    if "refine" in cs.methods:
        zero = _Generator(cs.r1_zero_model, cs, remote)
        refiner = _load_refiner(cs.refiner, remote)
        template = get_template("r1_zero")
        source = f"{cs.r1_zero_model} + {getattr(refiner, '__name__', type(refiner).__name__)} refiner"

        def refine(rows: list[dict]) -> list[ColdStartExample]:
            groups = zero.sample([template.format_prompt(r["prompt"], r.get("lang")) for r in rows], "refine")
            examples = []
            for row, group in zip(rows, groups, strict=True):
                # The refiner sees the question, not the gold answer: R1-Zero's own answer is what gets checked.
                question = {"prompt": row["prompt"], "lang": row.get("lang")}
                for text in group:
                    refined = refiner(text, question)
                    # Unrefinable answers keep their raw text, so the format filter counts them.
                    examples.append(_example(row, refined if refined else text, "refine", source))
            return examples

        producers["refine"] = refine
    return producers


def _jobs(rows: list[dict], cs: ColdStartArguments) -> dict[str, list[dict]]:
    """Disjoint slices of the training prompts per method, so the mix by method is a mix of different prompts."""
    sizes = {"few_shot": cs.few_shot_prompts, "reflection": cs.reflection_prompts, "refine": cs.refine_prompts}
    order = list(rows)
    random.Random(cs.seed).shuffle(order)
    jobs, start = {}, 0
    for method in cs.methods:
        n = sizes[method]
        jobs[method] = [order[(start + i) % len(order)] for i in range(n)]
        start += n
    return jobs


def main(argv: Sequence[str], stage: str = "cold_start_data") -> dict:
    started = time.time()
    recipe = parse_stage(stage, argv)
    cs = recipe.part(ColdStartArguments)
    out = Path(cs.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = list(load_prompts(recipe.task, "train"))
    producers = _producers(recipe.task, cs)
    collected: list[ColdStartExample] = []
    for method, jobs in _jobs(rows, cs).items():
        collected += build_resumable(out / "shards", method, jobs, producers[method], cs.shard_size)
    kept, counts = apply_filters(
        collected, language_threshold=cs.language_threshold, max_paragraph_chars=cs.max_paragraph_chars
    )
    if len(kept) < cs.min_examples:
        raise ValueError(
            f"only {len(kept)} examples survived the filters, fewer than min_examples={cs.min_examples};"
            f" rejections: {json.dumps(counts.get('total', counts))}"
        )
    write_jsonl(out / DATA_FILE, (ex.to_row() for ex in kept))
    entry: dict[str, Any] = {
        "num_examples": len(kept),
        "num_generated": len(collected),
        "mix": mix_summary(kept),
        "filters": counts,
        "methods": list(cs.methods),
        "refiner": cs.refiner,
        "stage_seconds": round(time.time() - started, 1),
        "dataset": str(out / DATA_FILE),
    }
    write_json(out / COUNTS_FILE, counts)
    write_json(out / STAGE_FILE, entry)
    logger.info(
        "cold_start_data: %d of %d generated examples kept; mix %s",
        len(kept),
        len(collected),
        json.dumps(entry["mix"], ensure_ascii=False),
    )
    if recipe.report.report_path:
        update_report(recipe.report.report_path, stage, entry)
    if cs.hub_dataset_id:
        push_dataset(out / DATA_FILE, cs.hub_dataset_id)
    return entry
