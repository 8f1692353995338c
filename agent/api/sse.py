"""An incremental Server-Sent Events decoder that follows the WHATWG algorithm.

Fed raw bytes in chunks of any size (a chunk may end inside a CRLF pair or inside a multi-byte
UTF-8 character), it returns whole frames. Unlike the decoders in httpx-sse and the SDKs it
strips a leading BOM, never dispatches a block without `data` lines, and hands comments back
(they are the heartbeats of long turns). Work is linear in the input: a long line that arrives
in small pieces is joined once, when its end arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SSEDecoder", "SSEFrame", "SSELineTooLong"]

_BOM = b"\xef\xbb\xbf"


class SSELineTooLong(ValueError):
    """A line (or one event's data) grew past the decoder's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"an SSE line or event exceeded {limit} bytes")
        self.limit = limit


@dataclass(slots=True)
class SSEFrame:
    """`event`: a dispatched event; `comment`: a `:` line; `nodata`: a block without data."""

    kind: Literal["event", "comment", "nodata"]
    data: str = ""
    event: str = "message"
    id: str | None = None
    retry: int | None = None

    @property
    def raw(self) -> str:
        """The event written back in canonical form (what a replay server sends again)."""
        head = "" if self.event == "message" else f"event: {self.event}\n"
        if self.kind == "nodata":
            return head.rstrip("\n")
        return head + "\n".join("data: " + line for line in self.data.split("\n"))


class SSEDecoder:
    def __init__(self, max_line: int = 8 * 1024 * 1024) -> None:
        self.max_line = max_line
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._skip_lf = False
        self._start = True
        self._data: list[bytes] = []
        self._data_len = 0
        self._fields = False  # a non-data field was seen in the current block
        self._event = b""
        self._retry: int | None = None
        self.last_event_id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        if not chunk:
            return []
        if self._start:
            joined = b"".join(self._pending) + chunk
            if len(joined) < 3 and _BOM.startswith(joined):
                self._pending, self._pending_len = [joined], len(joined)
                return []
            self._start = False
            self._pending, self._pending_len = [], 0
            chunk = joined[3:] if joined.startswith(_BOM) else joined
            if not chunk:
                return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        has_cr = b"\r" in chunk
        if not has_cr and b"\n" not in chunk:
            self._pending.append(chunk)
            self._pending_len += len(chunk)
            if self._pending_len > self.max_line:
                raise SSELineTooLong(self.max_line)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending, self._pending_len = [], 0
        if has_cr:
            if chunk[-1:] == b"\r":
                self._skip_lf = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        rest = lines.pop()
        if rest:
            if len(rest) > self.max_line:
                raise SSELineTooLong(self.max_line)
            self._pending, self._pending_len = [rest], len(rest)
        return self._lines(lines)

    def close(self) -> list[SSEFrame]:
        """End of body. A block whose lines are complete but lacks the final blank line is
        still dispatched (a tolerant reading: the spec would drop it)."""
        lines: list[bytes] = []
        if self._pending and not self._start:
            lines.append(b"".join(self._pending))
        self._pending, self._pending_len = [], 0
        lines.append(b"")
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[SSEFrame]:
        out: list[SSEFrame] = []
        limit = self.max_line
        data = self._data
        for line in lines:
            if not line:
                if data:
                    out.append(self._dispatch())
                    data = self._data
                elif self._fields:
                    out.append(self._dispatch())
                continue
            if line[:6] == b"data: ":  # the common case, first
                data.append(line[6:])
                self._data_len += len(line)
                if self._data_len > limit:
                    raise SSELineTooLong(limit)
                continue
            if len(line) > limit:
                raise SSELineTooLong(limit)
            if line[0] == 58:  # ":" comment
                text = line[1:]
                if text[:1] == b" ":
                    text = text[1:]
                out.append(SSEFrame("comment", text.decode("utf-8", "replace")))
                continue
            colon = line.find(b":")
            if colon < 0:
                name, value = line, b""
            else:
                name, value = line[:colon], line[colon + 1 :]
                if value[:1] == b" ":
                    value = value[1:]
            if name == b"data":
                data.append(value)
                self._data_len += len(value) + 1
                if self._data_len > limit:
                    raise SSELineTooLong(limit)
                continue
            self._fields = True
            if name == b"event":
                self._event = value
            elif name == b"id":
                if b"\0" not in value:
                    self.last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():
                self._retry = int(value)
        return out

    def _dispatch(self) -> SSEFrame:
        event = self._event.decode("utf-8", "replace") if self._event else "message"
        retry = self._retry
        if self._fields:
            self._event, self._retry, self._fields = b"", None, False
        if not self._data:
            return SSEFrame("nodata", "", event, self.last_event_id, retry)
        data = b"\n".join(self._data).decode("utf-8", "replace")
        self._data, self._data_len = [], 0
        return SSEFrame("event", data, event, self.last_event_id, retry)
