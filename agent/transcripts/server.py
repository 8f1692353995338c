"""The replay server: a Starlette app that answers a transcript's recorded requests in order.

It runs on 127.0.0.1 over a real socket (served through `backend/local.py`), so the client's own
code path runs unchanged: timeouts, SSE decoding, heartbeats and broken streams included.
Each request is matched to the first unanswered recorded call with the same method and path
(within a small window, so an unimportant reordering does not derail a replay); it gets the
recorded status, body and headers. Streams are replayed frame by frame with their recorded
gaps divided by `speed`; a stream that broke is cut again; downloads get bytes of the
recorded size (the recorded SHA-256 travels in a header). Everything received is logged for
`--check`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import mimetypes
import re
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.transcripts.format import Transcript
from agent.transcripts.recorded_calls import (
    EXTERNAL_PREFIX,
    Normaliser,
    RecordedCall,
    build_calls,
    call_summary,
    close_style,
    decanon,
    external_origins,
    frame_bytes,
)
from agent.transcripts.scrub import API, Scrubber, unscrub_api

MATCH_WINDOW = 8
MAX_HTTP_DELAY = 2.0  # seconds of recorded server time replayed at most per call
HOLD_LIMIT = 120.0  # a held stream (the client gave up while recording) ends after this


class StreamCut(Exception):
    """Raised inside a response body to cut the connection the way the recording broke."""


class _QuietCuts(logging.Filter):
    """uvicorn logs an app error when a body is cut on purpose; those are not errors here."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, StreamCut):
            return False
        return not (isinstance(exc, BaseExceptionGroup) and exc.subgroup(StreamCut) is not None)


_filter_lock = threading.Lock()
_filter_installed = False


def _install_filter() -> None:
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            logging.getLogger("uvicorn.error").addFilter(_QuietCuts())
            _filter_installed = True


@dataclass
class Received:
    """One request the replay server got, normalised for comparison."""

    method: str
    path: str
    request: Any = None
    files: list[dict[str, Any]] | None = None
    matched: int | None = None

    def summary(self) -> dict[str, Any]:
        return call_summary(self.method, self.path, self.request, self.files)


