"""`NemoClient`: every endpoint of the NemoVideo API, with the recovery rules of the contract.

Recovery happens in the wire so the agent never redoes it: the send path (`sender.py`) renews
the token after 1001 and retries transient faults as the contract allows; the token call's own
rules are in `auth.py`. Here: what each endpoint sends, whether it may be sent twice, and how
its reply reads. Calls that start work (run_sse, upload) are retried only when the request
never left (connection refused), or after the server explicitly refused it (1001); a render
submit is retried with the same id (the server dedupes), a session create freely.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self, Unpack

from . import downloads, turn
from .auth import TokenSource
from .config import ApiConfig
from .envelope import data_of
from .errors import ApiError, NemoError, NoCredits
from .models import (
    ClientNotice,
    Credits,
    DownloadResult,
    RenderJob,
    SessionInfo,
    SessionState,
    UploadedFile,
    UploadProgress,
)
from .sender import Sender, Wiring, package_version
from .uploads import MultipartBody, PreparedFile, cleanup, prepare_file

__all__ = ["APP", "NemoClient", "package_version"]

APP = "nemo_agent"


class NemoClient:
    """The NemoVideo API. Use as `async with NemoClient(ApiConfig.from_env()) as client:`.

    Every request goes through one `Sender` (composition, not a base class): the endpoints
    here only say what to send and read what came back.
    """

    def __init__(self, config: ApiConfig, **wiring: Unpack[Wiring]) -> None:
        self.config = config
        self.sender = Sender(config, **wiring)
        self.session_id: str | None = None
        self.task_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"NemoClient(base_url={self.config.base_url!r}, session_id={self.session_id!r}, "
            f"token_source={self.token_source!r})"
        )

    # -- lifecycle and identity -----------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.sender.aclose()

    async def connect(self) -> None:
        """Make sure a token exists: NEMO_TOKEN > a stored unexpired one > a new anonymous one."""
        await self.sender.connect()

    @property
    def notices(self) -> list[ClientNotice]:
        return self.sender.notices

    @property
    def token_source(self) -> TokenSource | None:
        return self.sender.credentials.source

    @property
    def user_id(self) -> str | None:
        return self.sender.credentials.user_id

    @user_id.setter
    def user_id(self, value: str | None) -> None:
        self.sender.credentials.user_id = value

    # -- one call -------------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        body: MultipartBody | None = None,
    ) -> Any:
        """The whole reply body of an authenticated call, or its typed failure."""
        try:
            reply = await self.sender.send(
                method, path, idempotent=idempotent, json=json, body=body
            )
        except NoCredits as err:
            await self._complete_no_credits(err)
            raise
        return reply.body

    async def _complete_no_credits(self, err: NoCredits) -> None:
        """2001 needs the bind id for the registration link: from the reply, us, or the state."""
        if err.bind_id is None:
            err.bind_id = self.user_id
        if err.bind_id is None and self.session_id is not None:
            try:
                reply = await self.sender.send("GET", self._state_path(), idempotent=True)
                state = SessionState.from_data(data_of(reply.body))
                if state.user_id:
                    self.user_id = err.bind_id = state.user_id
            except NemoError:
                pass
        err.registered = bool(err.bind_id) and not str(err.bind_id).startswith("anon_")
        if err.bind_id is None and self.token_source == "env":
            err.registered = True

    def _need_session(self) -> str:
        if self.session_id is None:
            raise RuntimeError("no session: call create_session() or use_session() first")
        return self.session_id

    def _state_path(self) -> str:
        return f"/api/state/{APP}/me/{self._need_session()}/latest"

    # -- endpoints ------------------------------------------------------------------------------
    async def create_session(self, language: str = "en") -> SessionInfo:
        # retried like a read: a second try at worst leaves an empty session behind, while
        # giving up on one 500 would end the run
        data = data_of(
            await self._call(
                "POST",
                f"/api/tasks/me/with-session/{APP}",
                idempotent=True,
                json={"task_name": "project", "language": language},
            )
        )
        info = SessionInfo.model_validate(data)
        self.session_id, self.task_id = info.session_id, info.task_id
        if info.user_id:
            self.user_id = info.user_id
        return info

    def use_session(self, session_id: str) -> None:
        self.session_id = str(session_id)

    def for_another_session(self) -> NemoClient:
        """A client for a second session over this one's send path: the same HTTP connection
        pool, token and client id (batch items, each in its own session, share one). Close
        only the original: the send path is shared."""
        other = NemoClient.__new__(NemoClient)
        other.config = self.config
        other.sender = self.sender
        other.session_id = None
        other.task_id = None
        return other

    async def credits(self) -> Credits:
        return Credits.from_data(
            data_of(await self._call("GET", "/api/credits/balance/simple", idempotent=True))
        )

    async def state(self) -> SessionState:
        body = await self._call("GET", self._state_path(), idempotent=True)
        state = SessionState.from_data(data_of(body))
        if state.user_id:
            self.user_id = state.user_id
        return state

    def new_render_id(self) -> str:
        return f"render_{uuid.uuid4().hex}"

    async def submit_render(
        self,
        draft: dict[str, Any],
        *,
        render_id: str | None = None,
        resolution: str | None = None,
        quality: str = "high",
    ) -> RenderJob:
        """Start an export. A retry after a lost reply re-sends the same id (the server dedupes).

        `quality` other than "high" only for a backend whose state reply offered it
        (`SessionState.render_qualities`): the caller checks, the contract shows only "high"."""
        sid = self._need_session()
        rid = render_id or self.new_render_id()
        output: dict[str, Any] = {"format": "mp4", "quality": quality}
        if resolution:
            output["resolution"] = resolution
        payload = {"id": rid, "sessionId": sid, "draft": draft, "output": output}
        try:
            body = await self._call(
                "POST", "/api/render/proxy/lambda", idempotent=True, json=payload
            )
        except ApiError as exc:
            said = (exc.server_message or "").lower()
            if exc.status == 409 or "duplicate" in said or "already exist" in said:
                return await self.render_status(rid)  # our earlier attempt (or run) made it
            raise
        job = RenderJob.from_reply({"data": data_of(body)}, rid)
        return job if job.id else job.model_copy(update={"id": rid})

    async def render_status(self, render_id: str) -> RenderJob:
        body = await self._call("GET", f"/api/render/proxy/lambda/{render_id}", idempotent=True)
        return RenderJob.from_reply(body, render_id)  # top-level or wrapped form

    async def cancel_render(self, render_id: str) -> None:
        await self._call("POST", f"/api/render/proxy/lambda/{render_id}/cancel", idempotent=True)

    async def upload_urls(self, urls: Sequence[str]) -> list[UploadedFile]:
        body = await self._call(
            "POST",
            f"/api/upload-video/{APP}/me/{self._need_session()}",
            idempotent=False,
            json={"urls": list(urls), "source_type": "url"},
        )
        return _files(data_of(body))

    async def upload_files(
        self, paths: Sequence[Path], *, on_progress: Callable[[UploadProgress], None] | None = None
    ) -> list[UploadedFile]:
        """Check every file first (nothing is sent if one is refused), then one multipart request."""
        sid = self._need_session()
        if not paths:
            return []
        prepared: list[PreparedFile] = []
        try:
            for path in paths:
                item = await asyncio.to_thread(prepare_file, Path(path))
                prepared.append(item)
                if item.temp_dir is not None:
                    self.sender.notice("heic_converted", item.source.name)
            body = MultipartBody(
                prepared, on_progress=on_progress, want_hash=bool(self.sender.observer)
            )
            reply = await self._call(
                "POST", f"/api/upload-video/{APP}/me/{sid}", idempotent=False, body=body
            )
            return _files(data_of(reply))
        finally:
            cleanup(prepared)  # synchronous: it must happen even when the task is cancelled

    # -- the event stream -------------------------------------------------------------------------
    def run_sse(self, text: str, *, streaming: bool = True) -> turn.EventStream:
        """The events of one turn. Iterate it (ideally `async with`); it ends when the body closes."""
        payload: dict[str, Any] = {
            "app_name": APP,
            "user_id": "me",
            "session_id": self._need_session(),
            "new_message": {"parts": [{"text": text}]},
        }
        if streaming:
            payload["streaming"] = True
        return turn.EventStream(
            turn.stream_turn(self.sender, payload, on_no_credits=self._complete_no_credits)
        )

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
            self.sender, url, Path(dest_dir), name=name, on_progress=on_progress
        )

    async def download_render(self, render_id: str, dest_dir: Path, **kw: Any) -> DownloadResult:
        kw.setdefault("name", f"{render_id}.mp4")
        return await self.download(f"/api/render/proxy/{render_id}/download", dest_dir, **kw)


def _files(data: dict[str, Any]) -> list[UploadedFile]:
    files = data.get("files")
    if not isinstance(files, list):
        return []
    return [UploadedFile.model_validate(f) for f in files if isinstance(f, dict)]
