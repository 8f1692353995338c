"""POST /api/upload-video/nemo_agent/me/<sid>: multipart `files` (repeatable) or JSON URLs.

The body is parsed as it arrives (python-multipart's push parser), each file part written to
a temp file under the data folder; a part that passes the size limit stops being written at
once and its temp file is deleted, the rest of the body is drained without being kept, and
the call answers 4002 — so a 2 GB upload costs neither memory nor disk. The type is decided
by the bytes (`backend.media.sniff`), not the name: a renamed text file gets 4001.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response

from backend.context import Backend, backend_of, faults_for, require_session, require_user
from backend.envelope import ApiFailure, message, ok
from backend.media import SUPPORTED_EXTS, MediaError, probe, sniff

_CHUNK = 64 * 1024


def sanitize_name(name: str, fallback: str = "file") -> str:
    """A file name safe to show and store: no folders, no control characters, no leading dot."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" ._")
    return name[:120] or fallback


def stored_name(media_id: str, name: str, ext: str) -> str:
    stem = sanitize_name(name).rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:60] or "file"
    return f"{media_id}_{stem}.{ext}"


@dataclass
class _Part:
    filename: str
    path: Path
    size: int = 0
    too_large: bool = False
    fh: IO[bytes] | None = None
    head: bytes = b""


@dataclass
class _Collector:
    """Callbacks of the push parser: where each part's bytes go."""

    tmp_dir: Path
    limit: int
    parts: list[_Part] = field(default_factory=list)
    _headers: dict[str, bytes] = field(default_factory=dict)
    _field: bytes = b""
    _value: bytes = b""
    _current: _Part | None = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value  # raw: UTF-8 names
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._headers = {}
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if name != "files" or filename is None:
            self._current = None
            return
        path = self.tmp_dir / f"up_{secrets.token_hex(8)}.part"
        part = _Part(filename=filename.decode("utf-8", "replace"), path=path)
        part.fh = path.open("wb")
        self.parts.append(part)
        self._current = part

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current
        if part is None or part.too_large or part.fh is None:
            return
        chunk = data[start:end]
        part.size += len(chunk)
        if part.size > self.limit:
            part.too_large = True
            part.fh.close()
            part.fh = None
            part.path.unlink(missing_ok=True)
            return
        if len(part.head) < 64:
            part.head += chunk[: 64 - len(part.head)]
        part.fh.write(chunk)

    def on_part_end(self) -> None:
        if self._current is not None and self._current.fh is not None:
            self._current.fh.close()
            self._current.fh = None
        self._current = None

    def discard(self) -> None:
        for part in self.parts:
            if part.fh is not None:
                part.fh.close()
            part.path.unlink(missing_ok=True)


async def upload(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "upload")
    user = require_user(request)
    session_id = request.path_params["session_id"]
    require_session(request, user, session_id)
    be.tmp_dir.mkdir(parents=True, exist_ok=True)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        parts = await _receive_multipart(request, be)
    elif "json" in ctype:
        parts = await _receive_urls(request, be)
    else:
        raise ApiFailure(4001, message("no_files"))
    try:
        files = [await asyncio.to_thread(_finish, be, session_id, part, request) for part in parts]
    finally:
        for part in parts:
            part.path.unlink(missing_ok=True)
    return ok({"files": files})


