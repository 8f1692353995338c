"""Checks before an upload, HEIC→PNG conversion, and a multipart body streamed from disk.

httpx's own multipart encoder reads files with blocking calls on the event loop (httpx#1620);
this body reads each 256 KiB piece in a worker thread, so memory stays flat whatever the file
size and the loop keeps serving the terminal. Content-Length is exact, so nothing is chunked.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import SUPPORTED_FORMATS, UPLOAD_LIMIT_BYTES, LocalFileError
from .models import UploadProgress
from .observe import FileSummary

__all__ = ["CHUNK", "MultipartBody", "PreparedFile", "cleanup", "prepare_file"]

CHUNK = 256 * 1024
HEIC_EXTS = {"heic", "heif"}


@dataclass
class PreparedFile:
    source: Path  # what the person gave us (never modified)
    send_path: Path  # what is read (a temporary PNG for HEIC)
    name: str  # the filename sent in the form
    size: int
    temp_dir: Path | None = None


def _check_regular(path: Path, limit: int) -> int:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LocalFileError(path, "missing") from None
    except PermissionError:
        raise LocalFileError(path, "unreadable") from None
    except OSError as exc:
        raise LocalFileError(path, "missing", exc.strerror) from None
    if not stat.S_ISREG(st.st_mode):
        raise LocalFileError(path, "not_a_file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError:
        raise LocalFileError(path, "unreadable") from None
    if st.st_size > limit:
        raise LocalFileError(path, "too_large", f"{st.st_size / 1e6:.0f} MB")
    return st.st_size


def prepare_file(path: Path, limit: int = UPLOAD_LIMIT_BYTES) -> PreparedFile:
    """Refuse what the service would refuse, before a byte is sent. Blocking (run in a thread)."""
    path = Path(path).expanduser()
    size = _check_regular(path, limit)
    target = _link_target(path)
    if target is not None and not _is_media(target):
        # photo.jpg → /etc/passwd: the name promised a photo, the link leads elsewhere
        raise LocalFileError(path, "link_not_media", target=target)
    read = target or path  # what was checked is what is sent
    ext = path.suffix.lower().lstrip(".")
    if ext in HEIC_EXTS:
        return _convert_heic(read, limit, source=path)
    if ext not in SUPPORTED_FORMATS:
        raise LocalFileError(path, "unsupported")
    return PreparedFile(path, read, path.name, size)


def _link_target(path: Path) -> Path | None:
    """The real file when `path` (or a folder on the way) is a symbolic link, else None."""
    real = os.path.realpath(path)
    return Path(real) if real != os.path.abspath(path) else None


# how each supported kind of file begins: (offset, bytes)
_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),  # jpeg
    (0, b"\x89PNG\r\n\x1a\n"),
    (0, b"GIF8"),
    (8, b"WEBP"), (8, b"WAVE"), (8, b"AVI "),  # RIFF containers
    (4, b"ftyp"), (4, b"moov"), (4, b"mdat"), (4, b"wide"), (4, b"free"),  # mp4, mov, m4a, heic
    (0, b"\x1a\x45\xdf\xa3"),  # webm, mkv
    (0, b"ID3"),  # mp3 with tags
)


def _is_media(real: Path) -> bool:
    """A supported media file by its real name and by how it begins."""
    ext = real.suffix.lower().lstrip(".")
    if ext not in SUPPORTED_FORMATS and ext not in HEIC_EXTS:
        return False
    try:
        with open(real, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    if any(head[at : at + len(magic)] == magic for at, magic in _MAGIC):
        return True
    # MPEG audio (mp3 without tags, AAC in ADTS): a frame sync of eleven or twelve set bits
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and ext in (
        "mp3", "aac"
    )


def _convert_heic(path: Path, limit: int, *, source: Path) -> PreparedFile:
    temp_dir = Path(tempfile.mkdtemp(prefix="nemo-heic-"))
    target = temp_dir / (source.stem + ".png")
    try:
        import pillow_heif
        from PIL import Image, ImageOps

        pillow_heif.register_heif_opener()
        with Image.open(path) as img:
            img.load()
            rotated = ImageOps.exif_transpose(img)
            if rotated.mode not in ("RGB", "RGBA", "L", "LA", "I;16"):
                rotated = rotated.convert("RGBA" if "A" in rotated.getbands() else "RGB")
            rotated.save(target, format="PNG")
    except Exception as exc:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise LocalFileError(source, "heic_failed", type(exc).__name__) from None
    size = target.stat().st_size
    if size > limit:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise LocalFileError(source, "too_large", "after conversion to PNG")
    return PreparedFile(source, target, target.name, size, temp_dir)


def cleanup(files: list[PreparedFile]) -> None:
    for f in files:
        if f.temp_dir is not None:
            shutil.rmtree(f.temp_dir, ignore_errors=True)


def _quote(name: str) -> str:
    """A filename for Content-Disposition, escaped the way browsers do (HTML5)."""
    return name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """`files` parts for each prepared file; iterable more than once (a retry re-reads).

    Progress counts file bytes handed to the connection (`total` = the files' sizes).
    """

    def __init__(
        self,
        files: list[PreparedFile],
        field: str = "files",
        on_progress: Callable[[UploadProgress], None] | None = None,
        want_hash: bool = False,
    ) -> None:
        self.files = files
        self.boundary = uuid.uuid4().hex
        self.on_progress = on_progress
        self.want_hash = want_hash
        self.summaries: list[FileSummary] = []
        self._heads: list[bytes] = []
        for f in files:
            ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
            head = (
                f"--{self.boundary}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{_quote(f.name)}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n"
            ).encode()
            self._heads.append(head)
        self._tail = f"--{self.boundary}--\r\n".encode()
        self.file_bytes = sum(f.size for f in files)
        self.length = sum(
            len(h) + f.size + 2 for h, f in zip(self._heads, files, strict=True)
        ) + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        self.summaries = []
        count = len(self.files)
        for index, (head, f) in enumerate(zip(self._heads, self.files, strict=True)):
            yield head
            digest = hashlib.sha256() if self.want_hash else None
            remaining = f.size
            fh = await asyncio.to_thread(open, f.send_path, "rb")
            ahead: asyncio.Future[bytes] | None = None
            try:
                # read the next piece in a worker thread while this one is being sent
                ahead = _read_ahead(fh, min(CHUNK, remaining), digest) if remaining else None
                while ahead is not None:
                    piece = await ahead
                    ahead = None
                    if not piece:
                        raise LocalFileError(f.source, "changed")
                    remaining -= len(piece)
                    if remaining > 0:
                        ahead = _read_ahead(fh, min(CHUNK, remaining), digest)
                    sent += len(piece)
                    yield piece
                    if self.on_progress is not None:
                        self.on_progress(
                            UploadProgress(
                                sent=sent,
                                total=self.file_bytes,
                                filename=f.name,
                                file_index=index,
                                file_count=count,
                            )
                        )
            finally:
                if ahead is not None:  # stopped early: let the pending read finish first
                    with contextlib.suppress(Exception):
                        await asyncio.shield(ahead)
                with contextlib.suppress(OSError):
                    fh.close()
            yield b"\r\n"
            self.summaries.append(
                FileSummary(name=f.name, size=f.size, sha256=digest.hexdigest() if digest else None)
            )
        yield self._tail


def _read_ahead(fh: BinaryIO, n: int, digest: Any) -> asyncio.Future[bytes]:
    return asyncio.get_running_loop().run_in_executor(None, _read_piece, fh, n, digest)


def _read_piece(fh: BinaryIO, n: int, digest: Any) -> bytes:
    piece = fh.read(n)
    if digest is not None and piece:
        digest.update(piece)
    return piece
