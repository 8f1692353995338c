"""Helpers for the backend's tests: a tiny client over real HTTP (httpx, no agent code)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.local import start_local_backend
from backend.serve import ServerThread
from backend.settings import BackendSettings

ATTRIBUTION = {"X-Skill-Source": "best-image-to-video-ai", "X-Skill-Version": "0.1.0",
               "X-Skill-Platform": "unknown"}


@dataclass
class Frame:
    """One SSE frame as received: a comment, or data (parsed JSON when it is JSON)."""

    comment: str | None = None
    data: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.data) if self.data else None


class Frames(list[Frame]):
    """The frames of one turn, with the readings tests need."""

    def events(self) -> list[dict[str, Any]]:
        """JSON objects among the data frames (malformed ones skipped)."""
        out = []
        for f in self:
            try:
                value = json.loads(f.data) if f.data else None
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out

    def texts(self, *, partial: bool = False) -> list[str]:
        """Text parts of ADK events (non-partial ones unless partial=True)."""
        out = []
        for ev in self.events():
            if "content" in ev and bool(ev.get("partial")) == partial:
                out += [p["text"] for p in ev["content"]["parts"] if "text" in p]
        return out

    def calls(self) -> list[dict[str, Any]]:
        out = []
        for ev in self.events():
            if "content" in ev and not ev.get("partial"):
                out += [p["functionCall"] for p in ev["content"]["parts"] if "functionCall" in p]
        return out


def read_frames(raw: bytes) -> Frames:
    frames = Frames()
    for block in raw.decode("utf-8").split("\n\n"):
        if not block:
            continue
        lines = block.split("\n")
        if all(line.startswith(":") for line in lines):
            frames.append(Frame(comment=lines[0][1:].strip()))
            continue
        data = "\n".join(line[5:].lstrip(" ") for line in lines if line.startswith("data:"))
        frames.append(Frame(data=data))
    return frames


@dataclass
class Api:
    url: str
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()), repr=False)
    token: str | None = field(default=None, repr=False)
    session_id: str | None = None
    hooks: dict[str, str] = field(default_factory=dict, repr=False)  # the /_nemo hooks' token
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30, trust_env=False))

    @property
    def headers(self) -> dict[str, str]:
        h = dict(ATTRIBUTION)
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def connect(self) -> Api:
        r = self.http.post(self.url + "/api/auth/anonymous-token",
                           headers={"X-Client-Id": self.client_id, **ATTRIBUTION})
        assert r.status_code == 200, r.text
        self.token = r.json()["data"]["token"]
        r = self.http.post(self.url + "/api/tasks/me/with-session/nemo_agent",
                           json={"task_name": "project", "language": "en"}, headers=self.headers)
        assert r.json()["code"] == 0, r.text
        self.session_id = r.json()["data"]["session_id"]
        return self

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(self.url + path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(self.url + path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def upload(self, *paths: Path, names: list[str] | None = None) -> httpx.Response:
        files = [("files", ((names[i] if names else p.name), p.read_bytes()))
                 for i, p in enumerate(paths)]
        return self.post(f"/api/upload-video/nemo_agent/me/{self.session_id}", files=files)

    def sse_body(self, text: str, *, streaming: bool = False, session_id: str | None = None
                 ) -> dict[str, Any]:
        return {"app_name": "nemo_agent", "user_id": "me",
                "session_id": session_id or self.session_id,
                "new_message": {"parts": [{"text": text}]}, "streaming": streaming}

    def turn(self, text: str, *, streaming: bool = False) -> tuple[httpx.Response, Frames]:
        with self.http.stream("POST", self.url + "/run_sse", json=self.sse_body(text, streaming=streaming),
                              headers={**self.headers, "Accept": "text/event-stream"}) as r:
            raw = r.read()
        return r, read_frames(raw)

    def state(self) -> dict[str, Any]:
        r = self.get(f"/api/state/nemo_agent/me/{self.session_id}/latest")
        assert r.json()["code"] == 0, r.text
        return r.json()["data"]  # type: ignore[no-any-return]

    def credits(self) -> dict[str, int]:
        return self.get("/api/credits/balance/simple").json()["data"]  # type: ignore[no-any-return]

    def fault(self, **spec: Any) -> None:
        r = self.http.post(self.url + "/_nemo/faults", json=spec, headers=self.hooks)
        assert r.status_code == 200, r.text


@pytest.fixture
def api(local_backend: Any) -> Iterator[Api]:
    client = Api(local_backend.url, hooks=local_backend.hooks).connect()
    yield client
    client.http.close()


@pytest.fixture
def start_backend(tmp_path: Path) -> Iterator[Callable[..., ServerThread]]:
    """start_backend(**overrides) on one data dir per test; restartable (stop, start again)."""
    running: list[ServerThread] = []

    def _start(**overrides: Any) -> ServerThread:
        settings = BackendSettings.for_tests(tmp_path / "data", **overrides)
        server = start_local_backend(settings)
        running.append(server)
        return server

    yield _start
    for server in running:  # (pass test_hooks=True to use the /_nemo hooks)
        server.stop()


@pytest.fixture
def new_api() -> Iterator[Callable[[str], Api]]:
    """new_api(url) -> a connected client with its own client id (another person)."""
    made: list[Api] = []

    def _make(url: str) -> Api:
        client = Api(url).connect()
        made.append(client)
        return client

    yield _make
    for client in made:
        client.http.close()

