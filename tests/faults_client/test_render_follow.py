"""Issue 18: following a render that stalls, and one whose service drops out for a while.

- A render making no progress showed nothing for 15 minutes in a pipe: now the bar tells the
  elapsed time and the service's words, a line comes every `still_working_every`, and once
  nothing has moved for `render_stuck_after` the person is told it looks stuck.
- The export gave up about 2 s after the service became unreachable: now it keeps asking for
  `reconnect_window` seconds with a countdown, and goes on when the service is back (a
  restart on the same address).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent import events as ev
from agent.api import ApiConfig, NemoClient
from agent.core.context import Context
from agent.core.export import follow_render
from agent.core.memory import ChatMemory, PendingRender
from agent.core.settings import ChatSettings
from backend.serve import ServerThread

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000


def _renders(job: dict[str, Any]) -> Starlette:
    """The two render routes of the service: a job's status (as `job` says) and its file."""

    async def status(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["rid"], **job})

    async def download(request: Request) -> Response:
        return Response(VIDEO, media_type="video/mp4")

    return Starlette(routes=[
        Route("/api/render/proxy/lambda/{rid}", status),
        Route("/api/render/proxy/{rid}/download", download),
    ])


def _context(url: str, tmp_path: Path, events: list[Any], **settings: Any) -> Context:
    config = ApiConfig(base_url=url, web_url="https://web.nemo.test", config_dir=tmp_path / "c",
                       token="nmv_usr_test_token", retry_base=0.01, retry_cap=0.05,
                       connect_timeout=0.5, platform="unknown")
    values: dict[str, Any] = {"out_dir": tmp_path / "out", "poll_interval": 0.05,
                              "first_poll": 0.05, "progress_tick": 0.02}
    return Context(client=NemoClient(config), settings=ChatSettings(**{**values, **settings}),
                   emit=events.append, memory=ChatMemory(tmp_path / "c", url))


def _notices(events: list[Any]) -> list[str]:
    return [e.text for e in events if isinstance(e, ev.Notice)]


def _labels(events: list[Any]) -> list[str]:
    return [e.label for e in events if isinstance(e, ev.Progress)]


async def test_a_stalled_render_shows_time_and_service_words_and_is_said_stuck(
    tmp_path: Path, serve_app: Any
) -> None:
    job = {"status": "processing", "progress": 12, "message": "encoding frame 36 of 300"}
    server = serve_app(_renders(job))
    events: list[Any] = []
    ctx = _context(server.url, tmp_path, events, render_timeout=1.5, still_working_every=0.3,
                   render_stuck_after=0.8)
    try:
        outcome = await follow_render(ctx, PendingRender(id="render_stalled"))
    finally:
        await ctx.client.aclose()
    assert outcome is False  # it keeps running on the server; we said so
    labels = _labels(events)
    assert any("encoding frame 36 of 300" in x and "Rendering…" in x for x in labels)
    notices = _notices(events)
    assert any(n.startswith("Still rendering (12%)") for n in notices), notices
    stuck = [n for n in notices if "may be stuck" in n]
    assert len(stuck) == 1 and "(at 12%)" in stuck[0]  # said once, not at every poll


async def test_the_export_survives_a_service_restart(tmp_path: Path) -> None:
    job: dict[str, Any] = {"status": "processing", "progress": 40}
    first = ServerThread(_renders(job)).start()
    port = first.port
    events: list[Any] = []
    ctx = _context(first.url, tmp_path, events, reconnect_window=20.0)

    async def restart() -> ServerThread:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(first.stop)
        await asyncio.sleep(1.5)  # well past what the wire's own retries wait
        job.update(status="completed", progress=100)
        return await asyncio.to_thread(ServerThread(_renders(job), port=port).start)

    restarting = asyncio.create_task(restart())
    try:
        outcome = await follow_render(ctx, PendingRender(id="render_restart"))
    finally:
        again = await restarting
        await ctx.client.aclose()
        again.stop()
    assert outcome is True
    saved = [e for e in events if isinstance(e, ev.FileSaved)]
    assert len(saved) == 1 and Path(saved[0].path).read_bytes() == VIDEO
    notices = _notices(events)
    assert any("Lost the connection" in n for n in notices)
    assert "Connected again." in notices
    assert any("trying again in" in x and "giving up in" in x for x in _labels(events))


async def test_the_export_gives_up_after_the_window(tmp_path: Path) -> None:
    gone = ServerThread(_renders({"status": "processing"})).start()
    url = gone.url
    gone.stop()
    events: list[Any] = []
    ctx = _context(url, tmp_path, events, reconnect_window=1.0)
    started = asyncio.get_running_loop().time()
    try:
        from agent.api import ServiceUnreachable

        try:
            await follow_render(ctx, PendingRender(id="render_gone"))
        except ServiceUnreachable:
            pass
        else:
            raise AssertionError("an unreachable service was not reported")
    finally:
        await ctx.client.aclose()
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert any("Lost the connection" in n for n in _notices(events))


async def test_the_download_survives_a_service_restart(tmp_path: Path) -> None:
    """The render is done; the service goes away just before the file is fetched."""
    job: dict[str, Any] = {"status": "completed", "progress": 100}
    first = ServerThread(_renders(job)).start()
    port = first.port
    events: list[Any] = []
    ctx = _context(first.url, tmp_path, events, reconnect_window=20.0)
    first_status = ctx.client.render_status

    async def status_then_gone(render_id: str) -> Any:
        reply = await first_status(render_id)
        await asyncio.to_thread(first.stop)  # answered "completed", then went away
        return reply

    ctx.client.render_status = status_then_gone  # type: ignore[method-assign]

    async def restart() -> ServerThread:
        await asyncio.sleep(1.5)
        return await asyncio.to_thread(ServerThread(_renders(job), port=port).start)

    restarting = asyncio.create_task(restart())
    try:
        outcome = await follow_render(ctx, PendingRender(id="render_download"))
    finally:
        again = await restarting
        await ctx.client.aclose()
        again.stop()
    assert outcome is True
    (saved,) = [e for e in events if isinstance(e, ev.FileSaved)]
    assert Path(saved.path).read_bytes() == VIDEO
    assert "Connected again." in _notices(events)
