"""The plumbing under `NemoClient`: one httpx.AsyncClient, attribution headers, notices,
and `_exchange` (one call with the transient-fault retries the contract allows).

Calls that start work are retried only when the request never left (connection refused).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Self

import httpx
from pydantic import SecretStr

from .config import SKILL_SOURCE, ApiConfig
from .envelope import body_json
from .errors import ServiceUnreachable, scrub_text
from .identity import CredentialStore
from .models import Notice
from .observe import ExchangeObserver, ExchangeRecord, SafeObserver, scrub_json
from .retry import TRANSIENT_STATUSES, backoff_delay, parse_retry_after
from .transport import OnDemandTLSTransport, prepare_tls
from .uploads import MultipartBody

__all__ = ["APP", "TOKEN_PATH", "BaseClient", "package_version"]

log = logging.getLogger("agent.api")

TOKEN_PATH = "/api/auth/anonymous-token"
APP = "nemo_agent"
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


@dataclass
class _Reply:
    status: int
    headers: httpx.Headers
    body: Any
    raw: bytes


class BaseClient:
    def __init__(
        self,
        config: ApiConfig,
        *,
        observer: ExchangeObserver | None = None,
        on_notice: Callable[[Notice], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.session_id: str | None = None
        self.task_id: str | None = None
        self.user_id: str | None = None
        self.token_source: Literal["env", "stored", "anonymous"] | None = None
        self.notices: list[Notice] = []
        self._on_notice = on_notice
        self._observer = SafeObserver(observer)
        self._store = CredentialStore(config.config_dir)
        self._token: SecretStr | None = None
        self._client_id: str | None = config.client_id
        self._token_lock = asyncio.Lock()
        self._version = package_version()
        if transport is None and config.base_url.lower().startswith("https:"):
            prepare_tls()  # the CA bundle loads in a thread while the chat starts
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, write=120.0),
            headers=self.attribution_headers(),
            transport=transport or OnDemandTLSTransport(socket_options=_keepalive_options()),
            follow_redirects=True,
        )

    def __repr__(self) -> str:
        return f"NemoClient(base_url={self.config.base_url!r}, session_id={self.session_id!r}, token_source={self.token_source!r})"

    # -- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def attribution_headers(self) -> dict[str, str]:
        return {
            "X-Skill-Source": SKILL_SOURCE,
            "X-Skill-Version": self._version,
            "X-Skill-Platform": self.config.platform,
            "User-Agent": f"nemo-chat/{self._version}",
        }

    # -- notices --------------------------------------------------------------------------------
    def _notice(self, kind: Any, detail: str = "") -> None:
        self._add(Notice(kind=kind, detail=detail))

    def _add(self, notice: Notice) -> None:
        self.notices.append(notice)
        if self._on_notice is not None:
            try:
                self._on_notice(notice)
            except Exception:
                log.warning("notice callback failed")

    def _drain_store(self) -> None:
        for notice in self._store.drain():
            self._add(notice)

    def _scrubbed(self, value: Any) -> Any:
        return scrub_json(value, *self._secrets())

    def _scrub_str(self, text: str) -> str:
        return scrub_text(text, *self._secrets())

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._token.get_secret_value() if self._token else None, self._client_id)

    # -- identity -------------------------------------------------------------------------------
    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        auth: bool = True,
        json: Any = None,
        body: MultipartBody | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> _Reply:
        """Send one call, retrying transient faults as allowed; returns whatever the server said."""
        retries = 0
        while True:
            headers = dict(extra_headers or {})
            if auth and self._token is not None:
                headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
            if body is not None:
                headers["Content-Type"] = body.content_type
                headers["Content-Length"] = str(body.length)
            started = time.monotonic()
            try:
                response = await self._http.request(
                    method,
                    path,
                    json=json,
                    headers=headers,
                    content=body.__aiter__() if body is not None else None,
                )
            except httpx.TransportError as exc:
                self._record(method, path, None, json, body, None, started, type(exc).__name__)
                can_retry = isinstance(exc, NOT_SENT) or idempotent
                if can_retry and retries < self.config.max_retries:
                    await asyncio.sleep(
                        backoff_delay(retries, self.config.retry_base, self.config.retry_cap)
                    )
                    retries += 1
                    self._notice("retried", type(exc).__name__)
                    continue
                raise self._unreachable(exc) from None
            reply = _Reply(
                response.status_code,
                response.headers,
                body_json(response.content),
                response.content,
            )
            self._record(method, path, reply.status, json, body, reply.body, started, None)
            if (
                reply.status in TRANSIENT_STATUSES
                and idempotent
                and not (path == TOKEN_PATH and reply.status == 429)
            ):
                wait = parse_retry_after(reply.headers)
                if retries < self.config.max_retries and (
                    wait is None or wait <= self.config.retry_after_cap
                ):
                    await asyncio.sleep(
                        wait
                        if wait is not None
                        else backoff_delay(retries, self.config.retry_base, self.config.retry_cap)
                    )
                    retries += 1
                    self._notice("retried", f"HTTP {reply.status}")
                    continue
            return reply

    def _unreachable(self, exc: httpx.TransportError) -> ServiceUnreachable:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        return ServiceUnreachable(
            f"Cannot reach the NemoVideo service at {self.config.base_url} ({kind}).",
            url=self.config.base_url,
        )

    def _record(
        self,
        method: str,
        path: str,
        status: int | None,
        request_json: Any,
        body: MultipartBody | None,
        response: Any,
        started: float,
        error: str | None,
    ) -> None:
        if not self._observer:
            return
        secrets = self._secrets()
        self._observer.call(
            "on_exchange",
            ExchangeRecord(
                method=method,
                path=path,
                status=status,
                request_json=scrub_json(request_json, *secrets),
                files=list(body.summaries) if body is not None else None,
                response_json=scrub_json(response, *secrets),
                duration=round(time.monotonic() - started, 4),
                error=error,
            ),
        )
