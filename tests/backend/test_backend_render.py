"""Export: render jobs over real HTTP, from submit to the MP4 (small, fast renders)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest


def _draft(api, make_photo, n=2, extra=""):
    paths = [make_photo(f"r{i}.png", size=(96, 64), seed=i) for i in range(n)]
    assert api.upload(*paths).json()["code"] == 0
    api.turn("animate my photos, 1 second each" + extra)
    return api.state()["state"]["draft"]


def _submit(api, draft, render_id=None, **output):
    body = {"id": render_id or f"render_{uuid.uuid4().hex}", "sessionId": api.session_id,
            "draft": draft, "output": {"format": "mp4", "quality": "high", **output}}
    return api.post("/api/render/proxy/lambda", json=body), body["id"]


def _wait(api, render_id, until=("completed", "failed"), timeout=60.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in until:
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job stuck: {seen}")


@pytest.mark.slow
def test_export_renders_a_real_mp4_with_range_support(api, make_photo):
    draft = _draft(api, make_photo)
    r, render_id = _submit(api, draft)
    assert r.status_code == 200
    assert r.json()["status"] in ("pending", "processing") and r.json()["id"] == render_id
    job, seen = _wait(api, render_id)
    assert job["status"] == "completed", job
    assert job["progress"] == 100
    assert set(seen) <= {"pending", "processing", "completed"}
    out = job["output"]
    assert out["url"].endswith(".mp4") and out["size"] > 1000 and out["duration"] > 0
    assert out["height"] == 180 and out["width"] == 320  # 16:9 capped at render_max_height
    whole = httpx.get(out["url"])
    assert whole.status_code == 200 and whole.content[4:8] == b"ftyp"
    assert len(whole.content) == out["size"]
    part = httpx.get(out["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole.content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{out['size']}"
    tail = httpx.get(out["url"], headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    assert httpx.get(out["url"], headers={"Range": f"bytes={out['size']}-"}).status_code == 416
    # the fallback download route needs the token and gives the same bytes
    dl = api.get(f"/api/render/proxy/{render_id}/download")
    assert dl.status_code == 200 and dl.content == whole.content
    assert httpx.get(api.url + f"/api/render/proxy/{render_id}/download").json()["code"] == 1001
    # export is free
    credits_after = api.credits()
    assert credits_after["frozen"] == 0


@pytest.mark.slow
def test_vertical_export_follows_aspect_and_resolution(api, make_photo):
    draft = _draft(api, make_photo, 1, ", 9:16 vertical")
    _, render_id = _submit(api, draft, resolution="720p")
    job, _ = _wait(api, render_id)
    assert job["status"] == "completed", job
    assert job["output"]["height"] == 180 and job["output"]["width"] in (100, 102)


def test_reused_render_id_is_refused(api, make_photo):
    draft = _draft(api, make_photo, 1)
    r1, render_id = _submit(api, draft)
    assert r1.status_code == 200
    r2, _ = _submit(api, draft, render_id=render_id)
    assert r2.status_code == 409 and "already exists" in r2.json()["message"]
    api.post(f"/api/render/proxy/lambda/{render_id}/cancel")


def test_missing_attribution_headers_is_402(api, make_photo):
    draft = _draft(api, make_photo, 1)
    body = {"id": "render_x1", "sessionId": api.session_id, "draft": draft,
            "output": {"format": "mp4", "quality": "high"}}
    r = api.http.post(api.url + "/api/render/proxy/lambda", json=body,
                      headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 402
    assert "X-Skill-Source" in r.json()["message"]


def test_empty_draft_and_bad_id_are_refused(api):
    r, _ = _submit(api, {"t": [], "d": 0, "m": {}})
    assert r.status_code == 400 and "no segment" in r.json()["message"]
    r, _ = _submit(api, {"t": [{"tt": 0, "sg": [{"d": 1000}]}]}, render_id="../etc")
    assert r.status_code == 400


def test_unknown_job_is_404(api):
    r = api.get("/api/render/proxy/lambda/render_nope")
    assert r.status_code == 404 and "render_nope" in r.json()["message"]


def test_cancel_a_job(api, local_backend, make_photo):
    draft = _draft(api, make_photo, 1)
    local_backend.faults.add({"route": "render_submit", "kind": "stuck", "progress": 30})
    _, render_id = _submit(api, draft)
    job, _ = _wait(api, render_id, until=("processing",))
    # a job starts at 0 % and the stuck fault then sets 30 %: a poll may fall between the two
    deadline = time.monotonic() + 10
    while job["progress"] != 30 and time.monotonic() < deadline:
        time.sleep(0.05)
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
    assert job["status"] == "processing" and job["progress"] == 30
    r = api.post(f"/api/render/proxy/lambda/{render_id}/cancel")
    assert r.status_code == 200
    job, _ = _wait(api, render_id)
    assert job["status"] == "failed" and "cancel" in job["error"]


def test_job_of_a_missing_media_fails_with_a_reason(api, make_photo):
    draft = _draft(api, make_photo, 1)
    draft["t"][0]["sg"][0]["src"] = "m_doesnotexist"
    _, render_id = _submit(api, draft)
    job, _ = _wait(api, render_id)
    assert job["status"] == "failed" and job["error"]


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def test_the_next_render_starts_in_a_process_started_ahead(api, local_backend, make_photo):
    """Once a render has run, a spare render process waits with the renderer imported; the next
    job takes it (no Python start-up or imports in its time), another spare is started, and
    stopping the backend leaves none behind. A spare that died is simply replaced."""
    jobs = local_backend.app.state.backend.jobs
    draft = _draft(api, make_photo, 1)
    job, _ = _wait(api, _submit(api, draft)[1])
    assert job["status"] == "completed"
    spare = jobs._spares._spare
    assert spare is not None and spare[0].poll() is None
    job, _ = _wait(api, _submit(api, draft)[1])
    assert job["status"] == "completed" and jobs.last_child_pid == spare[0].pid
    replacement = jobs._spares._spare
    assert replacement is not None and replacement[0].pid != spare[0].pid
    replacement[0].kill()
    replacement[0].wait()
    job, _ = _wait(api, _submit(api, draft)[1])
    assert job["status"] == "completed" and jobs.last_child_pid != replacement[0].pid
    last = jobs._spares._spare
    assert last is not None
    jobs.stop()
    assert not _alive(last[0].pid)
    assert not list((local_backend.settings.data_dir / "tmp").glob("spare-*.log"))
