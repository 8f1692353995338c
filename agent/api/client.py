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
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import downloads, turn
from .auth import AuthClient
from .base import APP, package_version
from .errors import ApiError
from .models import (
    Credits,
    DownloadResult,
    RenderJob,
    SessionInfo,
    SessionState,
    UploadedFile,
    UploadProgress,
)
from .uploads import MultipartBody, PreparedFile, cleanup, prepare_file

__all__ = ["NemoClient", "package_version"]


class NemoClient(AuthClient):
    """The NemoVideo API. Use as `async with NemoClient(ApiConfig.from_env()) as client:`."""

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
        body = await self._call_body(
            "GET", f"/api/render/proxy/lambda/{render_id}", idempotent=True
        )
        return RenderJob.from_reply(body, render_id)  # top-level or wrapped form

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
        if not paths:
            return []
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
            cleanup(prepared)  # synchronous: it must happen even when the task is cancelled

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
