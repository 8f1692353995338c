"""`DIR/.nemo-batch.jsonl`: what each item did, one JSON line per state change, fsynced.

Appending (never rewriting) means a crash, a Ctrl-C or the backend going away loses at most
the line being written; a torn last line is skipped when read. A rerun reads the last line of
each item (by its key: the photos' bytes, the instruction, the title) to skip what was saved
and retry what was not.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import IO, Any

__all__ = ["MANIFEST_NAME", "Manifest", "read_manifest"]

MANIFEST_NAME = ".nemo-batch.jsonl"
VERSION = 1


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The last record of each item key (empty when there is no manifest yet)."""
    last: dict[str, dict[str, Any]] = {}
    try:
        with open(folder / MANIFEST_NAME, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                if isinstance(record, dict) and isinstance(record.get("key"), str):
                    last[record["key"]] = record
    except (OSError, UnicodeDecodeError):
        return {}
    return last


class Manifest:
    """The open manifest of this run (created 0600 when new)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST_NAME
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._fh: IO[str] = os.fdopen(fd, "a", encoding="utf-8")

    def append(self, **record: Any) -> None:
        record = {"v": VERSION, "at": round(time.time(), 3), **record}
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
