"""Renderer test helpers (the `rt` fixture): tiny drafts, solid pictures, probing MP4s with PyAV."""

from __future__ import annotations

import subprocess
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from backend.draft import Draft

SMALL = {"max_height": 180, "fps": 10}


def solid(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (480, 270)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, rgb).save(path)
    return path


def draft(video: list[dict[str, Any]], audio: list[dict[str, Any]] | None = None,
          text: list[dict[str, Any]] | None = None, **meta: Any) -> Draft:
    tracks: list[dict[str, Any]] = [{"tt": 0, "sg": video}]
    if audio:
        tracks.append({"tt": 1, "sg": audio})
    if text:
        tracks.append({"tt": 7, "sg": text})
    return Draft.model_validate({"t": tracks, "m": {"aspect": "16:9", **meta}})


@dataclass
class Probed:
    vcodec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    duration: float
    acodec: str | None
    audio_duration: float | None


def probe_mp4(path: Path) -> Probed:
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        frames = sum(1 for _ in c.demux(v) if _.size)
        return Probed(
            vcodec=v.codec_context.name,
            pix_fmt=str(v.codec_context.pix_fmt),
            width=v.codec_context.width,
            height=v.codec_context.height,
            fps=float(v.average_rate or 0),
            frames=frames,
            duration=float(v.duration * v.time_base) if v.duration else 0.0,
            acodec=a.codec_context.name if a else None,
            audio_duration=float(a.duration * a.time_base) if a and a.duration else None,
        )


def frames_rgb(path: Path) -> list[np.ndarray]:
    """Every decoded frame as an (h, w, 3) uint8 RGB array."""
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def audio_samples(path: Path) -> np.ndarray:
    """The decoded sound as (n, channels) float32 at the stream's rate (48 kHz)."""
    import av

    chunks = []
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            chunks.append(f.to_ndarray().T if f.format.is_planar else f.to_ndarray().reshape(-1, 2))
    return np.concatenate(chunks).astype(np.float32)


def make_clip(path: Path, seconds: float = 2.0) -> Path:
    """A tiny H.264 + AAC clip: a moving test pattern with a 440 Hz tone."""
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc=s=160x120:r=25:d={seconds}", "-f", "lavfi", "-i", f"sine=f=440:d={seconds}",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, capture_output=True, timeout=60,
    )
    return path


@pytest.fixture
def rt() -> types.SimpleNamespace:
    """The helpers above, as one namespace (test modules cannot import each other here)."""
    return types.SimpleNamespace(
        SMALL=SMALL, solid=solid, draft=draft, probe_mp4=probe_mp4, frames_rgb=frames_rgb,
        audio_samples=audio_samples, make_clip=make_clip,
    )
