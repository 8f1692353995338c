"""Shared fixtures. Every server a test talks to listens on 127.0.0.1 on a free port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.serve import ServerThread


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], ServerThread]]:
    """Start any ASGI app on 127.0.0.1:<free port>; stopped when the test ends."""
    started: list[ServerThread] = []

    def _serve(app: Any) -> ServerThread:
        server = ServerThread(app).start()
        started.append(server)
        return server

    yield _serve
    for server in reversed(started):
        server.stop()


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config folder, so no test touches the real ~/.config/nemovideo."""
    folder = tmp_path / "config"
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(folder))
    for var in ("NEMO_TOKEN", "NEMO_CLIENT_ID", "NEMO_API_URL", "SKILL_SOURCE"):
        monkeypatch.delenv(var, raising=False)
    return folder
