"""Rejection sampling for the SFT stage: scored samples written in resumable shards, the filters, the ranking.

The reasoning-RL model answers each training prompt n times; every sample is scored with the rewards RL used
(accuracy and format) and written, per shard of prompts, as a plain JSON row. The filters (`FILTERS`, in order)
and the per-prompt ranking run over all shards at the end, so changing a threshold never needs new samples.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..rewards import LanguageConsistencyReward, get_reward_funcs
from ..templates import READABLE_FORMAT, ReadableFormat, ResponseFormat
from .shards import SHARD_KEY_RE, atomic_write

__all__ = [
    "FILTERS",
    "RANKS",
    "RowShards",
    "apply_filters",
    "build_row_shards",
    "has_code_block",
    "score_samples",
    "select_per_prompt",
]

logger = logging.getLogger(__name__)

FILTERS = ("format", "correct", "language", "paragraph_length", "code_block", "duplicate")
RANKS = ("shortest", "longest", "first")

# An indented line that is not a continuation of prose: four spaces or a tab, then something.
_INDENTED_CODE_RE = re.compile(r"^(?: {4}|\t)\S", re.MULTILINE)


# ---------------------------------------------------------------------------------------------------------------
# Shards


class RowShards:
    """A directory of finished shards, `<key>.jsonl`, one JSON object per line; a shard exists whole or not at all.

    Temporary files start with a dot, so a shard being written when the run was killed is never read as finished.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not isinstance(key, str) or not SHARD_KEY_RE.fullmatch(key):
            raise ValueError(f"shards: key must be letters, digits, '_', '-' or '.', got {key!r}")
        return self.directory / f"{key}.jsonl"

    def done(self, key: str) -> bool:
        return self.path(key).is_file()

    def write(self, key: str, rows: Iterable[dict[str, Any]]) -> None:
        atomic_write(self.path(key), "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def read(self, key: str) -> list[dict[str, Any]]:
        with self.path(key).open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


def _check_manifest(shards: RowShards, name: str, jobs: list[dict], shard_size: int, settings: dict) -> None:
    """Refuse to resume shards cut from other prompts, another shard size or other sampling settings: mixing them
    would duplicate or lose samples, or blend two sampling setups, without a word."""
    payload = json.dumps(jobs, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    manifest = {
        "name": name,
        "shard_size": shard_size,
        "num_jobs": len(jobs),
        "jobs": hashlib.sha256(payload).hexdigest(),
        "settings": settings,
    }
    path = shards.directory / f"{name}.manifest.json"
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        if previous != manifest:
            changed = sorted(k for k in manifest if k != "settings" and previous.get(k) != manifest[k])
            old = previous.get("settings") or {}
            changed += sorted(k for k in {*old, *manifest["settings"]} if old.get(k) != manifest["settings"].get(k))
            raise ValueError(
                f"shards: {shards.directory} holds {name} shards from another run (differs in {', '.join(changed)});"
                f" use a new output_dir or delete {path.name} and the {name}-* shards"
            )
        return
    atomic_write(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def build_row_shards(
    directory: str | os.PathLike,
    name: str,
    jobs: list[dict],
    produce: Callable[[list[dict], int], list[dict[str, Any]]],
    shard_size: int,
    settings: dict | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Run `produce(chunk, shard_index)` over `jobs` in fixed shards `f"{name}-{i:05d}"` of `shard_size` jobs,
    skipping shards a previous run finished; return every row in job order and `{"shards", "resumed", "sampled"}`.

    A run killed part way and run again returns exactly what one uninterrupted run returns, as long as the jobs,
    shard size, `settings` (checked against a manifest) and a `produce` that depends only on its arguments are.
    """
    if not isinstance(shard_size, int) or shard_size <= 0:
        raise ValueError(f"shards: shard_size must be a positive integer, got {shard_size!r}")
    shards = RowShards(directory)
    _check_manifest(shards, name, jobs, shard_size, settings or {})
    plan = [(f"{name}-{i:05d}", jobs[s : s + shard_size]) for i, s in enumerate(range(0, len(jobs), shard_size))]
    todo = [(i, key, chunk) for i, (key, chunk) in enumerate(plan) if not shards.done(key)]
    progress = tqdm(
        total=len(jobs),
        initial=len(jobs) - sum(len(chunk) for _, _, chunk in todo),
        desc=f"{name} shards",
        unit="prompt",
        disable=not logger.isEnabledFor(logging.INFO),
    )
    with progress:
        for index, key, chunk in todo:
            shards.write(key, produce(chunk, index))
            progress.update(len(chunk))
    rows = [row for key, _ in plan for row in shards.read(key)]
    info = {"shards": len(plan), "resumed": len(plan) - len(todo), "sampled": len(todo)}
    logger.info(
        "%s: %d shards (%d resumed, %d sampled), %d rows", name, len(plan), info["resumed"], len(todo), len(rows)
    )
    return rows, info


# ---------------------------------------------------------------------------------------------------------------
# Scoring and filters


def score_samples(
    rows: list[dict[str, Any]],
    response_format: ResponseFormat | ReadableFormat = READABLE_FORMAT,
    timeout_s: float = 5.0,
) -> list[dict[str, Any]]:
    """`rows` (with `prompt`, `response`, `solution`, `lang`) with `accuracy`, `format` and `language` added.

    Accuracy and format are the registry's rewards, built as reasoning RL builds them, so a kept sample is one RL
    would have given full marks; language consistency is stored for the `language` filter. A reward's None (does
    not apply) is stored as None.
    """
    if not rows:
        return []
    accuracy, fmt = get_reward_funcs(["accuracy", "format"], response_format=response_format, timeout_s=timeout_s)
    language = LanguageConsistencyReward(response_format=response_format)
    kwargs = {
        "solution": [str(r["solution"]) for r in rows],
        # No `lang` lets the language reward take the prompt's language, as it does in RL.
        "lang": [r.get("lang") for r in rows],
        "prompts": [r["prompt"] for r in rows],
    }
    texts = [r["response"] for r in rows]
    scores = {name: reward(texts, **kwargs) for name, reward in (("accuracy", accuracy), ("format", fmt))}
    scores["language"] = language(texts, **kwargs)
    return [
        {**row, "accuracy": a, "format": f, "language": g}
        for row, a, f, g in zip(rows, scores["accuracy"], scores["format"], scores["language"], strict=True)
    ]


def has_code_block(text: str) -> bool:
    """Whether the text holds code: a ``` fence, or a line indented by four spaces or a tab (Markdown's code)."""
    return "```" in text or _INDENTED_CODE_RE.search(text) is not None


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _filter_checks(language_threshold: float, max_paragraph_chars: int) -> list[tuple[str, Callable[[dict], bool]]]:
    """The checks in `FILTERS` order; True keeps the sample. `duplicate` remembers what it let through, so the list
    is built fresh for each `apply_filters` call."""
    seen: set[tuple[str, str]] = set()

    def duplicate(row: dict) -> bool:
        key = (row["prompt"].strip(), _normalize(row["response"]))
        if key in seen:
            return False
        seen.add(key)
        return True

    checks: dict[str, Callable[[dict], bool]] = {
        "format": lambda r: r["format"] == 1.0,
        "correct": lambda r: r["accuracy"] == 1.0,
        # None (no known script to judge) is no evidence of one language: drop it.
        "language": lambda r: r["language"] is not None and r["language"] >= language_threshold,
        # A single newline counts as a break too: one overlong line is a wall of text however it is spaced.
        "paragraph_length": lambda r: all(len(p.strip()) <= max_paragraph_chars for p in r["response"].splitlines()),
        "code_block": lambda r: not has_code_block(r["response"]),
        "duplicate": duplicate,
    }
    return [(name, checks[name]) for name in FILTERS]


def apply_filters(
    rows: Iterable[dict[str, Any]], *, language_threshold: float = 1.0, max_paragraph_chars: int = 400
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The scored samples (see `score_samples`) that pass every filter, in input order, and the counts
    `{"input": n, <filter>: rejected, ..., "kept": n}`: each rejection counts once, under the first filter (in
    `FILTERS` order) that rejects it. Duplicates are the same prompt with the same whitespace-normalized response;
    the first is kept."""
    if not 0.0 <= language_threshold <= 1.0:
        raise ValueError(f"rejection sampling: language_threshold must be in [0, 1], got {language_threshold}")
    if max_paragraph_chars <= 0:
        raise ValueError(f"rejection sampling: max_paragraph_chars must be positive, got {max_paragraph_chars}")
    checks = _filter_checks(language_threshold, max_paragraph_chars)
    counts = {"input": 0, **dict.fromkeys(FILTERS, 0), "kept": 0}
    kept = []
    for row in rows:
        missing = [k for k in ("prompt", "response", "accuracy", "format", "language") if k not in row]
        if missing:
            raise ValueError(f"rejection sampling: sample is missing {missing}; score it with score_samples first")
        counts["input"] += 1
        rejected_by = next((name for name, check in checks if not check(row)), None)
        if rejected_by is None:
            counts["kept"] += 1
            kept.append(row)
        else:
            counts[rejected_by] += 1
    return kept, counts


def select_per_prompt(rows: Iterable[dict[str, Any]], keep: int, rank_by: str = "shortest") -> list[dict[str, Any]]:
    """At most `keep` rows per prompt, prompts in order of first appearance.

    `shortest` and `longest` rank by the response's length in characters (a stand-in for tokens that needs no
    tokenizer; on the demo's bilingual task the two order answers alike), ties in sample order; `first` keeps
    sample order. Rows of one prompt share `prompt_id` when present, else the same `prompt` text and `lang`.
    """
    if rank_by not in RANKS:
        raise ValueError(f"rejection sampling: rank_by must be one of {', '.join(RANKS)}, got {rank_by!r}")
    if keep < 1:
        raise ValueError(f"rejection sampling: keep must be at least 1, got {keep}")
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        key = row["prompt_id"] if "prompt_id" in row else (row["prompt"], row.get("lang"))
        groups.setdefault(key, []).append(row)
    out = []
    for group in groups.values():
        if rank_by == "shortest":
            group = sorted(group, key=lambda r: len(r["response"]))
        elif rank_by == "longest":
            group = sorted(group, key=lambda r: -len(r["response"]))
        out.extend(group[:keep])
    return out