class ReplayServer:
    """Holds the script and the log; `app` is the ASGI app to serve."""

    def __init__(self, transcript: Transcript, *, speed: float = 10.0) -> None:
        self.speed = max(0.01, float(speed))
        self.calls, self.recorded_canon = build_calls(transcript)
        self._origins = external_origins(transcript)
        self._used = [False] * len(self.calls)
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self.base_url = ""  # set by configure() once the port is known
        self.live = Normaliser()
        self.app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=_METHODS)],
        )
        _install_filter()

    def configure(self, base_url: str, *, path_map: list[tuple[str, str]] | None = None) -> None:
        """Where the server listens, and which live paths stand for recorded ones."""
        self.base_url = base_url.rstrip("/")
        self.live = Normaliser(path_map, Scrubber(api_base=self.base_url, home=Path.home()))

    def _served(self, value: Any) -> Any:
        """A recorded reply as the live client must see it: its own ids, this server's URLs."""
        live = self.live.canon.from_canon
        recorded = self.recorded_canon.from_canon
        value = decanon(value, lambda c: live.get(c) or recorded.get(c, c))
        value = unscrub_api(value, self.base_url)
        return self._rewrite_origins(value)

    def _rewrite_origins(self, value: Any) -> Any:
        if not self._origins:
            return value
        if isinstance(value, str):
            for origin in self._origins:
                if origin in value:
                    host = origin.split("://", 1)[1]
                    value = value.replace(origin, f"{self.base_url}{EXTERNAL_PREFIX}{host}")
            return value
        if isinstance(value, dict):
            return {k: self._rewrite_origins(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._rewrite_origins(v) for v in value]
        return value

    # -- matching ----------------------------------------------------------------------------

    def _take(self, method: str, path: str) -> RecordedCall | None:
        """The first unanswered call for `method path` among the next few; a query string
        only counts when it was recorded (download paths are recorded without theirs)."""
        bare = path.split("?", 1)[0]
        with self._lock:
            seen = 0
            for i, call in enumerate(self.calls):
                if self._used[i]:
                    continue
                if call.method == method and (
                    call.path == path or ("?" not in call.path and call.path == bare)
                ):
                    self._used[i] = True
                    return call
                seen += 1
                if seen >= MATCH_WINDOW:
                    break
        return None

    def unanswered(self) -> list[RecordedCall]:
        with self._lock:
            return [c for c, used in zip(self.calls, self._used, strict=True) if not used]

    # -- the endpoint ------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        raw_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        path = self.live.text(raw_path)
        received = Received(method=request.method.upper(), path=path)
        await self._read_body(request, received)
        call = self._take(received.method, path)
        received.matched = call.index if call else None
        if call is not None:
            received.path = call.path  # the same, or without a query the recording left out
        with self._lock:
            self.received.append(received)
        if call is None:
            return JSONResponse(
                {"code": 9999, "message": f"replay: nothing recorded for {request.method} {path}"},
                status_code=410,
            )
        if call.is_sse:
            return self._stream(call)
        return await self._reply(call)

    async def _read_body(self, request: Request, received: Received) -> None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            received.files = multipart_files(await request.body(), ctype)
            return
        body = await request.body()
        if not body:
            return
        try:
            received.request = self.live.value(json.loads(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            received.request = {"bytes": len(body)}

    async def _reply(self, call: RecordedCall) -> Response:
        http = call.http
        assert http is not None
        delay = min(http.duration, MAX_HTTP_DELAY) / self.speed
        if delay > 0:
            await asyncio.sleep(delay)
        headers = {k: v for k, v in http.headers.items() if k in _PASSED_HEADERS}
        if http.status in (429, 503) and "retry-after" not in headers:
            headers["retry-after"] = "1"  # recordings without headers: the local backend's value
        if http.status == 0:  # the connection failed while recording: fail this one too
            error = str((http.model_extra or {}).get("error") or "")
            if "timeout" in error.lower():  # no answer in time: keep quiet until it gives up
                return _Silence()
            return _cut_response()
        if http.download is not None and http.response is None:
            size = http.download.size
            headers["x-recorded-sha256"] = http.download.sha256
            media = mimetypes.guess_type(http.download.name or call.path)[0]
            return Response(
                _filler(size),
                status_code=http.status,
                headers=headers,
                media_type=media or "application/octet-stream",
            )
        if http.response is None:
            return Response(b"", status_code=http.status, headers=headers)
        body = self._served(call.response)
        self.live.value(body)  # ids first seen in a reply get their number here too
        return JSONResponse(body, status_code=http.status, headers=headers)

    def _stream(self, call: RecordedCall) -> Response:
        assert call.sse_open is not None
        status = call.sse_open.status
        if status == 0:  # the client gave up before the reply started (stalled): again
            return _Silence()
        if status != 200 and not call.frames:  # refused: the client read a JSON error body
            extra = call.sse_open.model_extra or {}
            body = extra.get("response")
            if body is None:  # older recordings lack the body: the contract's code for it
                code = _SSE_STATUS_CODES.get(status, status)
                body = {"code": code, "message": "", "data": None}
            headers = {"retry-after": "1"} if status in (429, 503) else {}
            return JSONResponse(self._served(body), status_code=status, headers=headers)
        return StreamingResponse(
            self._frames(call),
            status_code=call.sse_open.status,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )

    async def _frames(self, call: RecordedCall) -> AsyncIterator[bytes]:
        """The recorded frames at their recorded offsets from the start of the stream.

        Offsets, not gaps: a frame sent late (a busy machine) does not push every later one
        back, so a long turn lasts as long as it did, divided by the speed.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def until(t: float) -> None:
            delay = start + max(0.0, t - call.t) / self.speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

        for t, frame in call.frames:
            await until(t)
            if frame.data is not None:
                served = self._served(frame.data)
                frame = frame.model_copy(update={"data": served})
            yield frame_bytes(frame)
        style = "drop"  # a stream whose end was never recorded was cut
        if call.close is not None:
            t, close = call.close
            style = close_style(close.outcome)
            if style != "clean":
                await until(t)
        if style == "drop":
            raise StreamCut()
        if style == "hold":  # the client stopped listening while recording: let it do so again
            await asyncio.sleep(HOLD_LIMIT)


# run_sse refusals by HTTP status → the envelope code the contract pairs with them
_SSE_STATUS_CODES = {401: 1001, 404: 1002, 403: 2001, 415: 4001, 413: 4002}
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_PASSED_HEADERS = frozenset({"retry-after", "content-type"})


_FILENAME_RE = re.compile(rb'filename="((?:[^"\\]|\\.)*)"')


def multipart_files(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of each file part of a multipart body.

    Parsed here rather than with python-multipart, which refuses the raw UTF-8 file names
    browsers (and our client) send for names like 海滩.png.
    """
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return []
    delimiter = b"--" + match.group(1).encode("latin-1")
    files: list[dict[str, Any]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, data = part.partition(b"\r\n\r\n")
        found = _FILENAME_RE.search(head)
        if not sep or not found:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        name = found.group(1).decode("utf-8", "replace").replace('\\"', '"').replace("%22", '"')
        files.append(
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
    return files


class _Silence(Response):
    """No reply at all until the client gives up (its own timeout), as when it was recorded."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HOLD_LIMIT):
                while (await receive())["type"] != "http.disconnect":
                    pass


def _cut_response() -> Response:
    """Headers promising a body, then the connection closes: the client sees a transport error.

    (uvicorn answers 500 for an app that fails before its response starts, so a refused
    connection cannot be replayed exactly; a connection lost mid-reply is the nearest.)
    """

    async def nothing() -> AsyncIterator[bytes]:
        raise StreamCut()
        yield b""  # pragma: no cover - makes this an async generator

    return StreamingResponse(nothing(), status_code=200, headers={"content-length": "64"})


def _filler(size: int) -> bytes:
    """Stand-in bytes of a recorded download's size (the recording never keeps the bytes)."""
    return bytes(size)


__all__ = ["API", "Received", "ReplayServer", "StreamCut"]
