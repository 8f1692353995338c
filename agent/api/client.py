"""`NemoClient`: every endpoint of the NemoVideo API, with the recovery rules of the contract.

One httpx.AsyncClient inside. Recovery happens here so the agent never redoes it: 1001 gets a
new anonymous token (same client id) and one retry; a 400 on the token call gets a new client
id and one retry; a 429 on the token call waits `rate_limit_wait` and retries once; transient
faults on idempotent calls get at most `max_retries` jittered retries honouring Retry-After.
Calls that start work (run_sse, render submit, upload) are retried only when the request never
left (connection refused), or after the server explicitly refused it (1001).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from . import downloads, turn
from .config import SKILL_SOURCE, ApiConfig
from .envelope import body_json, data_of, error_for
from .errors import (
    ApiError,
    AuthExpired,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
    ServiceUnreachable,
    scrub_text,
)
from .identity import CredentialStore, StoredToken, parse_expiry
from .models import (
    Credits,
    DownloadResult,
    Notice,
    RenderJob,
    SessionInfo,
    SessionState,
    UploadedFile,
    UploadProgress,
)
from .observe import ExchangeObserver, ExchangeRecord, SafeObserver, scrub_json
from .retry import TRANSIENT_STATUSES, backoff_delay, parse_retry_after
from .uploads import MultipartBody, PreparedFile, cleanup, prepare_file

__all__ = ["NemoClient", "package_version"]

log = logging.getLogger("agent.api")

TOKEN_PATH = "/api/auth/anonymous-token"
APP = "nemo_agent"
# Never sent again automatically: the request may have reached the server and started work.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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


class NemoClient:
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
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, write=120.0),
            headers=self.attribution_headers(),
            transport=transport,
            follow_redirects=True,
        )

    def __repr__(self) -> str:
        return f"NemoClient(base_url={self.config.base_url!r}, session_id={self.session_id!r}, token_source={self.token_source!r})"

    # -- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> NemoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def attribution_headers(self) -> dict[str, str]:
        return {
            "X-Skill-Source": SKILL_SOURCE,
            "X-Skill-Version": getattr(self, "_version", None) or package_version(),
            "X-Skill-Platform": self.config.platform,
            "User-Agent": f"nemo-chat/{getattr(self, '_version', '0')}",
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
    def _ensure_client_id(self) -> str:
        if self._client_id is None:
            self._client_id = self._store.client_id(None)
            self._drain_store()
        return self._client_id

    async def connect(self) -> None:
        """Make sure a token exists: NEMO_TOKEN > a stored unexpired one > a new anonymous one."""
        async with self._token_lock:
            if self._token is not None:
                return
            if self.config.token is not None:
                self._token, self.token_source = self.config.token, "env"
                return
            stored = await asyncio.to_thread(self._store.load_token, self.config.base_url)
            self._drain_store()
            if stored is not None:
                self._token, self.token_source = stored.token, "stored"
                self.user_id = self.user_id or stored.user_id
                return
            await self._fetch_anonymous_token()

    async def _reauthenticate(self, failed: SecretStr | None) -> None:
        """After 1001: a new anonymous token with the same client id (once per failure)."""
        async with self._token_lock:
            if self._token is not None and failed is not None and self._token != failed:
                return  # someone else already renewed it
            await self._fetch_anonymous_token()
        self._notice("reauthenticated")

    async def _fetch_anonymous_token(self) -> None:
        client_id = await asyncio.to_thread(self._ensure_client_id)
        renewed_id = waited = False
        while True:
            reply = await self._exchange(
                "POST",
                TOKEN_PATH,
                idempotent=True,
                auth=False,
                extra_headers={"X-Client-Id": client_id},
            )
            err = error_for(
                reply.status,
                reply.body,
                reply.raw,
                retry_after=parse_retry_after(reply.headers),
                token_call=True,
            )
            if isinstance(err, MissingClientId) and not renewed_id:
                renewed_id = True
                client_id = str(uuid.uuid4())
                if self.config.client_id is None:  # a NEMO_CLIENT_ID stays the person's own
                    await asyncio.to_thread(self._store.save_client_id, client_id)
                    self._drain_store()
                self._client_id = client_id
                self._notice("new_client_id")
                continue
            if isinstance(err, RateLimited) and not waited:
                waited = True
                self._notice("rate_limited_wait", f"{self.config.rate_limit_wait:g}")
                await asyncio.sleep(self.config.rate_limit_wait)
                continue
            if err is not None:
                raise err
            data = data_of(reply.body)
            token = data.get("token")
            if not isinstance(token, str) or not token:
                raise ApiError("The service gave no token.", status=reply.status)
            now = time.time()
            user_id = data.get("user_id")
            stored = StoredToken(
                token=SecretStr(token),
                expires_at=parse_expiry(data.get("expires_at"), now),
                user_id=str(user_id) if user_id else None,
                client_id=client_id,
            )
            self._token, self.token_source = stored.token, "anonymous"
            if stored.user_id:
                self.user_id = stored.user_id
            await asyncio.to_thread(self._store.save_token, self.config.base_url, stored)
            self._drain_store()
            return

    # -- one exchange ---------------------------------------------------------------------------
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
                can_retry = isinstance(exc, _NOT_SENT) or idempotent
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

    async def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        body: MultipartBody | None = None,
    ) -> dict[str, Any]:
        """An authenticated call: the envelope's `data`, or a typed failure (after recovery)."""
        await self.connect()
        reauthed = False
        while True:
            used = self._token
            reply = await self._exchange(method, path, idempotent=idempotent, json=json, body=body)
            err = error_for(
                reply.status, reply.body, reply.raw, retry_after=parse_retry_after(reply.headers)
            )
            if err is None:
                return data_of(reply.body)
            if isinstance(err, AuthExpired) and not reauthed:
                if self.token_source == "env":
                    raise err
                reauthed = True
                await self._reauthenticate(used)
                continue
            if isinstance(err, NoCredits):
                await self._complete_no_credits(err)
            raise err

    async def _complete_no_credits(self, err: NoCredits) -> None:
        """2001 needs the bind id for the registration link: from the reply, us, or the state."""
        if err.bind_id is None:
            err.bind_id = self.user_id
        if err.bind_id is None and self.session_id is not None:
            try:
                reply = await self._exchange("GET", self._state_path(), idempotent=True)
                state = SessionState.from_data(data_of(reply.body))
                if state.user_id:
                    self.user_id = err.bind_id = state.user_id
            except NemoError:
                pass
        err.registered = bool(err.bind_id) and not str(err.bind_id).startswith("anon_")
        if err.bind_id is None and self.token_source == "env":
            err.registered = True

    # -- endpoints --------------------------------------------------------------------------------
    def _need_session(self) -> str:
        if self.session_id is None:
            raise RuntimeError("no session: call create_session() or use_session() first")
        return self.session_id

    def _state_path(self) -> str:
        return f"/api/state/{APP}/me/{self._need_session()}/latest"

    async def create_session(self, language: str = "en") -> SessionInfo:
        data = await self._call(
            "POST",
            f"/api/tasks/me/with-session/{APP}",
            idempotent=False,
            json={"task_name": "project", "language": language},
        )
        info = SessionInfo.model_validate(data)
        self.session_id, self.task_id = info.session_id, info.task_id
        if info.user_id:
            self.user_id = info.user_id
        return info

    def use_session(self, session_id: str) -> None:
        self.session_id = str(session_id)

    async def credits(self) -> Credits:
        return Credits.from_data(
            await self._call("GET", "/api/credits/balance/simple", idempotent=True)
        )

    async def state(self) -> SessionState:
        state = SessionState.from_data(await self._call("GET", self._state_path(), idempotent=True))
        if state.user_id:
            self.user_id = state.user_id
        return state

    def new_render_id(self) -> str:
        return f"render_{uuid.uuid4().hex}"

    async def submit_render(
        self, draft: dict[str, Any], *, render_id: str | None = None, resolution: str | None = None
    ) -> RenderJob:
        """Start an export. A retry after a lost reply re-sends the same id (the server dedupes)."""
        sid = self._need_session()
        rid = render_id or self.new_render_id()
        output: dict[str, Any] = {"format": "mp4", "quality": "high"}
        if resolution:
            output["resolution"] = resolution
        payload = {"id": rid, "sessionId": sid, "draft": draft, "output": output}
        try:
            data = await self._call(
                "POST", "/api/render/proxy/lambda", idempotent=True, json=payload
            )
        except ApiError as exc:
            said = (exc.server_message or "").lower()
            if exc.status == 409 or "duplicate" in said or "already exist" in said:
                return await self.render_status(rid)  # our earlier attempt (or run) made it
            raise
        job = RenderJob.from_reply({"data": data}, rid)
        return job if job.id else job.model_copy(update={"id": rid})

    async def render_status(self, render_id: str) -> RenderJob:
        await self.connect()
        path = f"/api/render/proxy/lambda/{render_id}"
        reauthed = False
        while True:
            used = self._token
            reply = await self._exchange("GET", path, idempotent=True)
            err = error_for(
                reply.status, reply.body, reply.raw, retry_after=parse_retry_after(reply.headers)
            )
            if isinstance(err, AuthExpired) and not reauthed and self.token_source != "env":
                reauthed = True
                await self._reauthenticate(used)
                continue
            if err is not None:
                raise err
            return RenderJob.from_reply(reply.body, render_id)  # both reply forms

    async def wait_render(
        self,
        render_id: str,
        *,
        interval: float = 30.0,
        max_polls: int = 20,
        on_progress: Callable[[RenderJob], None] | None = None,
    ) -> RenderJob:
        """Poll until completed (returned) or failed (RenderFailed); TurnTimeout after max_polls."""
        from .errors import RenderFailed, TurnTimeout

        for _ in range(max_polls):
            job = await self.render_status(render_id)
            if on_progress is not None:
                on_progress(job)
            if job.status == "completed":
                return job
            if job.status in ("failed", "cancelled"):
                raise RenderFailed(reason=job.error or job.status)
            await asyncio.sleep(interval)
        raise TurnTimeout(
            "The export is still running on the server; you can pick it up again later by its id."
        )

    async def cancel_render(self, render_id: str) -> None:
        await self._call("POST", f"/api/render/proxy/lambda/{render_id}/cancel", idempotent=True)

    async def upload_urls(self, urls: Sequence[str]) -> list[UploadedFile]:
        data = await self._call(
            "POST",
            f"/api/upload-video/{APP}/me/{self._need_session()}",
            idempotent=False,
            json={"urls": list(urls), "source_type": "url"},
        )
        return _files(data)

    async def upload_files(
        self, paths: Sequence[Path], *, on_progress: Callable[[UploadProgress], None] | None = None
    ) -> list[UploadedFile]:
        """Check every file first (nothing is sent if one is refused), then one multipart request."""
        sid = self._need_session()
        prepared: list[PreparedFile] = []
        try:
            for path in paths:
                item = await asyncio.to_thread(prepare_file, Path(path))
                prepared.append(item)
                if item.temp_dir is not None:
                    self._notice("heic_converted", item.source.name)
            body = MultipartBody(prepared, on_progress=on_progress, want_hash=bool(self._observer))
            data = await self._call(
                "POST", f"/api/upload-video/{APP}/me/{sid}", idempotent=False, body=body
            )
            return _files(data)
        finally:
            await asyncio.to_thread(cleanup, prepared)

    # -- the event stream -------------------------------------------------------------------------
    def run_sse(self, text: str, *, streaming: bool = True) -> turn.EventStream:
        """The events of one turn. Iterate it (ideally `async with`); it ends when the body closes."""
        return turn.EventStream(turn.stream_turn(self, text, streaming))

    # -- downloads ------------------------------------------------------------------------------
    async def download(
        self,
        url: str,
        dest_dir: Path,
        *,
        name: str | None = None,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> DownloadResult:
        return await downloads.download(
            self, url, Path(dest_dir), name=name, on_progress=on_progress
        )

    async def download_render(self, render_id: str, dest_dir: Path, **kw: Any) -> DownloadResult:
        kw.setdefault("name", f"{render_id}.mp4")
        return await self.download(f"/api/render/proxy/{render_id}/download", dest_dir, **kw)


def _files(data: dict[str, Any]) -> list[UploadedFile]:
    files = data.get("files")
    if not isinstance(files, list):
        return []
    return [UploadedFile.model_validate(f) for f in files if isinstance(f, dict)]
