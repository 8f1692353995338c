"""The encoder thread: frames reach the file whole and in order, and its failures reach the caller.

Drawing and encoding overlap on two threads (see `backend/render/encoder.py`); these tests make
sure that the hand-over through the queue loses, reorders or hangs nothing.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend.render.encoder import QUEUE, Encoder
from backend.render.errors import RenderCancelled, RenderError
from backend.render.pictures import Planes

W, H, FPS = 64, 48, 10


def _grey(level: int, w: int = W, h: int = H) -> np.ndarray:
    p = Planes.alloc(w, h)
    p.y.fill(level)
    p.u.fill(128)
    p.v.fill(128)
    return p.buf


@pytest.mark.parametrize("size", [(W, H), (90, 160)])  # 90: rows padded in PyAV's frames
def test_frames_arrive_in_order_and_all_of_them(tmp_path: Path, size: tuple[int, int]) -> None:
    import av

    w, h = size
    levels = [20 + 9 * i for i in range(25)]
    out = tmp_path / "o.mp4"
    enc = Encoder(out, w, h, FPS, np.zeros((FPS * 3 * 4800, 2), np.float32), None)
    try:
        buf = _grey(0, w, h)
        for level in levels:  # one buffer reused for every frame, as the frame loop does
            buf[: w * h] = level
            enc.write(buf)
        enc.finish()
    finally:
        enc.close()
    with av.open(str(out)) as c:
        seen = [float(f.to_ndarray()[:h].mean()) for f in c.decode(video=0)]  # the Y plane
    assert len(seen) == len(levels)
    assert np.allclose(seen, levels, atol=3)


class _Broken:
    """Stands in for the video stream: the encoder library fails on the third frame."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, frame: Any) -> list[Any]:
        self.calls += 1
        if self.calls >= 3:
            raise ValueError("x264 said no")
        return []


def test_an_encoder_failure_reaches_the_drawing_thread_without_hanging(tmp_path: Path) -> None:
    enc = Encoder(tmp_path / "o.mp4", W, H, FPS, None, None)
    enc.video = _Broken()
    t0 = time.monotonic()
    try:
        with pytest.raises(RenderError) as info:
            for _ in range(QUEUE + 50):
                enc.write(_grey(100))
            enc.finish()
    finally:
        enc.close()
    assert "x264 said no" in info.value.reason
    assert time.monotonic() - t0 < 5


class _Slow:
    """A video stream that takes a long time per frame, so the queue fills up."""

    def encode(self, frame: Any) -> list[Any]:
        time.sleep(0.3)
        return []


def test_cancel_is_heard_while_the_queue_is_full(tmp_path: Path) -> None:
    cancel = threading.Event()
    enc = Encoder(tmp_path / "o.mp4", W, H, FPS, None, cancel)
    enc.video = _Slow()
    threading.Timer(0.5, cancel.set).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(RenderCancelled):
            for _ in range(1000):
                enc.write(_grey(100))
    finally:
        enc.close()
    assert time.monotonic() - t0 < 1.5  # 0.5 s until cancel, then at most one slow frame


def test_a_sound_mixed_meanwhile_is_waited_for_and_its_failure_is_reported(tmp_path: Path) -> None:
    from concurrent.futures import Future

    import av

    late: Future[np.ndarray] = Future()
    threading.Timer(0.3, late.set_result, [np.full((48000 * 2, 2), 0.25, np.float32)]).start()
    out = tmp_path / "o.mp4"
    enc = Encoder(out, W, H, FPS, late, None)
    try:
        for _ in range(2 * FPS):
            enc.write(_grey(100))
        enc.finish()
    finally:
        enc.close()
    with av.open(str(out)) as c:
        sound = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)
    assert sound.shape[1] >= 48000 * 2 - 1024 and abs(float(np.median(sound)) - 0.25) < 0.02

    broken: Future[np.ndarray] = Future()
    broken.set_exception(RenderError("song.mp3: the sound is damaged"))
    enc = Encoder(tmp_path / "p.mp4", W, H, FPS, broken, None)
    try:
        with pytest.raises(RenderError, match=r"song\.mp3: the sound is damaged"):
            for _ in range(QUEUE + 50):
                enc.write(_grey(100))
            enc.finish()
    finally:
        enc.close()


@pytest.mark.parametrize("size", [(W, H), (90, 160)])  # 90: rows padded in PyAV's frames
def test_pictures_drawn_straight_into_the_encoders_frames_arrive_as_drawn(
        tmp_path: Path, size: tuple[int, int]) -> None:
    """The frame loop draws into `Encoder.frame()` (no copy): a crossfade mixed in place there,
    padded rows and all, reaches the file with the right levels, and each frame in order."""
    import av

    w, h = size
    dark, light = Planes.wrap(_grey(40, w, h), w, h), Planes.wrap(_grey(200, w, h), w, h)
    weights = [i / 9 for i in range(10)]
    out = tmp_path / "o.mp4"
    enc = Encoder(out, w, h, FPS, None, None)
    try:
        for wt in weights:
            frame = enc.frame()
            frame.copy_from(light)
            frame.mix(wt, dark)  # wt of light, the rest dark
            enc.submit()
        enc.finish()
    finally:
        enc.close()
    with av.open(str(out)) as c:
        seen = [float(f.to_ndarray()[:h, :w].mean()) for f in c.decode(video=0)]
    assert np.allclose(seen, [40 + 160 * wt for wt in weights], atol=3)
