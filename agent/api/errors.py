"""Typed failures of the wire layer.

Every exception carries what the agent needs to tell the person what happened and what to do
next (`code`, `status`, `server_message`, plus per-kind fields). None of them ever holds a
token: messages are built from server text that has been scrubbed (`scrub_text`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "ApiError",
    "AuthExpired",
    "DownloadError",
    "ExportBlocked",
    "FileTooLarge",
    "HeartbeatTimeout",
    "LocalFileError",
    "LocalFileReason",
    "MissingClientId",
    "NemoError",
    "NoCredits",
    "RateLimited",
    "RenderFailed",
    "RequestLost",
    "ServiceUnreachable",
    "SessionNotFound",
    "StreamBroken",
    "StreamFailed",
    "StreamLineTooLong",
    "StreamStalled",
    "TurnTimeout",
    "UnsupportedFile",
    "scrub_text",
]

SUPPORTED_FORMATS: tuple[str, ...] = (
    "mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp",
    "mp3", "wav", "m4a", "aac",
)  # fmt: skip

UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024

_TOKEN_RE = re.compile(r"(nmv_usr_|clm_)[A-Za-z0-9._\-]+")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")


def scrub_text(text: str, *secrets: str | None) -> str:
    """Remove anything token-like (and the given secret values) from a piece of text."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<secret>")
    text = _TOKEN_RE.sub("<token>", text)
    return _BEARER_RE.sub(r"\1<token>", text)


class NemoError(Exception):
    """Base of every failure the wire reports. `str()` is a sentence for a person."""

    default_message = "The NemoVideo service reported an error."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        status: int | None = None,
        server_message: str | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.server_message = scrub_text(server_message) if server_message else None
        self.message = scrub_text(message or self.default_message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, status={self.status!r})"
        )


class AuthExpired(NemoError):
    default_message = (
        "The API token was refused (expired or invalid). Set a fresh NEMO_TOKEN, "
        "or unset it to get a free starter token."
    )


class SessionNotFound(NemoError):
    default_message = "The editing session was not found on the server (it may have expired)."


class NoCredits(NemoError):
    default_message = "There are no credits left on this account."

    def __init__(
        self,
        message: str | None = None,
        *,
        bind_id: str | None = None,
        registered: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.bind_id = bind_id
        self.registered = registered


class UnsupportedFile(NemoError):
    default_message = "The service does not accept this kind of file."

    def __init__(
        self, message: str | None = None, *, formats: tuple[str, ...] = SUPPORTED_FORMATS, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.formats = formats


class FileTooLarge(NemoError):
    default_message = "The file is too large for the service (the limit is 200 MB)."

    def __init__(
        self, message: str | None = None, *, limit: int = UPLOAD_LIMIT_BYTES, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.limit = limit


class MissingClientId(NemoError):
    default_message = "The service did not accept the client id, even after making a new one."


class ExportBlocked(NemoError):
    default_message = "Register or upgrade your plan to unlock export."


class RateLimited(NemoError):
    default_message = "The service is limiting requests right now; try again in a little while."

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ApiError(NemoError):
    """A reply the contract does not name (unknown code, 5xx after retries, odd status)."""


class ServiceUnreachable(NemoError):
    default_message = "Cannot reach the NemoVideo service."

    def __init__(self, message: str | None = None, *, url: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.url = url


class RequestLost(ServiceUnreachable):
    """The connection failed after the request may have left: it was not sent again."""


class StreamBroken(NemoError):
    """The reply stream ended abnormally. Do not re-send the message: read the state."""

    default_message = "The connection dropped while the reply was streaming."


class StreamLineTooLong(StreamBroken):
    default_message = "The reply stream sent a line longer than the allowed limit."


class StreamFailed(NemoError):
    """The service reported a failure inside the reply stream, with no code we know."""

    default_message = "The service reported a problem while answering."


class StreamStalled(NemoError):
    default_message = "The service sent nothing at all for too long."


class HeartbeatTimeout(NemoError):
    default_message = "The service kept the connection alive but did no visible work for too long."


class TurnTimeout(NemoError):
    default_message = "The reply took longer than the total time allowed for one turn."


LocalFileReason = Literal[
    "missing", "not_a_file", "unreadable", "unsupported", "too_large", "heic_failed", "changed",
    "link_not_media",
]

_LOCAL_REASONS: dict[str, str] = {
    "missing": "does not exist",
    "not_a_file": "is not a regular file",
    "unreadable": "cannot be read (check its permissions)",
    "unsupported": "is not a supported format",
    "too_large": "is larger than 200 MB",
    "heic_failed": "is a HEIC/HEIF photo that could not be converted to PNG",
    "changed": "changed on disk while it was being uploaded",
    "link_not_media": "is a link to a file that is not a photo, video or audio file",
}


class LocalFileError(NemoError):
    """A file was refused before anything was sent (or changed while sending)."""

    def __init__(
        self,
        path: Path | str,
        reason: LocalFileReason,
        detail: str | None = None,
        *,
        target: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason: LocalFileReason = reason
        self.target = target  # where a link the person named really points
        text = f"{self.path.name or self.path}: {_LOCAL_REASONS[reason]}"
        if target is not None:
            text += f" ({target})"
        if reason == "unsupported":
            text += " (supported: " + ", ".join(SUPPORTED_FORMATS) + ", heic)"
        if detail:
            text += f" ({detail})"
        super().__init__(text)


class DownloadError(NemoError):
    default_message = "The download failed; nothing was saved."

    def __init__(self, message: str | None = None, *, unreachable: bool = False,
                 **kw: Any) -> None:
        super().__init__(message, **kw)
        self.unreachable = unreachable  # the server did not answer (worth asking again later)


class RenderFailed(NemoError):
    default_message = "The export failed on the server."

    def __init__(self, message: str | None = None, *, reason: str = "", **kw: Any) -> None:
        super().__init__(message or (f"The export failed: {reason}" if reason else None), **kw)
        self.reason = scrub_text(reason)
