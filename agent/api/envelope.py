"""Read the `{"code": 0, "data": …}` envelope and turn failures into typed exceptions."""

from __future__ import annotations

import json
from typing import Any

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
    UnsupportedFile,
    scrub_text,
)

__all__ = ["body_json", "data_of", "error_for", "server_text"]


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
    if not isinstance(body, dict):
        return None
    value = body.get("code")
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


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
    if code == 1001 or (status == 401 and code in (None, 0)):
        return AuthExpired(**kw)
    if code == 1002:
        return SessionNotFound(**kw)
    if code == 2001:
        data = data_of(body)
        bind = data.get("bind") or data.get("bind_id") or data.get("user_id")
        return NoCredits(bind_id=str(bind) if bind else None, **kw)
    if code == 4001 or status == 415:
        return UnsupportedFile(**kw)
    if code == 4002 or status == 413:
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
