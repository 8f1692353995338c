"""Read the `{"code": 0, "data": …}` envelope and turn failures into typed exceptions.

One table of the contract's error codes serves both places a code can arrive: a reply's
envelope (`error_for`) and an error frame inside the reply stream (`stream_failure`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import (
    ApiError,
    AuthExpired,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
    SessionNotFound,
    StreamFailed,
    UnsupportedFile,
    scrub_text,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["Reply", "body_json", "data_of", "error_for", "server_text", "stream_failure"]

# the contract's error codes (the same in a reply's envelope and in an error frame)
CODE_ERRORS: dict[int, type[NemoError]] = {
    1001: AuthExpired,
    1002: SessionNotFound,
    2001: NoCredits,
    4001: UnsupportedFile,
    4002: FileTooLarge,
}
# inside a stream there is no HTTP status, so a plan refusal arrives as the code 402
_STREAM_ONLY_CODES: dict[int, type[NemoError]] = {402: ExportBlocked}


@dataclass
class Reply:
    """What the server said to one request: the body read as JSON, or (a stream) left unread."""

    status: int
    headers: httpx.Headers
    body: Any = None
    raw: bytes = b""
    stream: httpx.Response | None = None  # the open response, when the body is a stream


def body_json(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def server_text(body: Any, raw: bytes = b"") -> str | None:
    """The error text: `message`, then `msg`, then `error`, then `detail` (also one level in)."""
    if isinstance(body, dict):
        inner = body.get("data")
        layers: list[dict[str, Any]] = [body, inner if isinstance(inner, dict) else {}]
        for layer in layers:
            for key in ("message", "msg", "error", "detail", "errorMessage"):
                value = layer.get(key)
                if isinstance(value, str) and value.strip():
                    return scrub_text(value.strip())[:500]
                if isinstance(value, dict):
                    inner = value.get("message") or value.get("msg")
                    if isinstance(inner, str) and inner.strip():
                        return scrub_text(inner.strip())[:500]
    if raw and not isinstance(body, dict | list):
        text = raw[:300].decode("utf-8", "replace").strip()
        if text and not text.startswith("<"):
            return scrub_text(text)
    return None


def _code(body: Any) -> int | None:
    return _as_code(body.get("code")) if isinstance(body, dict) else None


def _as_code(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _bind_id(body: Any) -> str | None:
    data = data_of(body)
    bind = data.get("bind") or data.get("bind_id") or data.get("user_id")
    return str(bind) if bind else None


def data_of(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return body["data"]
    return body if isinstance(body, dict) else {}


def error_for(
    status: int,
    body: Any,
    raw: bytes = b"",
    *,
    retry_after: float | None = None,
    token_call: bool = False,
) -> NemoError | None:
    """The typed failure in a reply, or None when it is a success."""
    code = _code(body)
    text = server_text(body, raw)
    kw: dict[str, Any] = {"code": code, "status": status, "server_message": text}
    kind = CODE_ERRORS.get(code) if code is not None else None
    if kind is NoCredits:
        return NoCredits(bind_id=_bind_id(body), **kw)
    if kind is not None:
        return kind(**kw)
    if status == 401 and code in (None, 0):
        return AuthExpired(**kw)
    if status == 415:
        return UnsupportedFile(**kw)
    if status == 413:
        return FileTooLarge(**kw)
    if status == 402:
        return ExportBlocked(**kw)
    if status == 429:
        return RateLimited(retry_after=retry_after, **kw)
    if status == 400 and (token_call or (text and "client" in text.lower())):
        return MissingClientId(**kw)
    if status == 404 and text and "session" in text.lower():
        return SessionNotFound(**kw)
    if status >= 400:
        what = f"The service answered HTTP {status}"
        return ApiError(f"{what}: {text}" if text else what + ".", **kw)
    if code not in (None, 0):
        return ApiError(
            f"The service reported error {code}: {text}"
            if text
            else f"The service reported error {code}.",
            **kw,
        )
    if isinstance(body, dict) and body.get("success") is False:
        return ApiError(f"The service reported a failure: {text}" if text else None, **kw)
    return None


def stream_failure(code: str | None, message: str) -> NemoError:
    """The typed failure of an error frame inside the reply stream (its code, if we know it)."""
    number = _as_code(code)
    kind = None if number is None else CODE_ERRORS.get(number) or _STREAM_ONLY_CODES.get(number)
    if kind is not None:
        return kind(code=number, server_message=message)
    return StreamFailed(code=number, server_message=message)
