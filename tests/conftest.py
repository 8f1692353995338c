"""Shared fixtures. Every server a test talks to listens on 127.0.0.1 on a free port."""

from __future__ import annotations

import json
import os
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
def fast_backend() -> dict[str, Any]:
    """Local backend settings for a chat started by a test: tiny renders, instant "generation",
    every edit answered with text, seeded replies."""
    return {"render_max_height": 180, "render_fps": 10, "generation_seconds": 0.05,
            "heartbeat_interval": 0.05, "no_text_ratio": 0.0, "seed": 1234}


@pytest.fixture
def chat_env(tmp_path: Path, fast_backend: dict[str, Any]) -> Callable[..., dict[str, str]]:
    """chat_env(backend={...}, **env) → the environment of a `nemo-chat --local` process a test
    starts: no NEMO_* from outside, private config and data folders, `fast_backend` with
    `backend`'s changes, quick render polls, and the extra variables `env`."""

    def make(backend: dict[str, Any] | None = None, **env: str) -> dict[str, str]:
        out = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
        out.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_DATA_DIR=str(tmp_path / "data"),
                   NEMO_LOCAL_SETTINGS=json.dumps({**fast_backend, **(backend or {})}),
                   NEMO_POLL_INTERVAL="0.2", **env)
        return out

    return make


@pytest.fixture(autouse=True)
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Previews and export sheets go to a private cache folder, never ~/.cache (XDG_CACHE_HOME
    is inherited by the chat processes some tests start)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("NEMO_CACHE_DIR", raising=False)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config folder, so no test touches the real ~/.config/nemovideo."""
    folder = tmp_path / "config"
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(folder))
    for var in ("NEMO_TOKEN", "NEMO_CLIENT_ID", "NEMO_API_URL", "SKILL_SOURCE"):
        monkeypatch.delenv(var, raising=False)
    return folder


def _draw_photo(path: Path, size: tuple[int, int], seed: int) -> Path:
    """A photo-like test image: a gradient sky, a sun and some shapes, different per seed."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    top = ((40 + 70 * seed) % 256, (90 + 30 * seed) % 256, 200)
    for y in range(h):
        f = y / max(1, h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(c * (1 - f) + 30 * f) for c in top))
    r = max(2, min(w, h) // 8)
    cx, cy = (w * (2 + seed % 5)) // 8, h // 3
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(250, 210, 80))
    draw.rectangle([0, int(h * 0.7), w, h], fill=(40, 120 + 10 * (seed % 5), 60))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def _write_wav(path: Path, seconds: float, freq: float = 440.0, rate: int = 22050) -> Path:
    """A mono sine tone as 16-bit WAV, written with the standard library only."""
    import math
    import struct
    import wave

    n = int(seconds * rate)
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


@pytest.fixture
def make_photo(tmp_path: Path) -> Callable[..., Path]:
    """make_photo("beach.png", size=(640, 360), seed=1) -> a real image file under tmp_path."""

    def _make(name: str = "photo.png", size: tuple[int, int] = (640, 360), seed: int = 0) -> Path:
        return _draw_photo(tmp_path / "media" / name, size, seed)

    return _make


@pytest.fixture
def make_wav(tmp_path: Path) -> Callable[..., Path]:
    """make_wav("music.wav", seconds=2.0) -> a real WAV file under tmp_path."""

    def _make(name: str = "music.wav", seconds: float = 2.0, freq: float = 440.0) -> Path:
        return _write_wav(tmp_path / "media" / name, seconds, freq)

    return _make


class LocalBackend:
    """A running local backend (see backend/): `.url`, `.settings`, `.faults`, `.app`, and
    `.hooks`, the header with the run's token for the `/_nemo` test hooks (when enabled)."""

    def __init__(self, settings: Any) -> None:
        from backend.local import start_local_backend

        self.settings = settings
        self.server = start_local_backend(settings)
        self.app = self.server.app  # type: ignore[attr-defined]
        self.faults = self.app.state.faults  # FaultBoard: .add({...}), .clear()
        self.url = self.server.url
        token = self.app.state.hooks_token
        self.hooks = {"X-Nemo-Hooks-Token": token} if token else {}

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def local_backend(tmp_path: Path) -> Iterator[LocalBackend]:
    """The local NemoVideo backend on 127.0.0.1:<free port>, fast test settings, tmp data dir.

    Tiny generation/heartbeat times, 180p 10 fps renders, every edit answered with text
    (no_text_ratio 0; arm a "no_text" fault for the silent case), seeded replies; the
    `/_nemo` test hooks on (send `.hooks` with each call).
    """
    from backend.settings import BackendSettings

    backend = LocalBackend(BackendSettings.for_tests(tmp_path / "backend-data",
                                                     test_hooks=True))
    try:
        yield backend
    finally:
        backend.stop()
