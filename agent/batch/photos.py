"""Photo arguments → photo files: folders and globs expand to their supported images, sorted.

A file named outright is taken as it is (when it is not an image, its item fails with the
upload's own reason and the others go on); a folder or a pattern gives only the images it
holds (the upload's formats), so a folder's notes or videos are not turned into items.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

__all__ = ["expand_photos", "image_extensions", "is_image_name"]


def image_extensions() -> frozenset[str]:
    from agent.core import IMAGE_EXTENSIONS

    return IMAGE_EXTENSIONS


def is_image_name(path: Path) -> bool:
    return path.suffix.lower().lstrip(".") in image_extensions()


def _folder_images(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    return [p for p in entries if p.is_file() and not p.name.startswith(".") and is_image_name(p)]


def expand_photos(args: list[str], base: Path | None = None) -> tuple[list[Path], list[str]]:
    """(the photos, in order, each once; the arguments that named nothing)."""
    found: list[Path] = []
    seen: set[Path] = set()
    missing: list[str] = []

    def take(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for raw in args:
        text = os.path.expanduser(raw)
        path = Path(text) if base is None or os.path.isabs(text) else base / text
        if path.is_dir():
            for item in _folder_images(path):
                take(item)
        elif path.exists():
            take(path)
        elif glob.has_magic(text):
            pattern = str(path)
            matches = [Path(m) for m in sorted(glob.glob(pattern))]
            images = [m for m in matches if m.is_file() and is_image_name(m)]
            if not images:
                missing.append(raw)
            for item in images:
                take(item)
        else:
            missing.append(raw)
    return found, missing
