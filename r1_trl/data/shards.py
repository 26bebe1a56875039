"""Generation written in fixed, atomically written shards, so a killed run resumes with nothing lost or repeated."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm.auto import tqdm

from .cold_start import METHODS, ColdStartExample

__all__ = ["SHARD_KEY_RE", "ShardWriter", "atomic_write", "build_resumable"]

logger = logging.getLogger(__name__)

SHARD_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so that a kill at any moment leaves either the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            # Without this a crash of the machine (not just the process) can leave a renamed but empty shard.
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ShardWriter:
    """A directory of finished shards, `<key>.jsonl`, one `ColdStartExample` per line.

    A shard either exists whole or not at all (written to a temporary file and renamed into place), so `done`
    after a kill never reports a half-written shard as finished. Temporary files start with a dot and are ignored.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not isinstance(key, str) or not SHARD_KEY_RE.fullmatch(key):
            raise ValueError(f"cold start: shard key must be letters, digits, '_', '-' or '.', got {key!r}")
        return self.directory / f"{key}.jsonl"

    def done(self, key: str) -> bool:
        return self.path(key).is_file()

    def write(self, key: str, examples: Iterable[ColdStartExample]) -> None:
        lines = [json.dumps(ex.to_dict(), ensure_ascii=False) + "\n" for ex in examples]
        atomic_write(self.path(key), "".join(lines))

    def read(self, key: str) -> list[ColdStartExample]:
        path = self.path(key)
        with path.open(encoding="utf-8") as f:
            return [ColdStartExample.from_dict(json.loads(line)) for line in f if line.strip()]

    def keys(self) -> list[str]:
        return sorted(p.name[: -len(".jsonl")] for p in self.directory.glob("*.jsonl") if not p.name.startswith("."))

    def read_all(self) -> list[ColdStartExample]:
        """Every finished shard's examples, shards in sorted key order."""
        return [ex for key in self.keys() for ex in self.read(key)]


def _jobs_fingerprint(jobs: list[dict]) -> str:
    payload = json.dumps(jobs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _check_manifest(writer: ShardWriter, method: str, jobs: list[dict], shard_size: int) -> None:
    """Refuse to resume shards cut from other jobs or another shard size: the finished shards would then cover a
    different split of the work, and resuming would duplicate or lose examples silently."""
    manifest = {"method": method, "shard_size": shard_size, "num_jobs": len(jobs), "jobs": _jobs_fingerprint(jobs)}
    path = writer.directory / f"{method}.manifest.json"
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        if previous != manifest:
            raise ValueError(
                f"cold start: {writer.directory} holds {method} shards from other jobs or another shard size "
                f"({previous.get('num_jobs')} jobs, shard_size {previous.get('shard_size')}; now {len(jobs)} jobs, "
                f"shard_size {shard_size}); use a new directory or delete {path.name} and the {method}-* shards"
            )
        return
    atomic_write(path, json.dumps(manifest, indent=2) + "\n")


def build_resumable(
    directory: str | os.PathLike,
    method: str,
    jobs: list[dict],
    produce: Callable[[list[dict]], list[ColdStartExample]],
    shard_size: int,
) -> list[ColdStartExample]:
    """Run `produce` over `jobs` in fixed shards `f"{method}-{i:05d}"` of `shard_size` jobs, skipping shards a
    previous run finished, and return every example of this method in job order.

    A run killed part way and run again returns exactly what one uninterrupted run returns, as long as `jobs`,
    `shard_size` and `produce` are the same (jobs and shard size are checked against a manifest). A shard for
    which `produce` returns nothing is still finished: it is not generated again.
    """
    if not isinstance(shard_size, int) or shard_size <= 0:
        raise ValueError(f"cold start: shard_size must be a positive integer, got {shard_size!r}")
    if method not in METHODS:
        raise ValueError(f"cold start: unknown method {method!r}; known: {', '.join(METHODS)}")
    writer = ShardWriter(directory)
    _check_manifest(writer, method, jobs, shard_size)
    shards = [
        (f"{method}-{i:05d}", jobs[start : start + shard_size])
        for i, start in enumerate(range(0, len(jobs), shard_size))
    ]
    todo = [(key, chunk) for key, chunk in shards if not writer.done(key)]
    resumed = len(shards) - len(todo)
    progress = tqdm(
        total=len(jobs),
        initial=len(jobs) - sum(len(chunk) for _, chunk in todo),
        desc=f"cold start {method}",
        unit="job",
        disable=not logger.isEnabledFor(logging.INFO),
    )
    with progress:
        for key, chunk in todo:
            examples = list(produce(chunk))
            for ex in examples:
                if not isinstance(ex, ColdStartExample) or ex.method != method:
                    raise ValueError(
                        f"cold start: produce for {method!r} returned {ex!r}; expected ColdStartExample with "
                        f"method={method!r}"
                    )
            writer.write(key, examples)
            progress.update(len(chunk))
    out = [ex for key, _ in shards for ex in writer.read(key)]
    logger.info(
        "cold start %s: %d shards (%d resumed, %d generated), %d examples",
        method,
        len(shards),
        resumed,
        len(todo),
        len(out),
    )
    return out


# ---------------------------------------------------------------------------------------------------------------
# Mix
