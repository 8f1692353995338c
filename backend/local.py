"""The backend in-process, on 127.0.0.1 and a free port: for `nemo-chat --local` and tests."""

from __future__ import annotations

from backend.serve import ServerThread
from backend.settings import BackendSettings


def start_local_backend(settings: BackendSettings | None = None, *, host: str = "127.0.0.1",
                        port: int = 0) -> ServerThread:
    """Started and listening when it returns; `.url`, `.stop()`; `.app.state.faults`."""
    from backend.app import create_app

    app = create_app(settings)
    backend = app.state.backend
    server = ServerThread(app, host=host, port=port, on_shutdown=backend.shutting_down.set)
    server.app = app  # type: ignore[attr-defined]
    return server.start()
