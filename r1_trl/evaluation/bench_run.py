"""Running a benchmark by the paper's protocol and writing what it found.

k samples per problem at temperature 0.6 and top-p 0.95 through the project's one sampling path (transformers or
vLLM), the question in the model's chat template with the benchmark's instruction. Problems are sampled and scored
in shards, so a killed run resumes; under `accelerate launch` each process samples its share of the shards (data
parallel) and the main process writes the result: `<name>.json`, `<name>.md` and the transcripts.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..data.shards import build_row_shards
from ..files import write_json, write_jsonl
from ..generation import SamplingSettings, sample_completions
from ..rewards import answers_match
from ..trainers.run import model_eval_dir
from .benchmarks import Benchmark, Problem
from .scoring import majority, score_samples, summarize_benchmark

__all__ = ["BenchmarkSettings", "ask", "results_dir", "run_benchmark", "to_markdown"]

logger = logging.getLogger(__name__)

_SHARD_NAME = "problems"


@dataclass(frozen=True)
class BenchmarkSettings:
    """The sampling protocol; every field is written into the result."""

    k: int
    max_new_tokens: int
    temperature: float = 0.6
    top_p: float = 0.95
    seed: int = 0
    batch_size: int = 64
    chat: bool = True
    shard_size: int = 25
    backend: str = "transformers"
    limit: int | None = None
    warn_truncation: float = 0.05

    @classmethod
    def for_benchmark(cls, bench: Benchmark, spec: SamplingSettings, **protocol: Any) -> BenchmarkSettings:
        """The benchmark's own k and answer length, sampled as `spec` says (temperature, top-p, seed, batch,
        backend, shard size); `protocol` sets the rest (chat, limit, warn_truncation)."""
        shards = {"shard_size": spec.shard_size} if spec.shard_size else {}
        return cls(
            k=bench.k,
            max_new_tokens=bench.max_new_tokens,
            temperature=spec.temperature,
            top_p=spec.top_p,
            seed=spec.seed,
            batch_size=spec.batch_size,
            backend=spec.backend,
            **shards,
            **protocol,
        )

    def sampling(self) -> SamplingSettings:
        return SamplingSettings(
            n=self.k,
            temperature=self.temperature,
            top_p=self.top_p,
            max_new_tokens=self.max_new_tokens,
            batch_size=self.batch_size,
            seed=self.seed,
            backend=self.backend,
            shard_size=self.shard_size,
        )


def ask(bench: Benchmark, problem: Problem, chat: bool = True) -> str | list[dict[str, str]]:
    """The question and the instruction in one user turn (no system prompt), or as plain text without `chat`."""
    text = f"{problem.question}\n\n{bench.instruction}"
    return [{"role": "user", "content": text}] if chat else text


def results_dir(model: str) -> Path:
    """`<model>/benchmarks/` beside a local model; `evals/<org>--<name>/benchmarks/` for a Hub id."""
    return model_eval_dir(model) / "benchmarks"


def _producer(bench: Benchmark, model: Any, tokenizer: Any, settings: BenchmarkSettings, sandbox: Any = None):
    mc = bench.answer_type == "multiple_choice"
    code = bench.answer_type == "code"

    def produce(jobs: list[dict], shard: int) -> list[dict]:
        problems = [Problem(j["index"], j["question"], j["gold"], tuple(j["options"])) for j in jobs]
        sampling = settings.sampling().for_shard(shard)
        asked = [ask(bench, p, settings.chat) for p in problems]
        groups = sample_completions(model, tokenizer, asked, sampling, desc=f"{bench.name} shard {shard}")
        rows = []
        for problem, group in zip(problems, groups, strict=True):
            texts = [c.text for c in group]
            answers, correct = score_samples(bench, problem.gold, texts, len(problem.options), sandbox=sandbox)
            if code:
                # Programs do not vote: the problem counts for pass@k when some sample passes every test.
                vote, right = None, any(correct)
            else:
                vote = majority(answers, math=not mc)
                right = vote is not None and (vote == problem.gold if mc else bool(answers_match(problem.gold, vote)))
            samples = [
                {"text": c.text, "num_tokens": c.num_tokens, "truncated": c.truncated, "answer": a, "correct": ok}
                for c, a, ok in zip(group, answers, correct, strict=True)
            ]
            rows.append({**asdict(problem), "majority": vote, "majority_correct": right, "samples": samples})
        return rows

    return produce


def run_benchmark(
    model: Any,
    tokenizer: Any,
    bench: Benchmark,
    problems: list[Problem],
    settings: BenchmarkSettings,
    out_dir: str | Path,
    model_name: str,
    rank: int = 0,
    world: int = 1,
    barrier: Any = None,
) -> dict[str, Any] | None:
    """Sample and score every problem, resuming from finished shards; write and return the result (None on a
    process other than the main one). `barrier` is called between sampling and reading when `world` > 1."""
    started = time.time()
    out = Path(out_dir)
    jobs = [{"index": p.index, "question": p.question, "gold": p.gold, "options": list(p.options)} for p in problems]
    decisive = {
        "model": model_name,
        "benchmark": asdict(bench),
        **{k: v for k, v in asdict(settings).items() if k not in ("batch_size", "warn_truncation")},
    }
    # As the manifest stores it (tuples become lists), so a resume compares like with like.
    decisive = json.loads(json.dumps(decisive))
    shard_dir = out / f"{bench.name}.shards"
    sandbox = _code_sandbox(bench)
    # The limits every program ran under decide its results, and a pass rate is read with them.
    limits = {"sandbox": asdict(sandbox.limits)} if sandbox is not None else {}
    decisive.update(limits)
    produce = _producer(bench, model, tokenizer, settings, sandbox)
    rows, info = build_row_shards(
        shard_dir, _SHARD_NAME, jobs, produce, settings.shard_size, decisive, rank=rank, world=world
    )
    if world > 1:
        barrier()
        if rank != 0:
            return None
        rows, info = build_row_shards(shard_dir, _SHARD_NAME, jobs, produce, settings.shard_size, decisive)
    metrics = summarize_benchmark(rows, code=sandbox is not None)
    result = {
        "benchmark": bench.name,
        "model": model_name,
        "dataset": {"id": bench.dataset, "config": bench.config, "split": bench.split},
        "metrics": metrics,
        "settings": {
            **asdict(settings),
            "instruction": bench.instruction,
            "answer_type": bench.answer_type,
            **limits,
        },
        "shards": info,
        "seconds": round(time.time() - started, 1),
    }
    if metrics["truncation_rate"] > settings.warn_truncation:
        logger.warning(
            "%s: %.0f%% of samples stopped at max_new_tokens=%d, so pass@1 is a lower bound; raise --max_new_tokens",
            bench.name,
            100 * metrics["truncation_rate"],
            settings.max_new_tokens,
        )
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / f"{bench.name}.transcripts.jsonl", rows)
    write_json(out / f"{bench.name}.json", result)
    (out / f"{bench.name}.md").write_text(to_markdown(result), encoding="utf-8")
    logger.info(
        "%s: pass@1 %.4f, %s %.4f, mean length %.0f, truncated %.1f%% (%d problems x %d samples); wrote %s",
        bench.name,
        metrics["pass@1"],
        _cons_key(metrics),
        metrics[_cons_key(metrics)],
        metrics["mean_length"],
        100 * metrics["truncation_rate"],
        metrics["num_problems"],
        settings.k,
        out / f"{bench.name}.json",
    )
    return result


def _code_sandbox(bench: Benchmark) -> Any:
    """The sandbox a code benchmark's programs run in (None for other benchmarks); one that cannot start is the
    benchmark's one-line error, never a pass rate of 0."""
    if bench.answer_type != "code":
        return None
    from ..sandbox import Sandbox, SandboxUnavailable

    try:
        return Sandbox()
    except SandboxUnavailable as err:
        raise ValueError(f"benchmark {bench.name}: the code sandbox cannot start: {err}") from None


