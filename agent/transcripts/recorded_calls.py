"""A transcript's wire lines regrouped as the calls a replay server must answer, in order.

Also the id canon: the client makes some ids itself (`render_<hex>`), so a replay sends
different ones than the recording. Both sides are rewritten to `render_#1`, `render_#2`… in
order of first appearance, which lets paths match and diffs stay quiet about them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from agent.transcripts.format import (
    HttpLine,
    SseCloseLine,
    SseFrameLine,
    SseOpenLine,
    Transcript,
)
from agent.transcripts.scrub import API, Scrubber

ID_PATTERNS: tuple[re.Pattern[str], ...] = (re.compile(r"\brender_(?!#)[A-Za-z0-9]+"),)
EXTERNAL_PREFIX = "/_replay/ext/"


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """`fn` applied to every string inside nested dicts and lists (keys left as they are)."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, fn) for v in value]
    return value


class IdCanon:
    """Client-made ids → stable placeholders, numbered by first appearance."""

    def __init__(self) -> None:
        self.to_canon: dict[str, str] = {}
        self.from_canon: dict[str, str] = {}

    def _sub(self, match: re.Match[str]) -> str:
        raw = match.group(0)
        canon = self.to_canon.get(raw)
        if canon is None:
            prefix = raw.split("_", 1)[0]
            canon = f"{prefix}_#{len(self.to_canon) + 1}"
            self.to_canon[raw] = canon
            self.from_canon[canon] = raw
        return canon

    def text(self, value: str) -> str:
        for pattern in ID_PATTERNS:
            value = pattern.sub(self._sub, value)
        return value

    def value(self, value: Any) -> Any:
        return map_strings(value, self.text)


CANON_RE = re.compile(r"\b[a-z]+_#\d+")


class Normaliser:
    """Live text → the recorded vocabulary: paths mapped back, secrets scrubbed, ids canonical."""

    def __init__(
        self,
        path_map: list[tuple[str, str]] | None = None,
        scrubber: Scrubber | None = None,
    ) -> None:
        self.path_map = sorted(path_map or [], key=lambda p: len(p[0]), reverse=True)
        self.scrubber = scrubber
        self.canon = IdCanon()

    def text(self, value: str) -> str:
        for live, recorded in self.path_map:
            if live in value:
                value = value.replace(live, recorded)
        if self.scrubber is not None:
            value = self.scrubber.text(value)
        return self.canon.text(value)

    def value(self, value: Any) -> Any:
        return map_strings(value, self.text)


def decanon(value: Any, resolve: Callable[[str], str]) -> Any:
    """Replace canonical ids (`render_#1`) by real ones, e.g. those the live client made."""

    def one(text: str) -> str:
        return CANON_RE.sub(lambda m: resolve(m.group(0)), text) if "_#" in text else text

    return map_strings(value, one)


def call_summary(
    method: str, path: str, request: Any, files: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """What a client sent, in the form compared by --check (recorded and live alike)."""
    out: dict[str, Any] = {"method": method, "path": path}
    if files:
        out["files"] = [{"name": f.get("name"), "size": f.get("size")} for f in files]
    elif request is not None:
        out["request"] = request
    return out


def local_path(recorded: str) -> str:
    """Where a recorded path or URL is served by the replay server (path + query)."""
    if recorded.startswith(API):
        rest = recorded[len(API) :]
        return rest if rest.startswith("/") else "/" + rest
    if "://" in recorded:
        parts = urlsplit(recorded)
        path = f"{EXTERNAL_PREFIX}{parts.netloc}{parts.path or '/'}"
        return path + (f"?{parts.query}" if parts.query else "")
    return recorded if recorded.startswith("/") else "/" + recorded


def external_origins(transcript: Transcript) -> list[str]:
    """Origins other than the API base that the client fetched from (e.g. a CDN)."""
    origins: list[str] = []
    for line in transcript.lines:
        if line.kind == "http":
            path = str(line.payload.get("path", ""))
            if "://" in path and not path.startswith(API):
                parts = urlsplit(path)
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in origins:
                    origins.append(origin)
    return origins


@dataclass
class RecordedCall:
    index: int
    method: str
    path: str  # where it is served (see local_path), ids canonical
    t: float
    request: Any = None
    files: list[dict[str, Any]] | None = None
    http: HttpLine | None = None
    sse_open: SseOpenLine | None = None
    frames: list[tuple[float, SseFrameLine]] = field(default_factory=list)
    close: tuple[float, SseCloseLine] | None = None
    response: Any = None  # ids canonical

    @property
    def is_sse(self) -> bool:
        return self.sse_open is not None

    def summary(self) -> dict[str, Any]:
        return call_summary(self.method, self.path, self.request, self.files)


def build_calls(transcript: Transcript) -> tuple[list[RecordedCall], IdCanon]:
    """The recorded calls in order, with ids made canonical (and the canon that did it)."""
    canon = IdCanon()
    calls: list[RecordedCall] = []
    open_call: RecordedCall | None = None
    for line in transcript.lines:
        if line.kind == "http":
            http = HttpLine.model_validate(line.payload)
            path = canon.text(local_path(http.path))
            request = canon.value(http.request)
            files = [f.model_dump() for f in http.files] if http.files else None
            calls.append(
                RecordedCall(
                    index=len(calls),
                    method=http.method.upper(),
                    path=path,
                    t=line.t,
                    request=request,
                    files=files,
                    http=http,
                    response=canon.value(http.response),
                )
            )
        elif line.kind == "sse_open":
            sse_open = SseOpenLine.model_validate(line.payload)
            open_call = RecordedCall(
                index=len(calls),
                method="POST",
                path=canon.text(local_path(sse_open.path)),
                t=line.t,
                request=canon.value(sse_open.request),
                sse_open=sse_open,
            )
            calls.append(open_call)
        elif line.kind == "sse" and open_call is not None:
            open_call.frames.append((line.t, SseFrameLine.model_validate(line.payload)))
        elif line.kind == "sse_close" and open_call is not None:
            open_call.close = (line.t, SseCloseLine.model_validate(line.payload))
            open_call = None
    return calls, canon


def frame_bytes(frame: SseFrameLine) -> bytes:
    """A recorded frame as it goes back on the wire (a blank line ends each block)."""
    if frame.comment is not None:
        text = frame.comment if frame.comment.startswith((":", " ")) else f" {frame.comment}"
        text = ":" + text if not text.startswith(":") else text
        return (text.rstrip("\n") + "\n\n").encode("utf-8")
    data = frame.data or ""
    if data == "":
        return b"data:\n\n"
    field_names = ("data:", "data ", "event:", "id:", "retry:", ":")
    first = data.split("\n", 1)[0]
    if first.startswith(field_names) or first in ("data", "event", "id", "retry"):
        block = data
    else:
        block = "\n".join(f"data: {piece}" for piece in data.split("\n"))
    return (block.rstrip("\n") + "\n\n").encode("utf-8")


OUTCOME_CLEAN = ("end", "ended", "eof", "done", "closed", "complete", "completed", "ok", "error")
OUTCOME_DROP = ("broken", "drop", "dropped", "reset", "disconnected", "connection")


def close_style(outcome: str) -> str:
    """'clean' (finish the body), 'drop' (cut the connection) or 'hold' (client gave up)."""
    word = outcome.lower()
    if any(word.startswith(w) for w in OUTCOME_DROP):
        return "drop"
    if any(word.startswith(w) for w in OUTCOME_CLEAN):
        return "clean"
    return "hold"
