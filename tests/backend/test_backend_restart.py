"""Everything survives a restart on the same data folder; open streams don't hold shutdown."""

from __future__ import annotations

import json
import threading
import time
import uuid

import httpx


def _stuck_job(api, server, make_photo):
    api.upload(make_photo("s.png", size=(96, 64)))
    api.turn("animate my photos, 1 second each")
    draft = api.state()["state"]["draft"]
    httpx.post(server.url + "/_nemo/faults", json={"route": "render_submit", "kind": "stuck"},
               headers={"X-Nemo-Hooks-Token": server.app.state.hooks_token})
    render_id = f"render_{uuid.uuid4().hex}"
    r = api.post("/api/render/proxy/lambda", json={"id": render_id, "sessionId": api.session_id,
                                                    "draft": draft, "output": {"format": "mp4"}})
    assert r.status_code == 200
    for _ in range(100):
        if api.get(f"/api/render/proxy/lambda/{render_id}").json()["status"] == "processing":
            break
        time.sleep(0.02)
    return render_id


def test_sessions_tokens_drafts_credits_uploads_survive(start_backend, new_api, make_photo):
    first = start_backend()
    api = new_api(first.url)
    entry = api.upload(make_photo("keep.png", size=(80, 60))).json()["data"]["files"][0]
    api.turn('animate my photos and add a title "Kept"')
    before_state = api.state()
    before_credits = api.credits()
    assert before_credits["available"] < 100
    first.stop()

    second = start_backend()
    api.url = second.url
    after = api.state()  # same token, same session id
    old_port, new_port = first.url.rsplit(":", 1)[1], second.url.rsplit(":", 1)[1]
    assert json.loads(json.dumps(after["state"]["draft"])) == json.loads(
        json.dumps(before_state["state"]["draft"]).replace(f":{old_port}/", f":{new_port}/"))
    assert after["session_id"] == before_state["session_id"]
    assert api.credits() == before_credits
    infos = after["state"]["video_infos"]
    assert infos[0]["media_id"] == entry["media_id"]
    assert httpx.get(infos[0]["cdn_url"]).content == make_photo("keep.png", size=(80, 60)).read_bytes()
    # the one-token-per-client rule survives too
    r = httpx.post(second.url + "/api/auth/anonymous-token", headers={"X-Client-Id": api.client_id})
    assert r.status_code == 429
    # undo history survives
    api.turn("undo")
    assert api.state()["state"]["draft"] is None


def test_interrupted_job_is_resumed(start_backend, new_api, make_photo):
    first = start_backend(test_hooks=True)
    api = new_api(first.url)
    render_id = _stuck_job(api, first, make_photo)
    first.stop()
    second = start_backend()
    api.url = second.url
    deadline = time.monotonic() + 60
    job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    while job["status"] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert job["status"] == "completed", job
    assert httpx.get(job["output"]["url"]).content[4:8] == b"ftyp"


def test_interrupted_job_is_marked_failed_when_not_resuming(start_backend, new_api, make_photo):
    first = start_backend(test_hooks=True)
    api = new_api(first.url)
    render_id = _stuck_job(api, first, make_photo)
    first.stop()
    second = start_backend(resume_jobs=False)
    api.url = second.url
    job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert job["status"] == "failed" and "restart" in job["error"]


def test_stop_is_prompt_while_a_stream_is_open(start_backend, new_api):
    server = start_backend(heartbeat_interval=0.05, test_hooks=True)
    api = new_api(server.url)
    httpx.post(server.url + "/_nemo/faults",
               json={"route": "run_sse", "kind": "heartbeats_only", "seconds": None},
               headers={"X-Nemo-Hooks-Token": server.app.state.hooks_token})
    outcome: list[str] = []

    def listen():
        try:
            with httpx.stream("POST", server.url + "/run_sse", json=api.sse_body("hi"),
                              headers=api.headers, timeout=30) as r:
                for _ in r.iter_bytes():
                    pass
            outcome.append("ended")
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.3)
    t = time.monotonic()
    server.stop()
    stopped_in = time.monotonic() - t
    listener.join(10)
    assert not listener.is_alive() and outcome
    assert stopped_in < 5


def test_credits_frozen_by_a_turn_cut_by_a_stop_come_back(start_backend, new_api, make_photo):
    first = start_backend(generation_seconds=30)
    api = new_api(first.url)
    api.upload(make_photo("c.png", size=(64, 48)))
    with api.http.stream("POST", api.url + "/run_sse", json=api.sse_body("animate my photos"),
                         headers=api.headers) as r:
        next(r.iter_bytes())
        assert api.credits()["frozen"] > 0
    first.stop()
    second = start_backend()
    api.url = second.url
    assert api.credits() == {"available": 100, "frozen": 0, "total": 100}
    assert api.state()["state"]["draft"] is None  # the cut turn changed nothing
