"""Helpers for the preview tests: small MP4 files whose frames say their own number."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

WIDTH, HEIGHT = 160, 96


def frame_pixels(index: int) -> np.ndarray:
    """Frame `index`: its number in binary as 10 black/white bars over the top half, and a
    grey level (index * 7 mod 256) below, so a decoded frame can be told apart exactly."""
    img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    bar = WIDTH // 10
    for bit in range(10):
        if index >> bit & 1:
            img[: HEIGHT // 2, bit * bar : (bit + 1) * bar] = 255
    img[HEIGHT // 2 :] = (index * 7) % 256
    return img


def frame_number(pixels: np.ndarray) -> int:
    """Read the number back from a (possibly scaled) decoded frame."""
    h, w = pixels.shape[:2]
    bar = w / 10
    value = 0
    for bit in range(10):
        x = int((bit + 0.5) * bar)
        if pixels[h // 4, x].mean() > 128:
            value |= 1 << bit
    return value


def write_numbered(path: Path, seconds: float, fps: int, gop: int = 12,
                   preset: str = "ultrafast") -> Path:
    import av

    with av.open(str(path), "w", format="mp4") as box:
        stream = box.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"preset": preset, "crf": "18", "g": str(gop)}
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(frame_pixels(i), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode(None):
            box.mux(packet)
    return path


@pytest.fixture
def numbered_video(tmp_path: Path) -> Callable[..., Path]:
    """numbered_video(seconds=3, fps=10, gop=12) -> an MP4 whose frame i shows the number i
    (preset="veryfast" for one with B-frames, as our exports have)."""

    def _make(seconds: float = 3.0, fps: int = 10, gop: int = 12, name: str = "n.mp4",
              preset: str = "ultrafast") -> Path:
        return write_numbered(tmp_path / name, seconds, fps, gop, preset)

    return _make