def _cons_key(metrics: dict[str, Any]) -> str:
    # cons@k, or pass@k for a code benchmark (pass@1 itself when k is 1).
    return next((k for k in metrics if k.startswith("cons@") or (k.startswith("pass@") and k != "pass@1")), "pass@1")


def to_markdown(result: dict[str, Any]) -> str:
    m, s = result["metrics"], result["settings"]
    cons = _cons_key(m)
    lines = [
        f"# {result['benchmark']}: {result['model']}",
        "",
        f"| pass@1 | {cons} | answered | mean length | truncated | problems | samples |",
        "|---|---|---|---|---|---|---|",
        f"| {m['pass@1']:.4f} | {m[cons]:.4f} | {m['answered_rate']:.3f} | {m['mean_length']:.0f} | "
        f"{m['truncation_rate']:.3f} | {m['num_problems']} | {m['num_samples']} |",
        "",
        f"Sampling: k={s['k']}, temperature {s['temperature']}, top-p {s['top_p']}, at most {s['max_new_tokens']} new "
        f"tokens, seed {s['seed']}, backend {s['backend']}, {'chat template' if s['chat'] else 'plain prompt'}.",
        f"Dataset: {result['dataset']['id']} ({result['dataset']['config'] or 'default'}, "
        f"{result['dataset']['split']}){', first ' + str(s['limit']) if s['limit'] else ''}.",
        f"Instruction: {s['instruction']}",
        "",
    ]
    return "\n".join(lines)
