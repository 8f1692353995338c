"""The transcript file: versioned JSON Lines, read with `json` only.

Why this shape (asciicast-like, not a vcrpy cassette): a cassette buffers whole bodies and
loses the timing of a stream, so heartbeats, stalls and broken streams could not be replayed.
Here every line is appended as it happens, so a long turn costs no memory and a crash leaves
a file whose last good line is still readable.

    {"format": "nemo-chat-transcript", "version": 1, "app_version": …, "created": …,
     "lang": "en", "api_base": "http://…", "settings": {…}}          ← the header (line 1)
    [0.004, "event", {"kind": "user_message", "text": "…"}]         ← [t, kind, payload]
    [0.020, "http", {"method": "POST", "path": "/api/…", "status": 200, …}]
    [0.031, "sse_open", {"path": "/run_sse", "request": {…}, "status": 200}]
    [0.250, "sse", {"path": "/run_sse", "data": "{…}", "comment": null}]
    [2.700, "sse_close", {"path": "/run_sse", "outcome": "end"}]
    [2.900, "end", {}]                                              ← written by close()

An event's payload is the typed event of `agent/events.py` as `event_to_json` writes it, and
is read back with `event_from_json`. `t` is seconds since the recording started. Files appear as name, size and SHA-256, never
their bytes; downloads as size and SHA-256. Secrets are replaced when a line is written
(see `scrub.py`), so nothing here needs cleaning before it is shared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.events import Event, event_from_json

FORMAT_NAME = "nemo-chat-transcript"
FORMAT_VERSION = 1

LINE_KINDS: tuple[str, ...] = ("event", "http", "sse_open", "sse", "sse_close", "end")


class TranscriptError(Exception):
    """A transcript that cannot be used; `key`/`values` pick the message in the person's language."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(key)

    def message(self, lang: str = "en") -> str:
        from agent.messages import t

        return t(f"transcripts.error.{self.key}", lang, **self.values)

    def __str__(self) -> str:
        return self.message("en")


class Header(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: Literal["nemo-chat-transcript"] = "nemo-chat-transcript"
    version: int = FORMAT_VERSION
    app_version: str
    created: str
    lang: str | None = None
    api_base: str
    settings: dict[str, Any] = Field(default_factory=dict)


class FileDigest(BaseModel):
    """A file as it is recorded: never its bytes."""

    name: str
    size: int
    sha256: str


class HttpLine(BaseModel):
    """One non-streaming call: what was asked and what came back."""

    model_config = ConfigDict(extra="allow")

    method: str
    path: str
    status: int
    request: Any = None
    files: list[FileDigest] | None = None
    response: Any = None
    download: FileDigest | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    duration: float = 0.0


class SseOpenLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    path: str
    request: Any = None
    status: int = 200


class SseFrameLine(BaseModel):
    """One frame as received: `data` is the frame's raw text, `comment` a `:` line."""

    model_config = ConfigDict(extra="allow")

    path: str = "/run_sse"
    data: str | None = None
    comment: str | None = None


class SseCloseLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    path: str = "/run_sse"
    outcome: str = "end"


class Line(BaseModel):
    t: float
    kind: str
    payload: dict[str, Any]


class Transcript(BaseModel):
    path: Path | None = None
    header: Header
    lines: list[Line]

    def timed_events(self) -> list[tuple[float, Event]]:
        """The events the person was shown, typed, with their time (checked at load)."""
        return [(line.t, event_from_json(line.payload)) for line in self.lines
                if line.kind == "event"]

    def events(self) -> list[Event]:
        return [event for _, event in self.timed_events()]

    def user_messages(self) -> list[str]:
        return [event.text for event in self.events() if event.kind == "user_message"]


def dumps_line(value: object) -> str:
    """One line of the file: compact, UTF-8 kept readable (Chinese is not escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_PAYLOAD_MODELS: dict[str, type[BaseModel]] = {
    "http": HttpLine,
    "sse_open": SseOpenLine,
    "sse": SseFrameLine,
    "sse_close": SseCloseLine,
}


def _iter_raw_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(number, line, ended_with_newline) for each non-empty line."""
    pieces = text.split("\n")
    for i, piece in enumerate(pieces):
        if piece.strip():
            yield i + 1, piece, i < len(pieces) - 1


def _parse_header(raw: str) -> Header:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise TranscriptError("not_transcript") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise TranscriptError("not_transcript")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TranscriptError("corrupted", line=1, detail="version")
    if version > FORMAT_VERSION:
        raise TranscriptError("newer_version", version=version, supported=FORMAT_VERSION)
    try:
        return Header.model_validate(data)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "header"
        raise TranscriptError("corrupted", line=1, detail=field) from None


def parse_line(number: int, raw: str) -> Line:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TranscriptError("corrupted", line=number, detail=exc.msg) from None
    if (
        not isinstance(data, list)
        or len(data) != 3
        or not isinstance(data[0], int | float)
        or isinstance(data[0], bool)
        or not isinstance(data[1], str)
        or not isinstance(data[2], dict)
    ):
        raise TranscriptError("corrupted", line=number, detail="[t, kind, payload]")
    t, kind, payload = data
    model = _PAYLOAD_MODELS.get(kind)
    if model is not None:
        try:
            model.model_validate(payload)
        except ValidationError as exc:
            loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise TranscriptError("corrupted", line=number, detail=f"{kind}.{loc}") from None
    elif kind == "event":
        try:
            event_from_json(payload)
        except ValidationError as exc:
            loc = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "kind"
            raise TranscriptError("corrupted", line=number, detail=f"event.{loc}") from None
    return Line(t=float(t), kind=kind, payload=payload)


def loads(text: str, *, path: Path | None = None) -> Transcript:
    """Parse a whole transcript; every problem is a `TranscriptError` naming the line."""
    raw_lines = list(_iter_raw_lines(text))
    if not raw_lines:
        raise TranscriptError("empty")
    header = _parse_header(raw_lines[0][1])
    lines: list[Line] = []
    ended = False
    for number, raw, has_newline in raw_lines[1:]:
        if ended:
            raise TranscriptError("corrupted", line=number, detail="after end")
        try:
            line = parse_line(number, raw)
        except TranscriptError:
            if not has_newline:  # the last line was cut in the middle
                raise TranscriptError("truncated", line=number) from None
            raise
        if line.kind == "end":
            ended = True
        elif line.kind in LINE_KINDS:
            lines.append(line)
        # kinds this version does not know are skipped: a same-version writer may add some
    if not ended:
        raise TranscriptError("truncated", line=raw_lines[-1][0])
    return Transcript(path=path, header=header, lines=lines)


def load(path: Path) -> Transcript:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TranscriptError("missing", path=str(path)) from None
    except IsADirectoryError:
        raise TranscriptError("unreadable", path=str(path)) from None
    except OSError:
        raise TranscriptError("unreadable", path=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TranscriptError("not_utf8") from None
    return loads(text, path=path)
