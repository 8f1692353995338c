"""The backend's one door for an in-process start: `nemo-chat --local`, replay, tests.

Everything outside `backend/` that runs something of ours on 127.0.0.1 comes through here:
`start_in_folder` (the local backend over a data folder, on the port it had last time),
`start_local_backend` (the same with explicit settings, for tests and scripts) and
`serve_app` (any ASGI app on a free port, e.g. the replay server). The caller passes the
folder; the backend imports nothing from `agent`.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend.serve import ServerThread
from backend.settings import BackendSettings

__all__ = ["ServerThread", "serve_app", "start_in_folder", "start_local_backend"]

PORT_FILE = "port"


def start_local_backend(settings: BackendSettings | None = None, *, host: str = "127.0.0.1",
                        port: int = 0) -> ServerThread:
    """Started and listening when it returns; `.url`, `.stop()`; `.app.state.faults`."""
    from backend.app import create_app

    app = create_app(settings)
    backend = app.state.backend
    server = ServerThread(app, host=host, port=port, on_shutdown=backend.shutting_down.set)
    server.app = app  # type: ignore[attr-defined]
    return server.start()


def serve_app(app: Any) -> ServerThread:
    """Any ASGI app on 127.0.0.1 and a free port, listening when it returns; `.stop()`."""
    return ServerThread(app).start()


def start_in_folder(folder: Path, overrides: Mapping[str, Any] | None = None) -> ServerThread:
    """The local backend keeping its data in `folder`, on the port it had last time if free.

    The chat keeps its token per API address, and the backend gives one anonymous token per
    client id: a new port each run would mean a new token request, refused (429) and
    retried after a 30-s wait. A stable address keeps the stored token valid. `overrides`
    are BackendSettings fields (tests make renders tiny).
    """
    values: dict[str, Any] = {"data_dir": folder, "one_token_per_client": False}
    values.update(overrides or {})
    settings = BackendSettings.model_validate(values)
    port_file = folder / PORT_FILE
    port = 0
    with contextlib.suppress(OSError, ValueError):
        remembered = int(port_file.read_text().strip())
        if 1024 <= remembered <= 65535 and _port_is_free(remembered):
            port = remembered
    try:
        server = start_local_backend(settings, port=port)
    except RuntimeError:
        if port == 0:
            raise
        server = start_local_backend(settings, port=0)
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        port_file.write_text(f"{server.port}\n")
    return server


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