async def _receive_multipart(request: Request, be: Backend) -> list[_Part]:
    _, params = parse_options_header(request.headers["content-type"])
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiFailure(4001, message("no_files"))
    sink = _Collector(be.tmp_dir, be.settings.max_upload_bytes)
    parser = MultipartParser(boundary, {
        "on_header_field": sink.on_header_field, "on_header_value": sink.on_header_value,
        "on_header_end": sink.on_header_end, "on_headers_finished": sink.on_headers_finished,
        "on_part_data": sink.on_part_data, "on_part_end": sink.on_part_end,
    })
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except Exception:
        sink.discard()
        raise
    big = next((p for p in sink.parts if p.too_large), None)
    if big is not None:
        sink.discard()
        raise ApiFailure(4002, message("file_too_large", name=sanitize_name(big.filename),
                                       limit_mb=be.settings.max_upload_bytes // (1024 * 1024)),
                         data={"limit": be.settings.max_upload_bytes})
    if not sink.parts:
        raise ApiFailure(4001, message("no_files"))
    return sink.parts


async def _receive_urls(request: Request, be: Backend) -> list[_Part]:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ApiFailure(4001, message("bad_json")) from None
    urls = body.get("urls") if isinstance(body, dict) else None
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise ApiFailure(4001, message("no_files"))
    parts: list[_Part] = []
    try:
        for url in urls:
            parts.append(await asyncio.to_thread(_fetch, url, be))
    except BaseException:
        for part in parts:
            part.path.unlink(missing_ok=True)
        raise
    return parts


def _fetch(url: str, be: Backend) -> _Part:
    """Download one URL of this machine (see backend.loopback_fetch) into a temp file."""
    from backend.loopback_fetch import Refused, open_loopback

    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]) or "download"
    part = _Part(filename=name, path=be.tmp_dir / f"url_{secrets.token_hex(8)}.part")
    limit = be.settings.max_upload_bytes
    try:
        with open_loopback(url, timeout=be.settings.url_fetch_timeout) as resp, \
                part.path.open("wb") as fh:
            while chunk := resp.read(_CHUNK):
                part.size += len(chunk)
                if part.size > limit:
                    raise ApiFailure(4002, message("file_too_large", name=sanitize_name(name),
                                                   limit_mb=limit // (1024 * 1024)),
                                     data={"limit": limit})
                if len(part.head) < 64:
                    part.head += chunk[: 64 - len(part.head)]
                fh.write(chunk)
    except ApiFailure:
        part.path.unlink(missing_ok=True)
        raise
    except (Refused, OSError, ValueError):
        # one text for every way it can fail: which one would tell a caller what listens here
        part.path.unlink(missing_ok=True)
        raise ApiFailure(4003, message("url_refused", url=url[:200])) from None
    return part


def _finish(be: Backend, session_id: str, part: _Part, request: Request) -> dict[str, Any]:
    """Check the bytes, probe, move into uploads/, record: the reply entry for one file."""
    shown = sanitize_name(part.filename)
    formats = ", ".join(sorted(SUPPORTED_EXTS))
    found = sniff(part.head)
    if found is None or not found.supported:
        raise ApiFailure(4001, message("unsupported_file", name=shown, formats=formats),
                         data={"formats": sorted(SUPPORTED_EXTS)})
    try:
        info = probe(part.path)
    except MediaError as exc:
        raise ApiFailure(4001, f"{shown}: {exc.reason}",
                         data={"formats": sorted(SUPPORTED_EXTS)}) from None
    media_id = f"m_{secrets.token_hex(8)}"
    ext = info.ext or found.ext
    name = stored_name(media_id, shown, ext)
    be.uploads_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with part.path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    part.path.replace(be.uploads_dir / name)
    row = {
        "media_id": media_id, "session_id": session_id, "filename": shown, "stored": name,
        "file_type": info.kind, "size": part.size, "sha256": digest.hexdigest(),
        "width": info.width, "height": info.height, "duration": info.duration, "fps": info.fps,
        "created": time.time(),
    }
    be.store.add_media(row)
    if info.kind == "image" and be.analyst is not None:  # its subject, found before a render asks
        be.analyst.submit(be.uploads_dir / name)
    return media_entry(row, str(request.base_url))


def media_entry(row: dict[str, Any], base_url: str) -> dict[str, Any]:
    """How an upload is described in replies (upload, state.video_infos)."""
    entry: dict[str, Any] = {
        "media_id": row["media_id"], "filename": row["filename"], "file_type": row["file_type"],
        "cdn_url": f"{base_url.rstrip('/')}/files/uploads/{row['stored']}",
        "size": row["size"], "hash": row["sha256"],
    }
    for key in ("width", "height", "duration", "fps"):
        if row.get(key) is not None:
            entry[key] = round(row[key], 3) if isinstance(row[key], float) else row[key]
    return entry

