"""Every failure the wire can raise, told in the person's language with the next step.

Error codes of the contract map to their documented advice (2001 → the registration link with
`?bind=` for anonymous users, 402 → the upgrade message and never a credits message, 4001 →
the supported formats, 4002 → compress or trim); anything unknown shows the server's own text.
"""

from __future__ import annotations

import logging
from typing import Any

from agent.api import (
    ApiError,
    AuthExpired,
    DownloadError,
    ExportBlocked,
    FileTooLarge,
    HeartbeatTimeout,
    LocalFileError,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
    RenderFailed,
    ServiceUnreachable,
    SessionNotFound,
    StreamBroken,
    StreamStalled,
    TurnTimeout,
    UnsupportedFile,
)
from agent.events import Link

from .context import Context

__all__ = ["FORMATS", "register_url", "report"]

log = logging.getLogger("agent.core")

FORMATS = "mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, m4a, aac"


def register_url(ctx: Context, bind_id: str | None) -> str:
    bind = bind_id or ctx.client.user_id
    return f"{ctx.web_url}/register?bind={bind}" if bind else f"{ctx.web_url}/register"


def _is_anonymous(ctx: Context, bind_id: str | None) -> bool:
    who = bind_id or ctx.client.user_id
    if who:
        return str(who).startswith("anon_")
    return ctx.client.token_source == "anonymous"


def _minutes(seconds: float) -> str:
    value = seconds / 60.0
    return f"{value:.0f}" if value >= 1 else f"{value:.1f}"


def _name(path: Any) -> str:
    name = getattr(path, "name", None) or str(path)
    return str(name)


def report(ctx: Context, exc: BaseException, *, file: str | None = None) -> None:
    """Emit the Error (and Link) for `exc`. Never raises."""
    try:
        _report(ctx, exc, file)
    except Exception:  # the report itself must not become the failure
        log.debug("reporting a failure failed", exc_info=True)
        ctx.error("internal", "err.internal", "err.internal.hint", kind=type(exc).__name__)


def _report(ctx: Context, exc: BaseException, file: str | None) -> None:
    cfg = ctx.client.config
    if isinstance(exc, NoCredits):
        if not exc.registered:
            ctx.error("2001", "err.no_credits", "err.no_credits.hint_anonymous")
            ctx.emit(Link(label=ctx.say("link.register"), url=register_url(ctx, exc.bind_id)))
        else:
            ctx.error("2001", "err.no_credits", "err.no_credits.hint_registered")
    elif isinstance(exc, ExportBlocked):
        ctx.error("402", "err.export_blocked", "err.export_blocked.hint")
        if _is_anonymous(ctx, None):
            ctx.emit(Link(label=ctx.say("link.register"), url=register_url(ctx, None)))
    elif isinstance(exc, LocalFileError):
        reason = str(exc.reason)
        ctx.error(
            "local_file",
            f"err.local_file.{reason}",
            f"err.local_file.{reason}.hint",
            path=str(exc.path),
            name=exc.path.name,
            formats=FORMATS,
        )
    elif isinstance(exc, UnsupportedFile):
        formats = ", ".join(exc.formats) if exc.formats else FORMATS
        ctx.error(
            "4001",
            "err.unsupported",
            "err.unsupported.hint",
            name=file or "",
            formats=formats,
            what=ctx.say("err.file_named", name=file) if file else ctx.say("err.this_file"),
        )
    elif isinstance(exc, FileTooLarge):
        ctx.error(
            "4002",
            "err.too_large",
            "err.too_large.hint",
            what=ctx.say("err.file_named", name=file) if file else ctx.say("err.this_file"),
            limit=f"{exc.limit / (1024 * 1024):.0f}",
        )
    elif isinstance(exc, AuthExpired):
        hint = (
            "err.auth_expired.hint_env"
            if ctx.client.token_source == "env"
            else "err.auth_expired.hint"
        )
        ctx.error("1001", "err.auth_expired", hint)
    elif isinstance(exc, SessionNotFound):
        ctx.error("1002", "err.session_lost", "err.session_lost.hint")
    elif isinstance(exc, MissingClientId):
        ctx.error("400", "err.missing_client_id", "err.missing_client_id.hint")
    elif isinstance(exc, RateLimited):
        wait = f"{exc.retry_after:.0f}" if exc.retry_after else "30"
        ctx.error("429", "err.rate_limited", "err.rate_limited.hint", seconds=wait)
    elif isinstance(exc, ServiceUnreachable):
        ctx.error(
            "unreachable", "err.unreachable", "err.unreachable.hint", url=exc.url or cfg.base_url
        )
    elif isinstance(exc, HeartbeatTimeout):
        ctx.error(
            "heartbeat_timeout",
            "err.heartbeat_timeout",
            "err.after_timeout.hint",
            minutes=_minutes(cfg.sse_heartbeat_only_timeout),
        )
    elif isinstance(exc, TurnTimeout):
        ctx.error(
            "turn_timeout",
            "err.turn_timeout",
            "err.after_timeout.hint",
            minutes=_minutes(cfg.sse_total_timeout),
        )
    elif isinstance(exc, StreamStalled):
        ctx.error(
            "stalled",
            "err.stalled",
            "err.after_timeout.hint",
            minutes=_minutes(cfg.sse_idle_timeout),
        )
    elif isinstance(exc, StreamBroken):
        ctx.error("stream_broken", "err.stream_broken", "err.after_timeout.hint")
    elif isinstance(exc, DownloadError):
        ctx.error("download", "err.download", "err.download.hint", detail=str(exc))
    elif isinstance(exc, RenderFailed):
        reason = exc.reason or ""
        ctx.error(
            "render_failed",
            "err.render_failed",
            "err.render_failed.hint",
            reason=ctx.say("err.because", reason=reason) if reason else "",
        )
    elif isinstance(exc, ApiError | NemoError):
        code = str(exc.code or exc.status or "api")
        text = exc.server_message or str(exc)
        ctx.error(code, "err.api", "err.api.hint", message=text)
    elif isinstance(exc, OSError):
        ctx.error(
            "os",
            "err.os",
            "err.os.hint",
            detail=exc.strerror or type(exc).__name__,
            path=str(exc.filename or ""),
        )
    else:
        log.debug("unexpected failure", exc_info=exc)
        ctx.error("internal", "err.internal", "err.internal.hint", kind=type(exc).__name__)
