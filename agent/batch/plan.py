"""The batch's items: their photos, instruction, video name and identity, before any start.

An item's key is the hash of its photos' bytes with its instruction and title: the same
photo asked the same thing again is the same item (a rerun skips it when its video is still
there); a changed photo or instruction is a new item. Names: `<first photo's stem>.mp4` (or the
spec's `output`); a name that is taken (by another item, or a file already in the folder that
this batch did not make) gets a suffix — nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .spec import SpecItem

__all__ = ["Item", "assign_names", "item_key", "make_items"]

DONE_STATES = ("saved", "skipped")


@dataclass
class Item:
    index: int
    photos: list[Path]
    instruction: str
    title: str | None = None
    output: str | None = None  # asked for in the spec
    line: int | None = None
    key: str = ""
    name: str = ""  # the video's file name in the output folder
    state: str = "queued"
    percent: float | None = None
    path: str | None = None
    duration: float | None = None
    reason: str = ""
    started: float | None = None
    finished: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        first = self.photos[0].name if self.photos else "?"
        return first if len(self.photos) == 1 else f"{first} +{len(self.photos) - 1}"

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES

    @property
    def finished_state(self) -> bool:
        return self.state in ("saved", "skipped", "failed", "cancelled", "not started")

    @property
    def seconds(self) -> float | None:
        if self.started is None:
            return None
        return (self.finished or time.monotonic()) - self.started


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def item_key(photos: list[Path], instruction: str, title: str | None) -> str:
    """The item's identity; blocking (reads the photos). An unreadable photo hashes its name:
    the item then fails at upload with the reason, and is retried on the next run."""
    digest = hashlib.sha256()
    for photo in photos:
        try:
            digest.update(_file_hash(photo).encode())
        except OSError:
            digest.update(f"unreadable:{photo}".encode())
    digest.update(b"\0" + instruction.encode("utf-8") + b"\0" + (title or "").encode("utf-8"))
    return digest.hexdigest()[:32]


def make_items(specs: list[SpecItem]) -> list[Item]:
    items = [
        Item(index=i, photos=s.photos, instruction=s.instruction, title=s.title, output=s.output,
             line=s.line)
        for i, s in enumerate(specs, start=1)
    ]
    for item in items:
        item.key = item_key(item.photos, item.instruction, item.title)
    return items


def _stem(item: Item) -> str:
    if item.output:
        return item.output[:-4] if item.output.lower().endswith(".mp4") else item.output
    stem = item.photos[0].stem if item.photos else "video"
    cleaned = "".join(c if c.isprintable() and c not in '/\\:*?"<>|' else "-" for c in stem)
    return cleaned.strip(" .") or "video"


def assign_names(items: list[Item], folder: Path, kept: dict[str, str]) -> None:
    """Give each item its video's name. `kept`: key → name of videos a rerun keeps (those
    names stay theirs); every other name is free only if no file has it."""
    taken = {name.lower() for name in kept.values()}
    for item in items:
        if item.key in kept:
            item.name = kept[item.key]
            continue
        stem = _stem(item)
        candidate, n = f"{stem}.mp4", 1
        while candidate.lower() in taken or (folder / candidate).exists():
            n += 1
            candidate = f"{stem}-{n}.mp4"
        taken.add(candidate.lower())
        item.name = candidate
