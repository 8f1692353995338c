"""The replay server answers recorded requests over a real socket, in order, with their timing."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.transcripts import Recorder, load
from agent.transcripts.server import ReplayServer
from backend.serve import ServerThread

API = "http://127.0.0.1:9"  # the recorded API base (never contacted)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _adk(text: str, partial: bool) -> str:
    return "data: " + json.dumps({"content": {"parts": [{"text": text}]}, "partial": partial})


def _build(tmp_path: Path, *, outcome: str = "end") -> Path:
    """A hand-built recording: token, stream with a heartbeat, a render and its download."""
    clock = Clock()
    path = tmp_path / "hand.jsonl"
    rec = Recorder(path, app_version="0.1.0", lang="en", api_base=API, clock=clock)
    obs = rec.observer
    obs.on_exchange({"method": "POST", "path": "/api/auth/anonymous-token", "status": 200,
                     "response_json": {"code": 0, "data": {"token": "nmv_usr_secret1234"}},
                     "duration": 0.01})
    clock.now = 1.0
    obs.on_sse_open("/run_sse", {"new_message": {"parts": [{"text": "hi"}]}}, 200)
    clock.now = 1.5
    obs.on_sse_frame("/run_sse", _adk("Hel", True), None, 0)
    clock.now = 2.0
    obs.on_sse_frame("/run_sse", None, "ping", 0)
    clock.now = 2.5
    obs.on_sse_frame("/run_sse", _adk("Hello", False), None, 0)
    clock.now = 2.6
    obs.on_sse_close("/run_sse", outcome)
    obs.on_exchange({"method": "POST", "path": "/api/render/proxy/lambda", "status": 200,
                     "request_json": {"id": "render_aaa111", "draft": {}},
                     "response_json": {"code": 0, "data": {"id": "render_aaa111", "status": "pending"}},
                     "duration": 0.01})
    for status in ("processing", "completed"):
        obs.on_exchange({"method": "GET", "path": "/api/render/proxy/lambda/render_aaa111",
                         "status": 200, "duration": 0.01,
                         "response_json": {"status": status, "progress": 100,
                                           "output": {"url": f"{API}/files/render_aaa111.mp4"}}})
    obs.on_exchange({"method": "GET", "path": "/files/render_aaa111.mp4", "status": 200,
                     "download": {"name": "render_aaa111.mp4", "size": 5000, "sha256": "ab" * 32},
                     "duration": 0.2})
    obs.on_exchange({"method": "GET", "path": "/api/credits/balance/simple", "status": 429,
                     "response_json": {"code": 429, "message": "slow down"}, "duration": 0.0})
    rec.close()
    return path


@pytest.fixture
def served(tmp_path: Path, serve_app: Callable[[Any], ServerThread]) -> Callable[..., tuple[ReplayServer, str]]:
    def _serve(outcome: str = "end", speed: float = 10.0) -> tuple[ReplayServer, str]:
        server = ReplayServer(load(_build(tmp_path, outcome=outcome)), speed=speed)
        thread = serve_app(server.app)
        server.configure(thread.url)
        return server, thread.url

    return _serve


def test_replies_come_back_in_recorded_order_with_the_live_ids(served: Callable[..., Any]) -> None:
    server, url = served()
    with httpx.Client(base_url=url, timeout=5) as http:
        token = http.post("/api/auth/anonymous-token").json()
        assert token["data"]["token"] == "<token>"  # the secret never came back: it was never kept
        with http.stream("POST", "/run_sse", json={"new_message": {"parts": [{"text": "hi"}]}}) as r:
            body = r.read().decode()
        assert body.split("\n\n")[:3] == [_adk("Hel", True), ": ping", _adk("Hello", False)]
        # the client makes its own render id: the replies speak of that one
        submitted = http.post("/api/render/proxy/lambda", json={"id": "render_bbb222", "draft": {}})
        assert submitted.json()["data"]["id"] == "render_bbb222"
        first = http.get("/api/render/proxy/lambda/render_bbb222").json()
        done = http.get("/api/render/proxy/lambda/render_bbb222").json()
        assert (first["status"], done["status"]) == ("processing", "completed")
        assert done["output"]["url"] == f"{url}/files/render_bbb222.mp4"
        video = http.get(done["output"]["url"])
        assert len(video.content) == 5000
        assert video.headers["x-recorded-sha256"] == "ab" * 32
        limited = http.get("/api/credits/balance/simple")
        assert limited.status_code == 429 and limited.headers["retry-after"]
        stray = http.get("/api/credits/balance/simple")
        assert stray.status_code == 410 and "nothing recorded" in stray.json()["message"]
    assert server.unanswered() == []
    assert [r.matched for r in server.received] == [0, 1, 2, 3, 4, 5, 6, None]
    assert server.received[2].request == {"id": "render_#1", "draft": {}}


def test_stream_timing_is_replayed_compressed_by_speed(served: Callable[..., Any]) -> None:
    _, url = served(speed=10.0)
    with httpx.Client(base_url=url, timeout=5) as http:
        http.post("/api/auth/anonymous-token")
        arrivals: list[float] = []
        start = time.monotonic()
        with http.stream("POST", "/run_sse", json={}) as r:
            for line in r.iter_lines():
                if line:
                    arrivals.append(time.monotonic() - start)
    # recorded: frames 0.5 s apart (1.5 s after the open for the last one); at 10× ≥ 0.05 s each
    assert len(arrivals) == 3
    assert arrivals[2] >= 0.13
    assert arrivals[2] - arrivals[0] >= 0.08


def test_a_broken_stream_breaks_again(served: Callable[..., Any]) -> None:
    _, url = served(outcome="broken", speed=50.0)
    with httpx.Client(base_url=url, timeout=5) as http:
        http.post("/api/auth/anonymous-token")
        got: list[str] = []
        with pytest.raises(httpx.TransportError), http.stream("POST", "/run_sse", json={}) as r:
            for line in r.iter_lines():
                got.append(line)
        assert any("Hello" in line for line in got)


def test_uploads_are_logged_as_names_sizes_and_digests(
    tmp_path: Path, serve_app: Callable[[Any], ServerThread]
) -> None:
    clock = Clock()
    path = tmp_path / "up.jsonl"
    with Recorder(path, app_version="0.1.0", lang="en", api_base=API, clock=clock) as rec:
        rec.observer.on_exchange({
            "method": "POST", "path": "/api/upload-video/nemo_agent/me/s1", "status": 200,
            "files": [{"name": "a.png", "size": 3, "sha256": "00"}],
            "response_json": {"code": 0, "data": {"files": [{"filename": "a.png"}]}},
            "duration": 0.0})
    server = ReplayServer(load(path), speed=10)
    thread = serve_app(server.app)
    server.configure(thread.url)
    reply = httpx.post(f"{thread.url}/api/upload-video/nemo_agent/me/s1",
                       files={"files": ("a.png", b"abc", "image/png")})
    assert reply.json()["data"]["files"][0]["filename"] == "a.png"
    assert server.received[0].files == [
        {"name": "a.png", "size": 3, "sha256": hashlib.sha256(b"abc").hexdigest()}
    ]


def test_a_stream_the_client_gave_up_on_stays_silent_until_it_gives_up_again(
    served: Callable[..., Any],
) -> None:
    _, url = served(outcome="stalled", speed=50.0)
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=0.4)) as http:
        http.post("/api/auth/anonymous-token")
        got: list[str] = []
        with pytest.raises(httpx.ReadTimeout), http.stream("POST", "/run_sse", json={}) as r:
            for line in r.iter_lines():
                got.append(line)
        assert any("Hello" in line for line in got)  # every recorded frame came first


def test_a_call_that_never_got_headers_gets_none_again(
    tmp_path: Path, serve_app: Callable[[Any], ServerThread]
) -> None:
    clock = Clock()
    path = tmp_path / "silent.jsonl"
    with Recorder(path, app_version="0.1.0", lang="en", api_base=API, clock=clock) as rec:
        rec.observer.on_sse_open("/run_sse", {"x": 1}, 0)
        rec.observer.on_sse_close("/run_sse", "stalled")
        rec.observer.on_exchange({"method": "GET", "path": "/api/credits/balance/simple",
                                  "status": None, "error": "ReadTimeout", "duration": 1.0})
        rec.observer.on_exchange({"method": "GET", "path": "/api/credits/balance/simple",
                                  "status": None, "error": "ConnectError", "duration": 0.0})
    server = ReplayServer(load(path), speed=50)
    thread = serve_app(server.app)
    server.configure(thread.url)
    with httpx.Client(base_url=thread.url, timeout=httpx.Timeout(5, read=0.3)) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/run_sse", json={"x": 1})
        with pytest.raises(httpx.ReadTimeout):
            http.get("/api/credits/balance/simple")
        with pytest.raises(httpx.TransportError):
            http.get("/api/credits/balance/simple").read()


def test_downloads_from_another_host_are_served_here_and_signed_urls_are_scrubbed(
    tmp_path: Path, serve_app: Callable[[Any], ServerThread]
) -> None:
    cdn = "https://cdn.example.com/v/out.mp4"
    path = tmp_path / "cdn.jsonl"
    with Recorder(path, app_version="0.1.0", lang="en", api_base=API, clock=Clock()) as rec:
        rec.observer.on_exchange({
            "method": "GET", "path": "/api/render/proxy/lambda/render_abc", "status": 200,
            "response_json": {"status": "completed",
                              "output": {"url": f"{cdn}?X-Amz-Signature=deadbeef99&X-Amz-Date=1"}},
            "duration": 0.0})
        rec.observer.on_exchange({"method": "GET", "path": cdn, "status": 200, "duration": 0.0,
                                  "download": {"name": "out.mp4", "size": 10, "sha256": "ee"}})
    text = path.read_text()
    assert "deadbeef99" not in text and "X-Amz-Date=1" in text
    server = ReplayServer(load(path), speed=50)
    thread = serve_app(server.app)
    server.configure(thread.url)
    with httpx.Client(base_url=thread.url, timeout=5) as http:
        url = http.get("/api/render/proxy/lambda/render_abc").json()["output"]["url"]
        assert url.startswith(f"{thread.url}/_replay/ext/cdn.example.com/v/out.mp4?")
        assert len(http.get(url).content) == 10
    assert server.unanswered() == []
    assert server.received[1].path == "/_replay/ext/cdn.example.com/v/out.mp4"
