"""Run an ASGI app with uvicorn in a background thread on 127.0.0.1.

Why a thread and not ASGITransport: SSE and large uploads must travel over a real socket
(httpx's in-process transport buffers whole bodies), and `nemo-chat --local` needs the
backend beside the chat in one process. Both waits are bounded: a bind failure never sets
`started`, and open SSE streams would otherwise hold shutdown forever. Outside `backend/`,
it is reached through `backend/local.py` (the one door).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["ServerThread", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (prefer port=0 where the server can report its own)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving `app` in a daemon thread; `url` is known once `start()` returns."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        graceful_timeout: float = 1.0,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        import uvicorn  # imported here: start-up of the chat must not pay for it

        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="auto",
            timeout_graceful_shutdown=max(1, int(graceful_timeout)),
            ws="none",
        )
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._on_shutdown = on_shutdown
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread = threading.Thread(target=self._server.run, name="nemo-backend", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the server could not start on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                self._server.should_exit = True
                raise RuntimeError(f"the server did not start within {timeout:.0f} s")
            time.sleep(0.01)
        servers = getattr(self._server, "servers", [])
        for srv in servers:
            for sock in srv.sockets:
                self.port = int(sock.getsockname()[1])
                break
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._on_shutdown is not None:
            with contextlib.suppress(Exception):
                self._on_shutdown()
        self._server.should_exit = True
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
