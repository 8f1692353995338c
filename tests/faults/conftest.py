"""Fault-injection tests of issue 18: each reproduces a defect a hostile or unlucky run found.

The helpers talk to a real local backend over HTTP on 127.0.0.1 (httpx,
no agent code), like a client would.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.local import start_local_backend
from backend.serve import ServerThread
from backend.settings import BackendSettings

ATTRIBUTION = {"X-Skill-Source": "best-image-to-video-ai", "X-Skill-Version": "0.1.0",
               "X-Skill-Platform": "unknown"}


class Client:
    """One person: a token of their own and one session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30, trust_env=False)
        r = self.http.post(url + "/api/auth/anonymous-token",
                           headers={"X-Client-Id": str(uuid.uuid4()), **ATTRIBUTION})
        self.token = r.json()["data"]["token"]
        r = self.post("/api/tasks/me/with-session/nemo_agent", json={"language": "en"})
        self.session_id = r.json()["data"]["session_id"]

    @property
    def headers(self) -> dict[str, str]:
        return {**ATTRIBUTION, "Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(self.url + path, headers=self.headers, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(self.url + path, headers=self.headers, **kw)

    def upload(self, *paths: Path) -> list[str]:
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        r = self.post(f"/api/upload-video/nemo_agent/me/{self.session_id}", files=files)
        assert r.json()["code"] == 0, r.text
        return [f["media_id"] for f in r.json()["data"]["files"]]

    def submit(self, draft: dict[str, Any], **output: Any) -> tuple[httpx.Response, str]:
        render_id = f"render_{uuid.uuid4().hex}"
        r = self.post("/api/render/proxy/lambda", json={
            "id": render_id, "sessionId": self.session_id, "draft": draft,
            "output": {"format": "mp4", **output}})
        return r, render_id

    def job(self, render_id: str) -> dict[str, Any]:
        return self.get(f"/api/render/proxy/lambda/{render_id}").json()  # type: ignore[no-any-return]

    def wait(self, render_id: str, until: tuple[str, ...] = ("completed", "failed"),
             timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        job = self.job(render_id)
        while job["status"] not in until:
            assert time.monotonic() < deadline, f"job stayed {job['status']}"
            time.sleep(0.02)
            job = self.job(render_id)
        return job


def photo_draft(media_id: str, ms: int = 1000, *, music: bool = False) -> dict[str, Any]:
    """A one-photo timeline of `ms` milliseconds (with a generated music bed if asked)."""
    tracks: list[dict[str, Any]] = [
        {"tt": 0, "sg": [{"src": media_id, "kind": "image", "st": 0, "d": ms}]}]
    if music:
        tracks.append({"tt": 1, "sg": [{"gen": {"style": "calm"}, "st": 0, "d": ms}]})
    return {"t": tracks, "d": ms}


@pytest.fixture
def backend_at(tmp_path: Path) -> Iterator[Callable[..., ServerThread]]:
    """backend_at(**settings) -> a running backend on one data folder (restartable)."""
    running: list[ServerThread] = []

    def _start(**overrides: Any) -> ServerThread:
        server = start_local_backend(BackendSettings.for_tests(tmp_path / "data", **overrides))
        running.append(server)
        return server

    yield _start
    for server in running:
        server.stop()


@pytest.fixture
def client(local_backend: Any) -> Iterator[Client]:
    person = Client(local_backend.url)
    yield person
    person.http.close()


@pytest.fixture
def people() -> Iterator[Callable[[str], Client]]:
    """person(url) -> another connected Client (own token, own session)."""
    made: list[Client] = []

    def _make(url: str) -> Client:
        made.append(Client(url))
        return made[-1]

    yield _make
    for one in made:
        one.http.close()


@pytest.fixture
def draft_of() -> Callable[..., dict[str, Any]]:
    """draft_of(media_id, ms=1000, music=False) -> a one-photo timeline."""
    return photo_draft
