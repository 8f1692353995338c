"""The one send path of the wire: one httpx.AsyncClient, the bearer header, the single re-auth
after 1001, and the retry policy. Every request of the client goes through `Sender.send`.

The retry policy: a request that never left (connection refused) may always be sent again; a
transient fault (a dropped connection, 408/425/429/5xx) only for calls that are idempotent,
at most `max_retries` times with jittered backoff, honouring Retry-After up to its cap. A 1001
gets one new anonymous token (same client id) and one more try: the server refused the call,
so nothing started. Streams (the reply of a turn, a download) use the same path; what differs
is said by a `Streaming` hook: when the body is handed over unread, and a deadline for the
answer. Whatever a stream does after that (its own time limits, resuming) is its owner's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import httpx

from .auth import Credentials
from .config import SKILL_SOURCE, ApiConfig
from .envelope import Reply, body_json, error_for
from .errors import AuthExpired, RequestLost, ServiceUnreachable, scrub_text
from .models import ClientNotice, ClientNoticeKind
from .observe import ExchangeObserver, ExchangeRecord, SafeObserver, scrub_json
from .retry import TRANSIENT_STATUSES, backoff_delay, parse_retry_after
from .transport import OnDemandTLSTransport, prepare_tls
from .uploads import MultipartBody

__all__ = ["Sender", "Streaming", "Wiring", "package_version"]

log = logging.getLogger("agent.api")

# Raised before the request left: safe to send again, even for calls that start work.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _keepalive_options() -> list[tuple[int, int, int]]:
    """TCP keepalive, so a 15-minute turn through a quiet NAT or proxy is not silently cut."""
    import socket

    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 60), ("TCP_KEEPCNT", 5)):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return options


@functools.cache
def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("nemo-chat")
    except Exception:
        return "0.0.0"


@dataclass(frozen=True)
class Streaming:
    """How a streamed request differs from a plain call (the hooks of the send path).

    `streams(response)` says whether the body is the stream (handed over unread in
    `Reply.stream`, which the caller must close) or an envelope to read like any reply.
    `answer_by()` is the loop time by which each attempt must have its answer (asyncio's
    TimeoutError escapes to the caller, who knows what the deadline meant). `on_answer` sees
    every envelope reply (e.g. to record a refusal).
    """

    streams: Callable[[httpx.Response], bool]
    timeout: httpx.Timeout | None = None
    answer_by: Callable[[], float] | None = None
    on_answer: Callable[[Reply], None] | None = None


class Wiring(TypedDict, total=False):
    """What a client may be given besides its config (tests and transcripts use them)."""

    observer: ExchangeObserver | None  # sees every exchange, secrets removed
    on_notice: Callable[[ClientNotice], None] | None  # hears what the client did on its own
    transport: httpx.AsyncBaseTransport | None  # another connection pool (tests)


class Sender:
    """Owns the connection pool, the credentials and the notices of one client."""

    def __init__(self, config: ApiConfig, **wiring: Unpack[Wiring]) -> None:
        self.config = config
        self.notices: list[ClientNotice] = []
        self.observer = SafeObserver(wiring.get("observer"))
        self.credentials = Credentials(config, self.add_notice)
        self._on_notice = wiring.get("on_notice")
        transport = wiring.get("transport")
        self._version = package_version()
        if transport is None and config.base_url.lower().startswith("https:"):
            prepare_tls()  # the CA bundle loads in a thread while the chat starts
        self.http = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, write=120.0),
            headers=self.attribution_headers(),
            transport=transport or OnDemandTLSTransport(socket_options=_keepalive_options()),
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def attribution_headers(self) -> dict[str, str]:
        return {
            "X-Skill-Source": SKILL_SOURCE,
            "X-Skill-Version": self._version,
            "X-Skill-Platform": self.config.platform,
            "User-Agent": f"nemo-chat/{self._version}",
        }

    async def connect(self) -> None:
        """Make sure a token exists (see `Credentials.ensure`)."""
        await self.credentials.ensure(self.send)

    # -- notices and secrets --------------------------------------------------------------------
    def notice(self, kind: ClientNoticeKind, detail: str = "") -> None:
        self.add_notice(ClientNotice(kind=kind, detail=detail))

    def add_notice(self, notice: ClientNotice) -> None:
        self.notices.append(notice)
        if self._on_notice is not None:
            try:
                self._on_notice(notice)
            except Exception:
                log.warning("notice callback failed")

    def scrub_json(self, value: Any) -> Any:
        return scrub_json(value, *self.credentials.secrets())

    def scrub_text(self, text: str) -> str:
        return scrub_text(text, *self.credentials.secrets())

    # -- the one send path ----------------------------------------------------------------------
    async def send(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        idempotent: bool,
        auth: bool = True,
        json: Any = None,
        body: MultipartBody | None = None,
        headers: dict[str, str] | None = None,
        token_call: bool = False,
        stream: Streaming | None = None,
    ) -> Reply:
        """Send one request, recovering as the contract allows; the reply, or its typed failure.

        `auth=False` sends no bearer token (the token call, a download from another host).
        """
        if auth:
            await self.connect()
        retries = 0
        reauthed = False
        while True:
            used = self.credentials.token if auth else None
            sent_headers = dict(headers or {})
            if used is not None:
                sent_headers["Authorization"] = f"Bearer {used.get_secret_value()}"
            if body is not None:
                sent_headers["Content-Type"] = body.content_type
                sent_headers["Content-Length"] = str(body.length)
            started = time.monotonic()
            try:
                reply = await self._attempt(method, url, json, body, sent_headers, stream)
            except httpx.TransportError as exc:
                if stream is None:
                    self._record(method, url, None, json, body, None, started, type(exc).__name__)
                if (isinstance(exc, NOT_SENT) or idempotent) and retries < self.config.max_retries:
                    await asyncio.sleep(self._backoff(retries))
                    retries += 1
                    self.notice("retried", type(exc).__name__)
                    continue
                raise self._unreachable(exc) from None
            if reply.stream is not None:
                return reply
            if stream is None:
                self._record(method, url, reply.status, json, body, reply.body, started, None)
            elif stream.on_answer is not None:
                stream.on_answer(reply)
            wait = parse_retry_after(reply.headers)
            if (
                reply.status in TRANSIENT_STATUSES
                and idempotent
                and not (token_call and reply.status == 429)
                and retries < self.config.max_retries
                and (wait is None or wait <= self.config.retry_after_cap)
            ):
                await asyncio.sleep(wait if wait is not None else self._backoff(retries))
                retries += 1
                self.notice("retried", f"HTTP {reply.status}")
                continue
            err = error_for(
                reply.status, reply.body, reply.raw, retry_after=wait, token_call=token_call
            )
            if err is None:
                return reply
            if (
                isinstance(err, AuthExpired)
                and auth
                and not reauthed
                and self.credentials.source != "env"
            ):
                reauthed = True
                await self.credentials.renew(used, self.send)
                continue
            raise err

    async def _attempt(
        self,
        method: str,
        url: str | httpx.URL,
        json: Any,
        body: MultipartBody | None,
        headers: dict[str, str],
        stream: Streaming | None,
    ) -> Reply:
        content = body.__aiter__() if body is not None else None
        if stream is None:
            response = await self.http.request(
                method, url, json=json, headers=headers, content=content
            )
            return Reply(
                response.status_code,
                response.headers,
                body_json(response.content),
                response.content,
            )
        request = self.http.build_request(
            method,
            url,
            json=json,
            headers=headers,
            content=content,
            timeout=stream.timeout or httpx.USE_CLIENT_DEFAULT,
        )
        if stream.answer_by is None:
            response = await self.http.send(request, stream=True)
        else:
            async with asyncio.timeout_at(stream.answer_by()):
                response = await self.http.send(request, stream=True)
        if stream.streams(response):
            return Reply(response.status_code, response.headers, stream=response)
        try:
            raw = await response.aread()
        except httpx.TransportError:
            raw = b""
        finally:
            await response.aclose()
        return Reply(response.status_code, response.headers, body_json(raw), raw)

    def _backoff(self, retries_done: int) -> float:
        return backoff_delay(retries_done, self.config.retry_base, self.config.retry_cap)

    def _unreachable(self, exc: httpx.TransportError) -> ServiceUnreachable:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        error = ServiceUnreachable if isinstance(exc, NOT_SENT) else RequestLost
        return error(
            f"Cannot reach the NemoVideo service at {self.config.base_url} ({kind}).",
            url=self.config.base_url,
        )

    def _record(
        self,
        method: str,
        url: str | httpx.URL,
        status: int | None,
        request_json: Any,
        body: MultipartBody | None,
        response: Any,
        started: float,
        error: str | None,
    ) -> None:
        if not self.observer:
            return
        secrets = self.credentials.secrets()
        self.observer.call(
            "on_exchange",
            ExchangeRecord(
                method=method,
                path=str(url),
                status=status,
                request_json=scrub_json(request_json, *secrets),
                files=list(body.summaries) if body is not None else None,
                response_json=scrub_json(response, *secrets),
                duration=round(time.monotonic() - started, 4),
                error=error,
            ),
        )
