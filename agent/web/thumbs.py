"""Small JPEG thumbnails of the session's photos, made once per photo and kept on disk.

The page never gets a full image: a 16:9 box of at most 320×180 pixels, JPEG quality 78,
a few kilobytes. The cache key is the photo's path, size and modification time, so an edited
photo gets a new thumbnail and an unchanged one is never decoded twice. The file is written
beside its final name and renamed into place: a half-written thumbnail is never served.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

__all__ = ["ThumbCache", "default_cache_dir"]

BOX = (320, 180)
QUALITY = 78
MAX_SOURCE_BYTES = 200 * 1024 * 1024  # larger than any photo we accept: not decoded


def default_cache_dir() -> Path:
    """NEMO_CACHE_DIR, else the platform's cache folder for nemo-chat."""
    override = os.environ.get("NEMO_CACHE_DIR", "").strip()
    if override:
        return Path(override).expanduser() / "thumbs"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nemo-chat")) / "thumbs"


class ThumbCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made = 0  # thumbnails decoded and written by this cache (tests count them)
        self._lock = threading.Lock()

    def _key(self, photo: Path) -> str | None:
        try:
            info = photo.stat()
        except OSError:
            return None
        if info.st_size > MAX_SOURCE_BYTES:
            return None
        raw = f"{photo.resolve()}|{info.st_size}|{info.st_mtime_ns}|{BOX}|{QUALITY}"
        return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def thumbnail(self, photo: Path) -> Path | None:
        """The thumbnail's file (made now if needed); None when the photo cannot be read."""
        key = self._key(photo)
        if key is None:
            return None
        final = self.folder / f"{key}.jpg"
        if final.is_file():
            return final
        with self._lock:  # two requests for one new photo decode it once
            if final.is_file():
                return final
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                data = _make(photo)
            except Exception:
                return None
            part = final.with_suffix(f".{os.getpid()}.part")
            part.write_bytes(data)
            os.replace(part, final)
            self.made += 1
        return final


def _make(photo: Path) -> bytes:
    import io

    from PIL import Image, ImageOps

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except Exception:
        pass
    with Image.open(photo) as img:
        img.draft("RGB", (BOX[0] * 2, BOX[1] * 2))  # JPEG: decode at a fraction of the size
        small = ImageOps.exif_transpose(img) or img
        small = small.convert("RGB")
        small.thumbnail(BOX, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=QUALITY, optimize=True)
        return out.getvalue()
