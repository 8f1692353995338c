"""Previews kept by a hash of the draft, in the user's cache folder, bounded in size.

Asking again for an unchanged timeline answers at once, and an export of a draft whose preview
was a full render (the service) reuses its file. One entry is one folder named by the key,
holding `preview.mp4`, `sheet.png` and `entry.json`. An entry is built in a hidden staging
folder beside the others and renamed into place in one step, so a reader sees a whole entry or
none; when two processes build the same key, the first rename wins and the other's copy is
dropped (renaming onto a folder that exists fails). The folder's size is kept under a bound by
removing the least recently used entries (a hit touches `entry.json`); an entry being removed
is first renamed away, so it never looks half-deleted.

The cache lives in `platformdirs.user_cache_dir("nemo-chat")/previews` (on Linux
`$XDG_CACHE_HOME/nemo-chat/previews`, else `~/.cache/…`), never in the export folder.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CacheEntry", "CacheError", "PreviewCache", "default_root", "draft_key"]

MAX_BYTES = 500 * 1024 * 1024  # the whole cache; a 30-s draft preview is ~1 MB, a 1080p one ~10
MIN_FREE = 64 * 1024 * 1024  # do not start a preview with less free space than this
STALE_STAGING = 3600.0  # seconds: a staging folder this old was left by a process that died
ENTRY = "entry.json"
VIDEO = "preview.mp4"
SHEET = "sheet.png"


class CacheError(Exception):
    """The cache folder cannot take the preview: `reason` is "no_space" or "unwritable"."""

    def __init__(self, reason: str, folder: Path, detail: str = "") -> None:
        super().__init__(f"{reason}: {folder} {detail}".strip())
        self.reason = reason
        self.folder = folder
        self.detail = detail


@dataclass(frozen=True)
class CacheEntry:
    folder: Path
    meta: dict[str, Any]

    @property
    def video(self) -> Path:
        return self.folder / VIDEO

    @property
    def sheet(self) -> Path:
        return self.folder / SHEET


def default_root() -> Path:
    """NEMO_CACHE_DIR/previews, else the platform's cache folder (beside the web page's thumbs)."""
    override = os.environ.get("NEMO_CACHE_DIR", "").strip()
    if override:
        return Path(override).expanduser() / "previews"
    import platformdirs

    return Path(platformdirs.user_cache_dir("nemo-chat", appauthor=False)) / "previews"


def draft_key(draft: dict[str, Any], *, quality: str, backend: str) -> str:
    """The entry name: a hash of the draft as sent (keys sorted), the quality and the backend."""
    canonical = json.dumps(
        {"draft": draft, "quality": quality, "backend": backend},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _size(folder: Path) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for item in folder.iterdir():
            with contextlib.suppress(OSError):
                total += item.stat().st_size
    return total


def _no_space(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


class PreviewCache:
    def __init__(self, root: Path | None = None, *, max_bytes: int | None = None,
                 min_free: int | None = None) -> None:
        self.root = root if root is not None else default_root()
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        self.min_free = MIN_FREE if min_free is None else min_free

    # -- reading -------------------------------------------------------------------------------
    def get(self, key: str) -> CacheEntry | None:
        """The entry, touched as used now; None when missing or incomplete."""
        folder = self.root / key
        try:
            meta = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or not (folder / SHEET).is_file():
            return None
        if meta.get("video") and not (folder / VIDEO).is_file():
            return None
        with contextlib.suppress(OSError):
            os.utime(folder / ENTRY)
        return CacheEntry(folder, meta)

    # -- writing -------------------------------------------------------------------------------
    def check_space(self) -> None:
        """Before a preview starts: the folder can be made and has room (CacheError if not)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.root).free
        except OSError as exc:
            raise CacheError("no_space" if _no_space(exc) else "unwritable", self.root,
                             exc.strerror or "") from None
        if free < self.min_free:
            raise CacheError("no_space", self.root)

    @contextlib.contextmanager
    def staging(self, key: str) -> Iterator[Path]:
        """A private folder to build entry `key` in; published when the block ends well.

        Removed on any failure (nothing half-written stays); a disk that fills up becomes
        CacheError("no_space").
        """
        self.check_space()
        folder = self.root / f".staging-{key}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            folder.mkdir()
            yield folder
            self._publish(folder, key)
        except OSError as exc:
            if _no_space(exc):
                raise CacheError("no_space", self.root) from None
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.evict(keep=key)

    def write_meta(self, folder: Path, meta: dict[str, Any]) -> None:
        (folder / ENTRY).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def _publish(self, folder: Path, key: str) -> None:
        if not (folder / ENTRY).is_file():
            self.write_meta(folder, {"created": time.time()})
        target = self.root / key
        try:
            os.rename(folder, target)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                raise
            # another writer published the same key first: theirs stays, ours is dropped
            if self.get(key) is None:  # theirs is broken (a crash mid-removal): replace it
                self._remove(target)
                os.rename(folder, target)

    # -- bounding ------------------------------------------------------------------------------
    def entries(self) -> list[tuple[float, int, Path]]:
        """(last used, bytes, folder) of every published entry."""
        found = []
        with contextlib.suppress(OSError):
            for folder in self.root.iterdir():
                if folder.name.startswith(".") or not folder.is_dir():
                    continue
                try:
                    used = (folder / ENTRY).stat().st_mtime
                except OSError:
                    used = 0.0
                found.append((used, _size(folder), folder))
        return sorted(found)

    def evict(self, keep: str | None = None) -> int:
        """Remove the least recently used entries until the cache fits; bytes freed."""
        self._sweep_staging()
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        freed = 0
        for _, size, folder in entries:
            if total <= self.max_bytes:
                break
            if folder.name == keep:
                continue
            self._remove(folder)
            total -= size
            freed += size
        return freed

    def _remove(self, folder: Path) -> None:
        doomed = folder.with_name(f".removing-{folder.name}-{secrets.token_hex(4)}")
        try:
            os.rename(folder, doomed)
        except OSError:
            return  # already gone (another process evicted it)
        shutil.rmtree(doomed, ignore_errors=True)

    def _sweep_staging(self) -> None:
        now = time.time()
        with contextlib.suppress(OSError):
            for folder in self.root.iterdir():
                if folder.name.startswith((".staging-", ".removing-")):
                    with contextlib.suppress(OSError):
                        if now - folder.stat().st_mtime > STALE_STAGING:
                            shutil.rmtree(folder, ignore_errors=True)
