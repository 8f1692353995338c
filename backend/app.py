"""The Starlette application: the contract's routes, the private fault routes, lifespan.

Why Starlette's plain streaming and not sse-starlette: ADK itself answers /run_sse with a
plain StreamingResponse and no pings, and we must reproduce its bytes exactly while adding
our own heartbeats, drops and malformed frames on demand; sse-starlette would add its own
ping format and shutdown handling that we would then have to work around.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import files, hooks, renders, routes_api, sse, uploads
from backend.analysis import Analyst
from backend.context import Backend
from backend.envelope import JSON, ApiFailure, ok
from backend.jobs import JobRunner
from backend.settings import BackendSettings
from backend.store import Store

log = logging.getLogger("backend")


async def _health(request: Request) -> Response:
    return ok({"service": "nemo-local-backend"})


def _warm_up() -> None:
    """Compile the phrase tables now, not during the first person's first turn."""
    from backend.editor.parse import parse
    from backend.editor.vocab import replies

    parse("animate my photos")
    replies()


class _ContainErrors:
    """A bug in a route answers 500 with an envelope, and no traceback reaches a terminal.

    (Starlette's own error middleware re-raises for the server to log; with the backend
    running inside `nemo-chat --local` that would print into the chat.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.info("internal error on %s: %r", scope.get("path"), exc, exc_info=True)
            if not started:
                reply = JSON({"code": 500, "message": f"internal error ({type(exc).__name__})",
                              "data": None}, status_code=500)
                await reply(scope, receive, send)


async def _failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiFailure)
    return exc.response(sse=request.url.path == "/run_sse")


def _remove_orphan_render_parts(be: Backend) -> None:
    """`.render_….mp4.<pid>-….part` files whose render process is gone (killed, crashed)."""
    import os

    if os.name != "posix":  # os.kill(pid, 0) is a liveness check on POSIX only
        return
    for part in be.renders_dir.glob(".*.part"):
        pid = part.name.rsplit(".", 2)[-2].split("-", 1)[0]
        try:
            if pid.isdigit():
                os.kill(int(pid), 0)
                continue  # still being written
        except ProcessLookupError:
            pass
        except OSError:
            continue  # someone else's process: not ours to judge
        part.unlink(missing_ok=True)


def create_app(settings: BackendSettings | None = None) -> Starlette:
    settings = settings or BackendSettings()
    data_dir = settings.data_dir.expanduser().resolve()
    settings = settings.model_copy(update={"data_dir": data_dir})
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "backend.sqlite3")
    be = Backend(settings=settings, store=store)
    for folder in (be.uploads_dir, be.renders_dir, be.tmp_dir):
        folder.mkdir(parents=True, exist_ok=True)
    for leftover in be.tmp_dir.glob("*.part"):  # uploads cut short by a stop
        leftover.unlink(missing_ok=True)
    for leftover in be.tmp_dir.glob("render_*.log"):  # render logs of a backend that died
        leftover.unlink(missing_ok=True)
    _remove_orphan_render_parts(be)
    store.release_frozen()  # no turn survives a restart: what they reserved goes back
    be.jobs = JobRunner(settings, store, be.faults, be.renders_dir, be.uploads_dir)
    be.analyst = Analyst(be.analysis_dir, enabled=settings.analyse_uploads)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        assert be.jobs is not None and be.analyst is not None
        be.jobs.start()
        _warm_up()
        try:
            yield
        finally:
            be.shutting_down.set()
            turns = list(be.turn_tasks)
            for task in turns:
                task.cancel()
            if turns:  # let their `finally` settle the credits they froze
                await asyncio.wait(turns, timeout=2)
            be.jobs.stop()
            be.analyst.stop()
            store.close()

    routes = [
        Route("/api/auth/anonymous-token", routes_api.anonymous_token, methods=["POST"]),
        Route("/api/tasks/me/with-session/{app}", routes_api.create_session, methods=["POST"]),
        Route("/run_sse", sse.run_sse, methods=["POST"]),
        Route("/api/upload-video/{app}/{user}/{session_id}", uploads.upload, methods=["POST"]),
        Route("/api/credits/balance/simple", routes_api.credits, methods=["GET"]),
        Route("/api/state/{app}/{user}/{session_id}/latest", routes_api.state, methods=["GET"]),
        Route("/api/render/proxy/lambda", renders.submit, methods=["POST"]),
        Route("/api/render/proxy/lambda/{render_id}", renders.status, methods=["GET"]),
        Route("/api/render/proxy/lambda/{render_id}/cancel", renders.cancel, methods=["POST"]),
        Route("/api/render/proxy/{render_id}/download", renders.download, methods=["GET"]),
        Route("/files/{kind}/{name}", files.serve_stored, methods=["GET", "HEAD"]),
        *hooks.routes(),
        Route("/_nemo/health", _health, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={ApiFailure: _failure},
                    middleware=[Middleware(_ContainErrors)])
    app.state.backend = be
    app.state.faults = be.faults
    app.state.settings = settings
    app.state.hooks_token = hooks.run_token(settings)
    return app
