"""Serving the workspace from the chat's own event loop, on 127.0.0.1 and a free port.

uvicorn runs as a task beside the chat (the page's buttons call the same conversation, on
the same loop). It is told to leave the signals alone: Ctrl-C belongs to the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from agent.messages import t

from .guard import Guard, new_token
from .hub import Hub, WorkspaceConversation
from .thumbs import ThumbCache, default_cache_dir

if TYPE_CHECKING:
    import uvicorn

__all__ = ["Workspace", "start_workspace"]


class Workspace:
    """A running workspace: its URL (with the token), its hub (the sink's consumer)."""

    def __init__(self, hub: Hub, port: int, token: str, server: uvicorn.Server,
                 task: asyncio.Task[None], thumbs: ThumbCache) -> None:
        self.hub = hub
        self.port = port
        self.token = token
        self.thumbs = thumbs
        self._server = server
        self._task = task

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/?t={self.token}"

    def on_event(self, event: object) -> None:
        self.hub.on_event(event)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        await self.hub.aclose()  # ends the SSE streams, so the server can stop at once
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
            await asyncio.wait_for(self._task, timeout=3)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # this machine only; the system picks a free port
    sock.listen(64)
    sock.setblocking(False)
    return sock


async def start_workspace(
    conv: WorkspaceConversation,
    *,
    out_dir: Path,
    cache_dir: Path | None = None,
    preview_dir: Path | None = None,
    commands: frozenset[str] = frozenset(),
) -> Workspace:
    """Serve the workspace for `conv`; raises OSError when no port can be had.

    `preview_dir` is the preview cache the core writes to (its default folder unless given):
    the only place a preview's sheet or video is served from.
    """
    import uvicorn

    from agent.preview.cache import default_root

    from .routes import make_app

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:  # Ctrl-C is the terminal's
            yield

    sock = _free_socket()
    port = sock.getsockname()[1]
    token = new_token()
    hub = Hub(conv, out_dir, preview_dir or default_root())
    thumbs = ThumbCache(cache_dir or default_cache_dir())
    app = Guard(make_app(hub, thumbs, commands=commands), token=token, port=port,
                forbidden=lambda: t("web.forbidden", conv.lang))
    config = uvicorn.Config(app, log_config=None, access_log=False, log_level="warning",
                            lifespan="off", timeout_graceful_shutdown=1, server_header=False)
    server = _Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        sock.close()
        exc = task.exception()
        raise OSError(str(exc) if exc else "the workspace server stopped")
    hub.refresh()
    return Workspace(hub, port, token, server, task, thumbs)
