"""Generation written in fixed, atomically written shards, so a killed run resumes with nothing lost or repeated.

One mechanism for every data stage: `build_row_shards` cuts the jobs into shards, skips the ones a previous run
finished, checks a manifest so a rerun with other jobs, shard size or settings cannot mix into the old shards, and
returns every row in job order.
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

from ..files import atomic_write

__all__ = ["SHARD_KEY_RE", "RowShards", "build_row_shards"]


logger = logging.getLogger(__name__)

SHARD_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class RowShards:
    """A directory of finished shards, `<key>.jsonl`, one JSON object per line.

    A shard either exists whole or not at all (written to a temporary file and renamed into place), so `done`
    after a kill never reports a half-written shard as finished. Temporary files start with a dot and are ignored.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not isinstance(key, str) or not SHARD_KEY_RE.fullmatch(key):
            raise ValueError(f"shards: shard key must be letters, digits, '_', '-' or '.', got {key!r}")
        return self.directory / f"{key}.jsonl"

    def done(self, key: str) -> bool:
        return self.path(key).is_file()

    def write(self, key: str, rows: Iterable[Any]) -> None:
        atomic_write(self.path(key), "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def read(self, key: str) -> list[Any]:
        with self.path(key).open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def keys(self) -> list[str]:
        return sorted(p.name[: -len(".jsonl")] for p in self.directory.glob("*.jsonl") if not p.name.startswith("."))

    def read_all(self) -> list[Any]:
        """Every finished shard's rows, shards in sorted key order."""
        return [row for key in self.keys() for row in self.read(key)]


def _check_manifest(shards: RowShards, name: str, jobs: list[dict], shard_size: int, settings: dict) -> None:
    """Refuse to resume shards cut from other jobs, another shard size or other settings: the finished shards would
    then cover a different split of the work or another setup, and resuming would mix them without a word."""
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
            changed += sorted(k for k in {*old, *settings} if old.get(k) != settings.get(k))
            raise ValueError(
                f"shards: {shards.directory} holds {name} shards from other jobs, another shard size or other "
                f"settings (differs in {', '.join(changed)}; before: {previous.get('num_jobs')} jobs, shard_size "
                f"{previous.get('shard_size')}); use a new directory or delete {path.name} and the {name}-* shards"
            )
        return
    atomic_write(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def build_row_shards(
    directory: str | os.PathLike,
    name: str,
    jobs: list[dict],
    produce: Callable[[list[dict], int], list[Any]],
    shard_size: int,
    settings: dict | None = None,
    shards: RowShards | None = None,
    rank: int = 0,
    world: int = 1,
) -> tuple[list[Any], dict[str, int]]:
    """Run `produce(chunk, shard_index)` over `jobs` in fixed shards `f"{name}-{i:05d}"` of `shard_size` jobs,
    skipping shards a previous run finished; return every row in job order and `{"shards", "resumed", "sampled"}`.

    A run killed part way and run again returns exactly what one uninterrupted run returns, as long as the jobs,
    shard size, `settings` (checked against a manifest) and a `produce` that depends only on its arguments are.
    `shards` chooses how rows are stored (default: `RowShards(directory)`, plain JSON objects).

    Data-parallel use (`world` > 1): this process produces only the shards with `index % world == rank` and returns
    no rows; once every process has finished (a barrier the caller holds), one call with `world=1` reads them all.
    """
    if not isinstance(shard_size, int) or shard_size <= 0:
        raise ValueError(f"shards: shard_size must be a positive integer, got {shard_size!r}")
    if not 0 <= rank < world:
        raise ValueError(f"shards: rank must be in [0, world), got rank {rank} of {world}")
    shards = shards if shards is not None else RowShards(directory)
    _check_manifest(shards, name, jobs, shard_size, settings or {})
    plan = [(f"{name}-{i:05d}", jobs[s : s + shard_size]) for i, s in enumerate(range(0, len(jobs), shard_size))]
    todo = [(i, key, chunk) for i, (key, chunk) in enumerate(plan) if i % world == rank and not shards.done(key)]
    progress = tqdm(
        total=len(jobs),
        initial=len(jobs) - sum(len(chunk) for _, _, chunk in todo),
        desc=f"{name} shards",
        unit="job",
        disable=not logger.isEnabledFor(logging.INFO),
    )
    with progress:
        for index, key, chunk in todo:
            shards.write(key, produce(chunk, index))
            progress.update(len(chunk))
    info = {"shards": len(plan), "resumed": len(plan) - len(todo), "sampled": len(todo)}
    if world > 1:
        return [], info
    rows = [row for key, _ in plan for row in shards.read(key)]
    logger.info(
        "%s: %d shards (%d resumed, %d generated), %d rows", name, len(plan), info["resumed"], len(todo), len(rows)
    )
    return rows, info
