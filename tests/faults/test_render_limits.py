"""Issue 18.1: a render request over the limits is refused before any work, with the reason.

The repro: a segment of `"d": 36000000` (10 hours) was accepted and drove the backend past
12 GB. Each limit (duration, segments, frame size, frame rate, text length, request size) now
answers 400 with a message that names the limit and what to do, and no job is created.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def photo(client, make_photo):
    return client.upload(make_photo("p.png", size=(96, 64)))[0]


def _refused(client, draft, **output):
    r, render_id = client.submit(draft, **output)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == 4000 and body["message"]
    assert client.get(f"/api/render/proxy/lambda/{render_id}").status_code == 404
    return str(body["message"])


def test_a_ten_hour_draft_is_refused_before_it_starts(client, photo, draft_of):
    text = _refused(client, draft_of(photo, 36_000_000, music=True))
    assert "10:00:00" in text and "30:00" in text  # how long it is, and the limit
    assert "shorten" in text.lower()


def test_a_late_start_counts_as_duration(client, photo, draft_of):
    draft = draft_of(photo, 1000)
    draft["t"][0]["sg"][0]["st"] = 36_000_000
    assert "10:00:01" in _refused(client, draft)


def test_too_many_segments_are_refused(client, photo):
    segs = [{"src": photo, "kind": "image", "st": i * 100, "d": 100} for i in range(2001)]
    text = _refused(client, {"t": [{"tt": 0, "sg": segs}]})
    assert "2001" in text and "500" in text


def test_a_huge_frame_is_refused(client, photo, draft_of):
    draft = draft_of(photo)
    draft["m"] = {"aspect": "custom", "width": 20000, "height": 12000}
    text = _refused(client, draft)
    assert "20000×12000" in text


def test_an_unusable_frame_rate_is_refused(backend_at, people, make_photo, draft_of):
    person = people(backend_at(render_fps=None).url)  # the draft's own frame rate counts
    draft = draft_of(person.upload(make_photo("p.png", size=(96, 64)))[0])
    draft["m"] = {"fps": 1000}
    assert "1000" in _refused(person, draft)


def test_a_huge_text_is_refused(client, photo, draft_of):
    draft = draft_of(photo)
    draft["t"].append({"tt": 7, "sg": [{"text": "A" * 100_000, "st": 0, "d": 1000}]})
    text = _refused(client, draft)
    assert "100000" in text and "500" in text


def test_a_huge_request_body_is_refused_without_reading_it_all(client,
                                                              photo, draft_of):
    draft = draft_of(photo)
    draft["m"] = {"title": "x" * 3_000_000}
    assert "MB" in _refused(client, draft)


def test_limits_in_range_still_render(client, photo, draft_of):
    r, render_id = client.submit(draft_of(photo, 500), resolution="4k")
    assert r.status_code == 200, r.text
    client.post(f"/api/render/proxy/lambda/{render_id}/cancel")


def test_a_job_recorded_over_the_limits_fails_when_it_would_start(backend_at,
                                                                  make_photo, draft_of, people):
    """A job stored before the limits (or with wider ones) is not run after a restart."""
    first = backend_at(max_render_seconds=36_000)
    person = people(first.url)
    photo = person.upload(make_photo("p.png", size=(96, 64)))[0]
    first.app.state.faults.add({"route": "render_submit", "kind": "stuck"})
    r, render_id = person.submit(draft_of(photo, 3_600_000))
    assert r.status_code == 200, r.text
    person.wait(render_id, until=("processing",))
    first.stop()
    person.url = backend_at().url
    job = person.wait(render_id)
    assert job["status"] == "failed" and "1:00:00" in job["error"]
