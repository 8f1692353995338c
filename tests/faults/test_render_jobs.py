"""Issue 18.1: render jobs that are cancelled, crash, are interrupted, or come from many sessions.

Repros: cancelling a render busy with a long sound track left the worker busy for seconds
(the mix could not be interrupted); a job interrupted by every restart was run again at
every start, forever; one session's queued renders held every other session's behind them.
"""

from __future__ import annotations

import os
import signal
import time
import wave
from pathlib import Path

import numpy as np
import pytest


def _render_children() -> list[int]:
    """Pids of this test process's render children (read from /proc: Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and b"backend.render_child" in cmdline:
            found.append(int(entry.name))
    return found


def _long_wav(path: Path, seconds: int) -> Path:
    noise = np.random.default_rng(0).integers(-3000, 3000, size=seconds * 22050)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(noise.astype("<i2").tobytes())
    return path


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_cancel_frees_the_worker_at_once_even_while_the_sound_is_mixed(
        backend_at, people, make_photo, draft_of, tmp_path):
    server = backend_at(render_workers=1)
    person = people(server.url)
    photo, track = person.upload(make_photo("p.png", size=(96, 64)),
                                 _long_wav(tmp_path / "long.wav", 900))
    draft = draft_of(photo, 900_000)
    draft["t"].append({"tt": 1, "sg": [{"src": track, "st": 0, "d": 900_000}]})
    _, slow = person.submit(draft)
    person.wait(slow, until=("processing",))
    time.sleep(0.3)  # into the sound track's decoding
    _, small = person.submit(draft_of(photo, 300))
    person.post(f"/api/render/proxy/lambda/{slow}/cancel")
    cancelled = time.monotonic()
    job = person.wait(slow, timeout=10)
    freed = person.wait(small, until=("processing", "completed"), timeout=10)
    took = time.monotonic() - cancelled
    assert job["status"] == "failed" and "cancel" in job["error"]
    assert freed["status"] in ("processing", "completed")
    # the target is a second (bench/bench_backend.py measures it); the defect was 10 s
    assert took < 2.0, f"the worker was busy {took:.1f} s after the cancel"
    assert person.wait(small)["status"] == "completed"
    assert not list((server.app.state.backend.renders_dir).glob(f".{slow}*"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_render_that_crashes_twice_is_failed_not_retried_forever(
        backend_at, people, make_photo, draft_of):
    server = backend_at(render_workers=1)
    jobs = server.app.state.backend.jobs
    person = people(server.url)
    photo = person.upload(make_photo("p.png", size=(96, 64)))[0]
    _, render_id = person.submit(draft_of(photo, 600_000))
    killed: int | None = None
    for _ in range(2):  # the OOM killer, twice: at the process rendering this job, never at a
        deadline = time.monotonic() + 20  # spare started ahead (this or another test's backend)
        while (pid := jobs.last_child_pid) in (None, killed) or pid not in _render_children():
            assert time.monotonic() < deadline, "no render process started"
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
        killed = pid
    job = person.wait(render_id, timeout=20)
    assert job["status"] == "failed"
    assert "stopped unexpectedly" in job["error"] and "signal 9" in job["error"]
    assert server.url  # the backend itself lived through both
    assert person.get("/api/credits/balance/simple").json()["code"] == 0


@pytest.mark.slow
def test_a_render_interrupted_by_two_restarts_is_not_started_a_third_time(
        backend_at, people, make_photo, draft_of):
    server = backend_at()
    person = people(server.url)
    photo = person.upload(make_photo("p.png", size=(96, 64)))[0]
    _, render_id = person.submit(draft_of(photo, 600_000))  # minutes of frames
    for _ in range(2):
        person.wait(render_id, until=("processing",))
        server.stop()
        server = backend_at()
        person.url = server.url
    job = person.wait(render_id)
    assert job["status"] == "failed" and "stopped twice" in job["error"]
    server.stop()
    person.url = backend_at().url  # and it stays failed
    assert person.job(render_id)["status"] == "failed"


def test_renders_take_turns_across_sessions(backend_at, people, make_photo, draft_of):
    """Session A queues three renders, then B one: B's goes second, not fourth."""
    server = backend_at(render_workers=1)
    a, b = people(server.url), people(server.url)
    photo_a = a.upload(make_photo("a.png", size=(96, 64)))[0]
    photo_b = b.upload(make_photo("b.png", size=(96, 64)))[0]
    server.app.state.faults.add({"route": "render_submit", "kind": "stuck"})
    _, a1 = a.submit(draft_of(photo_a, 200))
    a.wait(a1, until=("processing",))  # holds the one worker
    _, a2 = a.submit(draft_of(photo_a, 200))
    _, a3 = a.submit(draft_of(photo_a, 200))
    _, b1 = b.submit(draft_of(photo_b, 200))
    server.app.state.faults.clear()
    order: list[str] = []
    deadline = time.monotonic() + 60
    while len(order) < 4:
        assert time.monotonic() < deadline, order
        for who, rid in ((a, a1), (a, a2), (a, a3), (b, b1)):
            if rid not in order and who.job(rid)["status"] in ("processing", "completed"):
                order.append(rid)
        time.sleep(0.01)
    assert order.index(b1) < order.index(a3), "B waited behind all of A's renders"


