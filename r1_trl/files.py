"""Files in and out: writes that a kill at any moment leaves old or whole, datasets read from a file or the Hub, and
the one-line errors both give.

Every "cannot load X" in r1-trl ends with `first_line(err)`, so a missing file, an unreachable Hub and a malformed
dataset all read the same way: one line that names the thing and the reason, never the library's traceback.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

__all__ = [
    "DATA_FILE_BUILDERS",
    "atomic_write",
    "first_line",
    "is_data_file",
    "is_hub_id",
    "load_data",
    "write_json",
    "write_jsonl",
]

# The `datasets` builder for each data-file suffix; anything else is a Hub id or a dataset folder.
DATA_FILE_BUILDERS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv"}


def first_line(err: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none: the tail of a one-line error."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def is_hub_id(name: str | None) -> bool:
    """Whether `name` names a Hub repo: spelled as one (`name` or `org/name`) and not a path that exists here, which
    `from_pretrained` and `load_dataset` would read instead of the Hub's repo."""
    if not name or os.path.exists(os.path.expanduser(name)):
        return False
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


def is_data_file(spec: str) -> bool:
    return Path(spec).suffix in DATA_FILE_BUILDERS


def load_data(spec: str, what: str, split: str | None = "train", config: str | None = None) -> Any:
    """`datasets.load_dataset` on a data file (its rows are the `train` split) or on a Hub id or dataset folder;
    `split=None` gives every split. Any failure is one ValueError: "cannot load {what}: {reason}"."""
    from datasets import load_dataset

    try:
        if is_data_file(spec):
            if not Path(spec).is_file():
                raise FileNotFoundError(f"no such file: {spec}")
            if split not in (None, "train"):
                raise ValueError(f"a data file holds one split, 'train', not {split!r}")
            return load_dataset(DATA_FILE_BUILDERS[Path(spec).suffix], data_files=spec, split=split)
        return load_dataset(spec, config, split=split)
    except Exception as err:  # datasets raises many types for "not found" and "offline"; all mean the same here
        raise ValueError(f"cannot load {what}: {first_line(err)}") from err


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder (so the final rename is atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            # Without this a crash of the machine (not just the process) can leave a renamed but empty file.
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; records and datasets are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False))


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> None:
    atomic_write(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
