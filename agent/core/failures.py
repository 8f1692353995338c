"""Every failure the wire can raise, told in the person's language with the next step.

Error codes of the contract map to their documented advice (2001 → the registration link with
`?bind=` for anonymous users, 402 → the upgrade message and never a credits message, 4001 →
the supported formats, 4002 → compress or trim); anything unknown shows the server's own text.
One table, `_TELLERS`, says how each kind of failure is told; a kind not in it is told as its
nearest ancestor that is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from agent.api import (
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
    StreamFailed,
    StreamStalled,
    TurnTimeout,
    UnsupportedFile,
)
from agent.events import Link

from .context import Context

__all__ = ["FORMATS", "register_url", "report"]

log = logging.getLogger("agent.core")

# how one kind of failure is told: (context, the failure, the file it concerns, if any)
Teller = Callable[[Context, Any, "str | None"], None]

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


def report(ctx: Context, exc: BaseException, *, file: str | None = None) -> None:
    """Emit the Error (and Link) for `exc`. Never raises."""
    try:
        _report(ctx, exc, file)
    except Exception:  # the report itself must not become the failure
        log.debug("reporting a failure failed", exc_info=True)
        ctx.error("internal", "err.internal", "err.internal.hint", kind=type(exc).__name__)


def _report(ctx: Context, exc: BaseException, file: str | None) -> None:
    # the most specific entry wins: StreamLineTooLong reads as StreamBroken, RequestLost as
    # ServiceUnreachable, any other NemoError shows the server's own text
    for kind in type(exc).__mro__:
        teller = _TELLERS.get(kind)
        if teller is not None:
            teller(ctx, exc, file)
            return
    log.debug("unexpected failure", exc_info=exc)
    ctx.error("internal", "err.internal", "err.internal.hint", kind=type(exc).__name__)


def _what(ctx: Context, file: str | None) -> str:
    return ctx.say("err.file_named", name=file) if file else ctx.say("err.this_file")


def _no_credits(ctx: Context, exc: Any, file: str | None) -> None:
    if exc.registered:
        ctx.error("2001", "err.no_credits", "err.no_credits.hint_registered")
        return
    ctx.error("2001", "err.no_credits", "err.no_credits.hint_anonymous")
    ctx.emit(Link(label=ctx.say("link.register"), url=register_url(ctx, exc.bind_id)))


def _export_blocked(ctx: Context, exc: Any, file: str | None) -> None:
    ctx.error("402", "err.export_blocked", "err.export_blocked.hint")
    if _is_anonymous(ctx, None):
        ctx.emit(Link(label=ctx.say("link.register"), url=register_url(ctx, None)))


def _local_file(ctx: Context, exc: Any, file: str | None) -> None:
    reason = str(exc.reason)
    ctx.error(
        "local_file",
        f"err.local_file.{reason}",
        f"err.local_file.{reason}.hint",
        path=str(exc.path),
        name=exc.path.name,
        formats=FORMATS,
        target=str(exc.target or ""),
    )


def _unsupported(ctx: Context, exc: Any, file: str | None) -> None:
    formats = ", ".join(exc.formats) if exc.formats else FORMATS
    ctx.error(
        "4001",
        "err.unsupported",
        "err.unsupported.hint",
        name=file or "",
        formats=formats,
        what=_what(ctx, file),
    )


def _too_large(ctx: Context, exc: Any, file: str | None) -> None:
    limit = f"{exc.limit / (1024 * 1024):.0f}"
    ctx.error("4002", "err.too_large", "err.too_large.hint", what=_what(ctx, file), limit=limit)


def _auth_expired(ctx: Context, exc: Any, file: str | None) -> None:
    env = ctx.client.token_source == "env"
    ctx.error("1001", "err.auth_expired", "err.auth_expired.hint_env" if env else "err.auth_expired.hint")


def _rate_limited(ctx: Context, exc: Any, file: str | None) -> None:
    wait = f"{exc.retry_after:.0f}" if exc.retry_after else "30"
    ctx.error("429", "err.rate_limited", "err.rate_limited.hint", seconds=wait)


def _unreachable(ctx: Context, exc: Any, file: str | None) -> None:
    url = exc.url or ctx.client.config.base_url
    ctx.error("unreachable", "err.unreachable", "err.unreachable.hint", url=url)


def _fixed(code: str, key: str, hint: str) -> Teller:
    """A failure told in fixed words."""
    return lambda ctx, exc, file: ctx.error(code, key, hint)


def _timed_out(code: str, key: str, limit: str) -> Teller:
    """A time limit ran out: say which, in minutes (`limit` names the ApiConfig field)."""

    def tell(ctx: Context, exc: Any, file: str | None) -> None:
        minutes = _minutes(getattr(ctx.client.config, limit))
        ctx.error(code, key, "err.after_timeout.hint", minutes=minutes)

    return tell


def _download(ctx: Context, exc: Any, file: str | None) -> None:
    ctx.error("download", "err.download", "err.download.hint", detail=str(exc))


def _render_failed(ctx: Context, exc: Any, file: str | None) -> None:
    reason = exc.reason or ""
    because = ctx.say("err.because", reason=reason) if reason else ""
    ctx.error("render_failed", "err.render_failed", "err.render_failed.hint", reason=because)


def _stream_failed(ctx: Context, exc: Any, file: str | None) -> None:
    ctx.error("stream", "err.stream", "err.stream.hint", message=exc.server_message or "")


def _other_api_error(ctx: Context, exc: Any, file: str | None) -> None:
    code = str(exc.code or exc.status or "api")
    ctx.error(code, "err.api", "err.api.hint", message=exc.server_message or str(exc))


def _os_error(ctx: Context, exc: Any, file: str | None) -> None:
    detail = exc.strerror or type(exc).__name__
    ctx.error("os", "err.os", "err.os.hint", detail=detail, path=str(exc.filename or ""))


_TELLERS: dict[type[BaseException], Teller] = {
    NoCredits: _no_credits,
    ExportBlocked: _export_blocked,
    LocalFileError: _local_file,
    UnsupportedFile: _unsupported,
    FileTooLarge: _too_large,
    AuthExpired: _auth_expired,
    SessionNotFound: _fixed("1002", "err.session_lost", "err.session_lost.hint"),
    MissingClientId: _fixed("400", "err.missing_client_id", "err.missing_client_id.hint"),
    RateLimited: _rate_limited,
    ServiceUnreachable: _unreachable,
    HeartbeatTimeout: _timed_out(
        "heartbeat_timeout", "err.heartbeat_timeout", "sse_heartbeat_only_timeout"
    ),
    TurnTimeout: _timed_out("turn_timeout", "err.turn_timeout", "sse_total_timeout"),
    StreamStalled: _timed_out("stalled", "err.stalled", "sse_idle_timeout"),
    StreamBroken: _fixed("stream_broken", "err.stream_broken", "err.after_timeout.hint"),
    StreamFailed: _stream_failed,
    DownloadError: _download,
    RenderFailed: _render_failed,
    NemoError: _other_api_error,
    OSError: _os_error,
}