def test_no_more_renders_run_at_once_than_workers(backend_at, people, make_photo, draft_of):
    server = backend_at(render_workers=2)
    server.app.state.faults.add({"route": "render_submit", "kind": "stuck", "count": 3})
    jobs = []
    for n in range(3):
        person = people(server.url)
        photo = person.upload(make_photo(f"p{n}.png", size=(96, 64)))[0]
        jobs.append((person, person.submit(draft_of(photo, 200))[1]))
    deadline = time.monotonic() + 20
    while sorted(person.job(rid)["status"] for person, rid in jobs).count("processing") < 2:
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.02)
    time.sleep(0.3)  # a third worker would have taken the third job by now
    states = sorted(person.job(rid)["status"] for person, rid in jobs)
    assert states == ["pending", "processing", "processing"]
    for person, rid in jobs:
        person.post(f"/api/render/proxy/lambda/{rid}/cancel")


def test_a_session_cannot_queue_without_bound(client, make_photo, draft_of, local_backend):
    photo = client.upload(make_photo("p.png", size=(96, 64)))[0]
    limit = local_backend.settings.max_queued_renders
    local_backend.faults.add({"route": "render_submit", "kind": "stuck", "count": None})
    ids = [client.submit(draft_of(photo, 200))[1] for _ in range(limit)]
    r, _ = client.submit(draft_of(photo, 200))
    assert r.status_code == 409 and r.json()["code"] == 4000
    assert f"{limit} exports waiting" in r.json()["message"] and "cancel" in r.json()["message"]
    client.post(f"/api/render/proxy/lambda/{ids[-1]}/cancel")
    r, _ = client.submit(draft_of(photo, 200))
    assert r.status_code == 200, r.text
    local_backend.faults.clear()


def test_fair_queue_round_robin():
    from backend.fair_queue import FairQueue

    q = FairQueue()
    for job in ("a1", "a2", "a3"):
        q.put("A", job)
    q.put("B", "b1")
    q.put("C", "c1")
    q.put("B", "b2")
    assert [q.get(0) for _ in range(6)] == ["a1", "b1", "c1", "a2", "b2", "a3"]
    assert q.get(0.01) is None
    q.close()
    assert q.get() is None


def test_a_killed_renders_part_file_is_removed_at_the_next_start(backend_at, tmp_path):
    renders = tmp_path / "data" / "renders"
    renders.mkdir(parents=True)
    dead = renders / ".render_a.mp4.4194999-1-1.part"  # above the usual pid range: gone
    alive = renders / f".render_b.mp4.{os.getpid()}-1-1.part"  # a process still writing
    dead.write_bytes(b"half a video")
    alive.write_bytes(b"being written")
    backend_at()
    assert not dead.exists() and alive.exists()
