"""A scriptable stand-in of the NemoVideo API for the wire tests, served over real HTTP.

`fake_api` gives a started `FakeApi`: `.url`, `.config(**overrides)` (an ApiConfig with tiny
timeouts and a private config folder), `.fail(route, ...)` to make the next calls of a route
fail, `.sse_script` for what /run_sse sends, and `.requests` to see what arrived.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.api import ApiConfig
from agent.api.observe import ExchangeRecord

TOKEN_PREFIX = "nmv_usr_secret"


@dataclass
class Fault:
    status: int = 200
    code: int | None = None
    message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakeApi:
    def __init__(self) -> None:
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[Seen] = []
        self.tokens_issued: list[str] = []
        self.valid_tokens: set[str] = set()
        self.sse_script: list[tuple[float, bytes]] = [
            (0.0, b'data: {"type":"text","content":"hi"}\n\n')
        ]
        self.sse_disconnected = threading.Event()
        self.sse_finished_normally = False
        self.renders: dict[str, dict[str, Any]] = {}
        self.render_form = "canonical"
        self.uploads: list[dict[str, Any]] = []
        self.download_body = b""
        self.download_die_after: list[int | None] = []  # per request: bytes before dropping
        self.download_honour_range = True
        self.sse_header_delay = 0.0  # seconds before /run_sse answers at all
        self.url = ""
        self.server: Any = None

    # -- scripting ----------------------------------------------------------------------------
    def fail(self, route: str, times: int = 1, **kw: Any) -> None:
        self.faults.setdefault(route, []).extend(Fault(**kw) for _ in range(times))

    def hits(self, path_part: str) -> list[Seen]:
        return [r for r in self.requests if path_part in r.path]

    def config(self, tmp: Path, **overrides: Any) -> ApiConfig:
        values: dict[str, Any] = {
            "config_dir": tmp / "nemo-config",
            "token": None,
            "client_id": None,
            "platform": "unknown",
            "rate_limit_wait": 0.05,
            "retry_base": 0.01,
            "retry_cap": 0.05,
            "read_timeout": 5.0,
            "connect_timeout": 2.0,
            "sse_idle_timeout": 2.0,
            "sse_heartbeat_only_timeout": 5.0,
            "sse_total_timeout": 10.0,
        }
        values.update(overrides)
        return ApiConfig.from_env(base_url=self.url, **values)

    # -- plumbing -----------------------------------------------------------------------------
    def _fault(self, route: str) -> Fault | None:
        queue = self.faults.get(route)
        return queue.pop(0) if queue else None

    async def _seen(self, request: Request) -> bytes:
        body = await request.body()
        self.requests.append(Seen(request.method, request.url.path, dict(request.headers), body))
        return body

    def _auth_ok(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.valid_tokens

    def _respond_fault(self, f: Fault) -> Response:
        if f.code is not None:
            return JSONResponse(
                {"code": f.code, "message": f.message, "data": f.data}, f.status, headers=f.headers
            )
        return JSONResponse({"error": f.message}, f.status, headers=f.headers)

    def _guard(self, route: str, request: Request) -> Response | None:
        f = self._fault(route)
        if f is not None:
            return self._respond_fault(f)
        if not self._auth_ok(request):
            return JSONResponse({"code": 1001, "message": "token expired"})
        return None

    def app(self) -> Starlette:
        api = self

        async def token(request: Request) -> Response:
            await api._seen(request)
            f = api._fault("token")
            if f is not None:
                return api._respond_fault(f)
            if not request.headers.get("x-client-id"):
                return JSONResponse({"message": "missing X-Client-Id"}, 400)
            tok = f"{TOKEN_PREFIX}_{len(api.tokens_issued)}"
            api.tokens_issued.append(tok)
            api.valid_tokens.add(tok)
            return JSONResponse(
                {"code": 0, "data": {"token": tok, "credits": 100, "user_id": "anon_abc123"}}
            )

        async def session(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("session", request)) is not None:
                return r
            return JSONResponse(
                {"code": 0, "data": {"task_id": "t-1", "session_id": 5529798706024415232}}
            )

        async def credits(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("credits", request)) is not None:
                return r
            return JSONResponse({"code": 0, "data": {"available": 90, "frozen": 10, "total": 100}})

        async def state(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("state", request)) is not None:
                return r
            draft = {"t": [{"tt": 0, "sg": [{"src": "m1", "d": 3000}]}]}
            return JSONResponse(
                {
                    "code": 0,
                    "data": {
                        "session_id": request.path_params["sid"],
                        "task_id": "t-1",
                        "user_id": "anon_abc123",
                        "state": {
                            "draft": draft,
                            "video_infos": [{"id": "m1"}],
                            "generated_media": [],
                            "canvas_config": {"width": 1920, "height": 1080},
                        },
                    },
                }
            )

        async def upload(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("upload", request)) is not None:
                await request.body()
                return r
            if request.headers.get("content-type", "").startswith("application/json"):
                body = await request.json()
                return JSONResponse(
                    {
                        "code": 0,
                        "data": {
                            "files": [
                                {
                                    "filename": u.rsplit("/", 1)[-1],
                                    "file_type": "image",
                                    "cdn_url": u,
                                }
                                for u in body["urls"]
                            ]
                        },
                    }
                )
            form = await request.form(max_part_size=50 * 1024 * 1024)
            files = []
            for item in form.getlist("files"):
                data = await item.read()  # type: ignore[union-attr]
                name = item.filename  # type: ignore[union-attr]
                api.uploads.append(
                    {
                        "name": name,
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "content_type": item.content_type,
                    }
                )  # type: ignore[union-attr]
                files.append(
                    {
                        "filename": name,
                        "file_type": "image",
                        "cdn_url": f"https://cdn/{name}",
                        "width": "640",
                        "height": 360,
                        "id": 77,
                    }
                )
            return JSONResponse({"code": 0, "data": {"files": files}})

        async def render_submit(request: Request) -> Response:
            body = json.loads(await api._seen(request))
            if (r := api._guard("render", request)) is not None:
                return r
            rid = body["id"]
            if rid in api.renders:
                return JSONResponse({"success": False, "error": "duplicate id"}, 409)
            api.renders[rid] = {"polls": 0, "body": body}
            return JSONResponse(
                {"success": True, "data": {"id": rid, "status": "pending", "progress": 5}}
            )

        async def render_status(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("render_status", request)) is not None:
                return r
            rid = request.path_params["rid"]
            job = api.renders[rid]
            job["polls"] += 1
            done = job["polls"] >= 2
            status = "completed" if done else "processing"
            if api.render_form == "wrapped":
                return JSONResponse(
                    {
                        "success": True,
                        "data": {
                            "id": rid,
                            "status": status,
                            "progress": 100 if done else 50,
                            "outputUrl": f"{api.url}/files/{rid}.mp4" if done else None,
                        },
                    }
                )
            body: dict[str, Any] = {
                "taskId": rid,
                "status": status,
                "progress": 100 if done else 50,
            }
            if done:
                body["output"] = {
                    "url": f"{api.url}/files/{rid}.mp4",
                    "duration": 3.0,
                    "size": len(api.download_body),
                }
            return JSONResponse(body)

        async def render_cancel(request: Request) -> Response:
            await api._seen(request)
            return JSONResponse({"code": 0, "data": {}})

        async def file_download(request: Request) -> Response:
            await api._seen(request)
            f = api._fault("download")
            if f is not None:
                return api._respond_fault(f)
            body = api.download_body
            etag = '"v1"'
            start = 0
            rng = request.headers.get("range")
            if rng and api.download_honour_range and request.headers.get("if-range", etag) == etag:
                start = int(rng.split("=")[1].split("-")[0])
            die = api.download_die_after.pop(0) if api.download_die_after else None
            piece = body[start:]

            async def gen() -> Any:
                sent = 0
                step = 4096
                while sent < len(piece):
                    if die is not None and sent >= die:
                        raise ConnectionResetError("scripted drop")
                    yield piece[sent : sent + step]
                    sent += step
                    await asyncio.sleep(0)

            headers = {"etag": etag, "content-length": str(len(piece)), "accept-ranges": "bytes"}
            if start:
                headers["content-range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
                return StreamingResponse(gen(), 206, headers=headers, media_type="video/mp4")
            return StreamingResponse(gen(), 200, headers=headers, media_type="video/mp4")

        async def proxy_download(request: Request) -> Response:
            if not api._auth_ok(request):
                await api._seen(request)
                return JSONResponse({"code": 1001, "message": "token expired"}, 401)
            return await file_download(request)

        async def run_sse(request: Request) -> Response:
            await api._seen(request)
            if (r := api._guard("sse", request)) is not None:
                return r
            if api.sse_header_delay:
                await asyncio.sleep(api.sse_header_delay)

            async def gen() -> Any:
                try:
                    for delay, chunk in api.sse_script:
                        if delay:
                            await asyncio.sleep(delay)
                        if chunk == b"DROP":
                            raise ConnectionResetError("scripted drop")
                        yield chunk
                    api.sse_finished_normally = True
                except asyncio.CancelledError:
                    api.sse_disconnected.set()
                    raise

            return StreamingResponse(gen(), media_type="text/event-stream; charset=utf-8")

        routes = [
            Route("/api/auth/anonymous-token", token, methods=["POST"]),
            Route("/api/tasks/me/with-session/nemo_agent", session, methods=["POST"]),
            Route("/api/credits/balance/simple", credits),
            Route("/api/state/nemo_agent/me/{sid}/latest", state),
            Route("/api/upload-video/nemo_agent/me/{sid}", upload, methods=["POST"]),
            Route("/api/render/proxy/lambda", render_submit, methods=["POST"]),
            Route("/api/render/proxy/lambda/{rid}", render_status),
            Route("/api/render/proxy/lambda/{rid}/cancel", render_cancel, methods=["POST"]),
            Route("/api/render/proxy/{rid}/download", proxy_download),
            Route("/files/{name}", file_download),
            Route("/run_sse", run_sse, methods=["POST"]),
        ]
        return Starlette(routes=routes)


@pytest.fixture
def fake_api(serve_app: Callable[[Any], Any], config_dir: Path) -> Iterator[FakeApi]:
    api = FakeApi()
    server = serve_app(api.app())
    api.url = server.url
    api.server = server
    yield api


class Recorder:
    def __init__(self) -> None:
        self.records: list[ExchangeRecord] = []
        self.frames: list[tuple[str | None, str | None]] = []
        self.opened: list[Any] = []
        self.closed: list[str] = []

    def on_exchange(self, record: ExchangeRecord) -> None:
        self.records.append(record)

    def on_sse_open(self, path: str, request_json: Any, status: int) -> None:
        self.opened.append(request_json)

    def on_sse_frame(self, path: str, raw_event: str | None, comment: str | None, t: float) -> None:
        self.frames.append((raw_event, comment))

    def on_sse_close(self, path: str, outcome: str) -> None:
        self.closed.append(outcome)


@pytest.fixture
def recorder() -> Recorder:
    """An ExchangeObserver that keeps everything it is told (for asserting on transcripts)."""
    return Recorder()


async def until_rendered(client: Any, render_id: str, interval: float, max_polls: int = 600) -> Any:
    """Poll a render until it finishes (the chat's own polling lives in agent/core/export.py)."""
    for _ in range(max_polls):
        job = await client.render_status(render_id)
        if job.finished:
            return job
        await asyncio.sleep(interval)
    raise AssertionError(f"render {render_id} did not finish after {max_polls} polls")
