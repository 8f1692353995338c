"""Serving stored files (uploads' cdn_url, renders' output.url) with HTTP Range.

Only single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`), which is what download
resumers send; anything else gets the whole file. Faults can make a reply ignore Range or
close the connection after some bytes (a truncated download).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from backend.context import backend_of, faults_for
from backend.envelope import ApiFailure, message
from backend.faults import Fault, first
from backend.streaming import DROP, BreakableStream

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_CHUNK = 64 * 1024

CONTENT_TYPES = {
    "mp4": "video/mp4", "mov": "video/quicktime", "avi": "video/x-msvideo", "webm": "video/webm",
    "mkv": "video/x-matroska", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "gif": "image/gif", "webp": "image/webp", "mp3": "audio/mpeg", "wav": "audio/wav",
    "m4a": "audio/mp4", "aac": "audio/aac",
}


def _read(path: Path, start: int, length: int, cut_after: int | None) -> Iterator[bytes]:
    sent = 0
    with path.open("rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(_CHUNK, remaining))
            if not chunk:
                return
            if cut_after is not None and sent + len(chunk) >= cut_after:
                yield chunk[: max(0, cut_after - sent)]
                yield DROP  # the connection breaks here, as a network failure would
            sent += len(chunk)
            remaining -= len(chunk)
            yield chunk


def file_response(request: Request, path: Path, faults: list[Fault], *,
                  download_name: str | None = None) -> Response:
    if not path.is_file():
        raise ApiFailure(404, message("file_not_found"), status=404)
    size = path.stat().st_size
    ext = path.suffix.lstrip(".").lower()
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    start, length, status = 0, size, 200
    wanted = request.headers.get("range")
    match = _RANGE.match(wanted.strip()) if wanted else None
    if match and not first(faults, "ignore_range"):
        a, b = match.groups()
        if a:
            start = int(a)
            end = min(int(b), size - 1) if b else size - 1
        elif b:
            start, end = max(0, size - int(b)), size - 1
        else:
            start, end = 0, size - 1
        if start >= size or end < start:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        length, status = end - start + 1, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(length)
    drop = first(faults, "drop")
    cut = (drop.after_bytes if drop.after_bytes is not None else 1024) if drop else None
    return BreakableStream(_read(path, start, length, cut), status_code=status,
                             headers=headers,
                             media_type=CONTENT_TYPES.get(ext, "application/octet-stream"))


async def serve_stored(request: Request) -> Response:
    """GET /files/{kind}/{name}: public, unguessable names, like a CDN."""
    faults = await faults_for(request, "files")
    be = backend_of(request)
    name = request.path_params["name"]
    folder = {"uploads": be.uploads_dir, "renders": be.renders_dir}.get(request.path_params["kind"])
    if folder is None or not _NAME.match(name) or name.startswith("."):
        raise ApiFailure(404, message("file_not_found"), status=404)
    return file_response(request, folder / name, faults)
