"""Hooks for transcripts: what went over the wire, with every secret already removed.

The wire calls an `ExchangeObserver` after each plain exchange and for every SSE frame. The
recorder (agent/transcripts) stores these; nothing here holds Authorization or X-Client-Id,
and token values in bodies are replaced by "<token>".

`on_sse_frame` gets `raw_event` (the event's lines, `data: …` in canonical form) or `comment`.
`on_sse_close` outcomes: "end" (body closed: end of turn), "broken" (connection dropped),
"stalled", "heartbeat_timeout", "turn_timeout", "cancelled" (the task was cancelled),
"stopped" (the consumer closed the stream early), "refused" (an error reply, no stream).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from .errors import scrub_text

__all__ = ["ExchangeObserver", "ExchangeRecord", "FileSummary", "scrub_json"]

log = logging.getLogger("agent.api")

_SECRET_KEYS = {
    "token",
    "access_token",
    "refresh_token",
    "claim_token",
    "nemo_token",
    "authorization",
}


class FileSummary(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    name: str
    size: int
    sha256: str | None = None


class ExchangeRecord(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    method: str
    path: str
    status: int | None
    request_json: Any = None
    files: list[FileSummary] | None = None
    response_json: Any = None
    download: FileSummary | None = None
    duration: float
    error: str | None = None


@runtime_checkable
class ExchangeObserver(Protocol):
    def on_exchange(self, record: ExchangeRecord) -> None: ...

    def on_sse_open(self, path: str, request_json: Any, status: int) -> None: ...

    def on_sse_frame(
        self, path: str, raw_event: str | None, comment: str | None, t: float
    ) -> None: ...

    def on_sse_close(self, path: str, outcome: str) -> None: ...


def scrub_json(value: Any, *secrets: str | None) -> Any:
    """A copy of a JSON value with token fields and token-like strings replaced."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if str(key).lower() in _SECRET_KEYS and isinstance(item, str):
                out[key] = "<token>"
            elif str(key).lower() in ("client_id", "clientid", "x-client-id") and isinstance(
                item, str
            ):
                out[key] = "<client-id>"
            else:
                out[key] = scrub_json(item, *secrets)
        return out
    if isinstance(value, list):
        return [scrub_json(item, *secrets) for item in value]
    if isinstance(value, str):
        return scrub_text(value, *secrets)
    return value


class SafeObserver:
    """Calls an observer, never letting its failure break a request."""

    def __init__(self, inner: ExchangeObserver | None) -> None:
        self.inner = inner

    def __bool__(self) -> bool:
        return self.inner is not None

    def call(self, method: str, *args: Any) -> None:
        if self.inner is None:
            return
        try:
            getattr(self.inner, method)(*args)
        except Exception as exc:  # the recorder must never break the conversation
            log.warning("transcript observer failed in %s: %s", method, type(exc).__name__)
