"""Draft quality: the local backend renders a quick preview when asked, and says it can."""

from __future__ import annotations

import io
import time
import uuid

import av
import httpx
import pytest

from backend.render_quality import draft_fps, render_kwargs, requested


def _draft(api, make_photo):
    paths = [make_photo(f"q{i}.png", size=(96, 64), seed=i) for i in range(2)]
    assert api.upload(*paths).json()["code"] == 0
    api.turn("animate my photos, 1 second each")
    return api.state()["state"]["draft"]


def _render(api, draft, quality):
    render_id = f"render_{uuid.uuid4().hex}"
    body = {"id": render_id, "sessionId": api.session_id, "draft": draft,
            "output": {"format": "mp4", "quality": quality}}
    assert api.post("/api/render/proxy/lambda", json=body).status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.get(f"/api/render/proxy/lambda/{render_id}").json()
        if job["status"] in ("completed", "failed"):
            assert job["status"] == "completed", job
            return job["output"]
        time.sleep(0.05)
    raise AssertionError("render stuck")


def _rate(url):
    with av.open(io.BytesIO(httpx.get(url).content)) as box:
        return float(box.streams.video[0].average_rate)


def test_draft_rates_fall_on_export_frames():
    assert draft_fps(30) == 15
    assert draft_fps(24) == 12
    assert draft_fps(60) == 15
    assert draft_fps(50) == 10
    assert draft_fps(10) == 10
    assert draft_fps(25) == 15  # no divisor from 8 to 15: the cap
    for rate in (30, 24, 60, 50, 20, 12):
        assert rate % draft_fps(rate) == 0


def test_only_a_draft_request_of_a_backend_that_offers_it_is_a_draft():
    assert requested({"quality": "draft"}, True) == "draft"
    assert requested({"quality": "draft", "resolution": "1080p"}, True) == "draft"
    assert requested({"quality": "draft", "resolution": "720p"}, False) == "720p"
    assert requested({"quality": "high", "resolution": "720p"}, True) == "720p"
    assert requested(None, True) is None
    assert render_kwargs(None, 30, 180, 10) == {"max_height": 180, "fps": 10}
    draft = render_kwargs("draft", 30, None, None)
    assert draft["max_height"] == 360 and draft["fps"] == 15 and draft["encoder_options"]
    assert render_kwargs("draft", 30, 180, 10)["max_height"] == 180  # the backend's cap holds


@pytest.mark.slow
def test_a_draft_is_smaller_and_slower_paced_than_the_export(start_backend, new_api, make_photo):
    server = start_backend(render_max_height=720, render_fps=30)
    api = new_api(server.url)
    state = api.state()
    assert state["render"]["qualities"] == ["high", "draft"]  # advertised
    draft = _draft(api, make_photo)
    full = _render(api, draft, "high")
    quick = _render(api, draft, "draft")
    assert (full["width"], full["height"]) == (1280, 720)
    assert (quick["width"], quick["height"]) == (640, 360)
    assert quick["duration"] == pytest.approx(full["duration"], abs=0.07)  # the same timeline
    assert _rate(full["url"]) == 30 and _rate(quick["url"]) == 15


def test_a_backend_without_draft_quality_says_nothing_and_renders_high(
        start_backend, new_api, make_photo):
    server = start_backend(draft_quality=False)
    api = new_api(server.url)
    assert "render" not in api.state()  # like the service: no advert
    draft = _draft(api, make_photo)
    out = _render(api, draft, "draft")
    assert out["height"] == 180  # the backend's own (test) export size, not a draft
    assert _rate(out["url"]) == 10
