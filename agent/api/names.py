"""Safe file names for downloads: nothing outside the folder, nothing overwritten."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .partfiles import part_exists

__all__ = ["name_from_url", "safe_name", "unique_target"]

_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_BYTES = 200


def safe_name(name: str, default: str = "video.mp4", ext: str = ".mp4") -> str:
    """One path component: no separators, no `..`, not hidden, not empty, not too long."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _BAD.sub("_", name).strip().lstrip(".").strip()
    if name in ("", ".", "..") or not name.strip("_ "):
        return default
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ext.lstrip(".")
    suffix = suffix[:10] or ext.lstrip(".")
    encoded = stem.encode("utf-8")
    if len(encoded) > _MAX_BYTES:
        stem = encoded[:_MAX_BYTES].decode("utf-8", "ignore")
    return f"{stem}.{suffix}"


def name_from_url(url: str, default: str = "video.mp4") -> str:
    path = unquote(urlsplit(url).path)
    return safe_name(path.rsplit("/", 1)[-1], default)


def unique_target(folder: Path, name: str) -> Path:
    """`name`, else `stem-1.ext`, `stem-2.ext`…: neither it nor its `.part` may exist yet."""
    base = Path(name)
    stem, suffix = base.stem, base.suffix
    n = 0
    while True:
        candidate = folder / (name if n == 0 else f"{stem}-{n}{suffix}")
        if not candidate.exists() and not candidate.is_symlink() and not part_exists(candidate):
            return candidate
        n += 1
