"""Faults on demand: every kind, armed over HTTP and in-process, as a client meets them."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest


def _photo(api, make_photo):
    return api.upload(make_photo("f.png", size=(96, 64))).json()["data"]["files"][0]


def test_error_fault_for_the_next_call_only(api):
    api.fault(route="credits", kind="error", code=2001, message="no more")
    r = api.get("/api/credits/balance/simple")
    assert r.status_code == 200 and r.json() == {"code": 2001, "message": "no more", "data": None}
    assert api.get("/api/credits/balance/simple").json()["code"] == 0


def test_http_errors_carry_retry_after(api):
    api.fault(route="state", kind="error", code=503)
    r = api.get(f"/api/state/nemo_agent/me/{api.session_id}/latest")
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    r = httpx.post(api.url + "/_nemo/faults", headers=api.hooks,
                   json={"route": "token", "kind": "error", "code": 429, "retry_after": 2})
    r = httpx.post(api.url + "/api/auth/anonymous-token", headers={"X-Client-Id": "z"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert r.json()["code"] == 429


def test_status_override_count_and_skip(api):
    api.fault(route="credits", kind="error", code=1001, status=401, count=2, skip=1)
    replies = [api.get("/api/credits/balance/simple") for _ in range(2)]
    assert [r.status_code for r in replies] == [200, 401]
    assert [r.json()["code"] for r in replies] == [0, 1001]


def test_injected_1001_really_invalidates_the_token(api):
    api.fault(route="credits", kind="error", code=1001)
    assert api.get("/api/credits/balance/simple").json()["code"] == 1001
    assert api.get("/api/credits/balance/simple").json()["code"] == 1001  # token is gone
    r = httpx.post(api.url + "/api/auth/anonymous-token", headers={"X-Client-Id": api.client_id})
    assert r.status_code == 200  # same client id may re-authenticate
    api.token = r.json()["data"]["token"]
    assert api.get("/api/credits/balance/simple").json()["code"] == 0


def test_any_route_and_in_process_board(api, local_backend):
    local_backend.faults.add({"route": "*", "kind": "error", "code": 500})
    r = api.get("/api/credits/balance/simple")
    assert r.status_code == 500
    assert api.get("/api/credits/balance/simple").status_code == 200


def test_delay(api):
    api.fault(route="credits", kind="delay", seconds=0.4)
    t = time.monotonic()
    assert api.get("/api/credits/balance/simple").json()["code"] == 0
    assert time.monotonic() - t >= 0.4


def test_list_and_clear(api):
    api.fault(route="upload", kind="error", code=4002, count=None)
    armed = httpx.get(api.url + "/_nemo/faults", headers=api.hooks).json()["data"]["armed"]
    assert armed[0]["route"] == "upload" and armed[0]["count"] is None
    assert httpx.delete(api.url + "/_nemo/faults", headers=api.hooks).json()["data"]["armed"] == []
    assert httpx.get(api.url + "/_nemo/faults", headers=api.hooks).json()["data"]["armed"] == []


def test_invalid_fault_is_400_with_reason(api):
    r = httpx.post(api.url + "/_nemo/faults", json={"route": "nowhere", "kind": "error"},
                   headers=api.hooks)
    assert r.status_code == 400 and "Invalid fault" in r.json()["message"]
    r = httpx.post(api.url + "/_nemo/faults", content=b"{not json", headers=api.hooks)
    assert r.status_code == 400


def test_run_sse_error_before_the_stream(api):
    api.fault(route="run_sse", kind="error", code=1002)
    r, _ = api.turn("hi")
    assert r.status_code == 404 and json.loads(r.read())["code"] == 1002


def test_drop_after_n_events_breaks_the_connection(api, make_photo):
    _photo(api, make_photo)
    api.fault(route="run_sse", kind="drop", after_events=2)
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        api.http.stream("POST", api.url + "/run_sse", json=api.sse_body("animate my photos"),
                        headers=api.headers) as r,
    ):
        for chunk in r.iter_bytes():
            received += chunk
    data_frames = [b for b in received.split(b"\n\n") if b.startswith(b"data: {")]
    assert len(data_frames) == 2
    deadline = time.monotonic() + 5  # the turn still finished on the server
    while api.state()["state"]["draft"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.state()["state"]["draft"] is not None


def test_heartbeats_only(api):
    api.fault(route="run_sse", kind="heartbeats_only", seconds=0.4)
    _, frames = api.turn("animate my photos")
    assert frames and all(f.comment == "ping" or f.data == "" for f in frames)
    assert api.state()["state"]["draft"] is None  # the message was not processed


def test_malformed_frame_then_normal(api, make_photo):
    _photo(api, make_photo)
    api.fault(route="run_sse", kind="malformed", after_events=1)
    _, frames = api.turn("animate my photos")
    bad = [f for f in frames if f.data and not f.data.startswith("{}") and _not_json(f.data)]
    assert len(bad) == 1
    assert frames.texts() and api.state()["state"]["draft"] is not None


def _not_json(data: str) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("style", ["frame", "event"])
def test_stream_error(api, make_photo, style):
    _photo(api, make_photo)
    api.fault(route="run_sse", kind="stream_error", after_events=1, style=style, message="boom")
    _, frames = api.turn("animate my photos")
    last = frames.events()[-1]
    if style == "frame":
        assert last["error"] == "RuntimeError: boom"
        assert last["error_details"]["error_type"] == "RuntimeError"
    else:
        assert last["errorMessage"] == "boom" and "content" not in last
    assert len(frames.events()) == 2


def test_temporary_issue_after_good_output(api, make_photo):
    _photo(api, make_photo)
    api.fault(route="run_sse", kind="temporary_issue")
    _, frames = api.turn("animate my photos")
    said = frames.texts()
    assert "temporary issue" in said[-1] and len(said) >= 2


def test_wrapped_render_poll_and_stuck_job(api, local_backend, make_photo):
    _photo(api, make_photo)
    api.turn("animate my photos, 1 second each")
    draft = api.state()["state"]["draft"]
    api.fault(route="render_submit", kind="stuck", progress=55)
    render_id = f"render_{uuid.uuid4().hex}"
    r = api.post("/api/render/proxy/lambda", json={"id": render_id, "sessionId": api.session_id,
                                                    "draft": draft, "output": {"format": "mp4"}})
    assert r.status_code == 200
    for _ in range(40):
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
        if job["status"] == "processing":
            break
        time.sleep(0.05)
    time.sleep(0.3)
    job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert (job["status"], job["progress"]) == ("processing", 55)
    api.fault(route="render_status", kind="wrapped")
    wrapped = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert wrapped["success"] is True and wrapped["data"]["status"] == "processing"
    assert wrapped["data"]["outputUrl"] is None and "status" not in wrapped
    httpx.delete(api.url + "/_nemo/faults", headers=api.hooks)  # un-sticks the job
    deadline = time.monotonic() + 60
    while job["status"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert job["status"] == "completed"
    api.fault(route="render_status", kind="wrapped")
    wrapped = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert wrapped["data"]["outputUrl"] == job["output"]["url"]


def test_ignore_range_and_truncated_file(api, make_photo):
    entry = _photo(api, make_photo)
    size = len(httpx.get(entry["cdn_url"]).content)
    api.fault(route="files", kind="ignore_range")
    r = httpx.get(entry["cdn_url"], headers={"Range": "bytes=10-"})
    assert r.status_code == 200 and len(r.content) == size
    api.fault(route="files", kind="drop", after_bytes=100)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(entry["cdn_url"])


def test_stall_is_silence_without_heartbeats(api, make_photo):
    _photo(api, make_photo)
    api.fault(route="run_sse", kind="stall", after_events=1, seconds=None)
    with (
        pytest.raises(httpx.ReadTimeout),
        api.http.stream("POST", api.url + "/run_sse", json=api.sse_body("animate my photos"),
                        headers=api.headers, timeout=httpx.Timeout(5, read=0.5)) as r,
    ):
        got = b""
        for chunk in r.iter_bytes():
            got += chunk
    assert got.count(b"data: {") == 1 and b": ping" not in got
