"""Frames at given times from an MP4, in one process and mostly one decoder pass.

The naive way is one `ffmpeg -ss T -i video -frames:v 1` process per frame: each pays for a
process start, opening the file and decoding from the keyframe before T. Here the file is
opened once; times close together are reached by decoding on (no seek), times far apart by a
seek to the keyframe before them, and each chosen frame is scaled to the tile size by
libswscale on the way out (a 1080p frame never becomes a full-size RGB array). The frame taken
for time t is the last one shown at t (its timestamp ≤ t), the frame a player shows at t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SampleError", "Sampled", "VideoInfo", "probe_video", "sample_frames", "sheet_times"]

EXACT_UP_TO = 120.0  # seconds of video: longer ones are sampled at keyframes
SEEK_GAP = 4.0  # seconds: a target further ahead than this is reached by a seek, not decoding on
# More than this before a target, B-frames that nothing refers to are skipped: an export's
# (x264 veryfast, 3 B-frames) decodes in 500 frames' time instead of 900 (3.9 against 6.1 s for
# the bench's 30-s 1080p export). The lead leaves room for the decoder's frame threads and
# B-frame reordering (16 at most), so every frame near a target is decoded and the choice stays
# exact (tests/preview: with no lead, 6 of 9 picks of a B-frame video were a frame early).
SKIP_LEAD_FRAMES = 32
_EPS = 1e-3  # timestamps are rounded to the stream's time base


class SampleError(Exception):
    """The video cannot be read (missing, damaged, no video stream). `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VideoInfo:
    duration: float  # seconds
    fps: float
    width: int
    height: int


@dataclass(frozen=True)
class Sampled:
    """One frame: the time asked for, the frame's own timestamp, RGB pixels (h, w, 3) uint8."""

    at: float
    shown: float
    pixels: Any


def _open(path: Path) -> Any:
    import av

    try:
        box = av.open(str(path))
    except FileNotFoundError:
        raise SampleError("the video file is missing") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise SampleError(f"the video cannot be read ({exc})") from None
    if not box.streams.video:
        box.close()
        raise SampleError("the file holds no video")
    return box


def _info(box: Any) -> VideoInfo:
    stream = box.streams.video[0]
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif box.duration is not None:
        duration = box.duration / 1_000_000
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else 0.0
    cc = stream.codec_context
    return VideoInfo(duration=duration, fps=fps, width=int(cc.width), height=int(cc.height))


def probe_video(path: Path) -> VideoInfo:
    box = _open(path)
    try:
        return _info(box)
    finally:
        box.close()


def _step(fps: float) -> float:
    """The shortest step of whole tenths of a second that falls on frames: 0.1 s at 30 fps,
    0.2 s at 15, 0.5 s at 24 (a stamp of 0:04.5 is then exactly a frame's start)."""
    whole = round(fps)
    if whole <= 0 or abs(fps - whole) > 1e-3:
        return 0.1
    return (10 // math.gcd(10, whole)) / 10


def sheet_times(info: VideoInfo, count: int) -> list[float]:
    """`count` times evenly across the video (the middle of each slice), each on a frame."""
    if info.duration <= 0:
        return [0.0]
    count = max(1, count)
    step = _step(info.fps)
    times: list[float] = []
    for i in range(count):
        t = math.floor((i + 0.5) * info.duration / count / step + _EPS) * step
        times.append(round(t, 6))
    return times


def sample_frames(path: Path, times: list[float], width: int, *,
                  exact: bool | None = None) -> list[Sampled]:
    """The frame shown at each time (sorted), scaled to `width` (even height, same aspect).

    `exact` (the default up to EXACT_UP_TO seconds of video) decodes up to each time. Otherwise
    each time is reached by a seek to the keyframe at or before it and that keyframe is taken
    (its own time is in `Sampled.at`): a 10-minute 1080p video's sheet then decodes 9 frames
    instead of ~125 per tile, the way thumbnailers do it.
    """
    import av

    box = _open(path)
    try:
        stream = box.streams.video[0]
        info = _info(box)
        if exact is None:
            exact = info.duration <= EXACT_UP_TO
        height = max(2, round(info.height * width / max(1, info.width) / 2) * 2)

        def scaled(frame: Any, at: float) -> Sampled:
            rgb = frame.reformat(width=width, height=height, format="rgb24",
                                 interpolation="AREA").to_ndarray()
            return Sampled(at=at, shown=float(frame.time or 0.0), pixels=rgb)

        if exact:
            stream.thread_type = "AUTO"  # frame threads: many frames in a row
            return [scaled(f, t) for t, f in _exact(box, stream, sorted(times))]
        return [scaled(f, float(f.time or 0.0)) for f in _keyframes(box, stream, sorted(times))]
    except av.FFmpegError as exc:
        raise SampleError(f"the video is damaged ({exc})") from None
    finally:
        box.close()


def _seek(box: Any, stream: Any, t: float) -> None:
    target = int(t / stream.time_base) if stream.time_base else 0
    box.seek(max(0, target), stream=stream, backward=True, any_frame=False)


def _exact(box: Any, stream: Any, times: list[float]) -> list[tuple[float, Any]]:
    chosen_frames: list[tuple[float, Any]] = []
    frames: Any = None
    held: Any = None  # the latest decoded frame at or before the current target
    ahead: Any = None  # a decoded frame past the previous target, not yet used
    skipping = "DEFAULT"
    rate = stream.average_rate or stream.guessed_rate
    lead = SKIP_LEAD_FRAMES / (float(rate) if rate else 1.0)
    for t in times:
        last_seen = held.time if held is not None else None
        if frames is None or (last_seen is not None and t - last_seen > SEEK_GAP):
            if t > SEEK_GAP or frames is not None:
                _seek(box, stream, t)
            frames = box.decode(stream)
            held = ahead = None
        while True:
            if ahead is None:
                # far from the target, frames no other frame refers to are not decoded at all
                far = held is not None and t - (held.time or 0.0) > lead
                skip = "NONREF" if far else "DEFAULT"
                if skip != skipping:
                    stream.codec_context.skip_frame = skipping = skip
                ahead = next(frames, None)
                if ahead is None:
                    break  # the end: the last frame stays on screen
            if (ahead.time or 0.0) <= t + _EPS:
                held, ahead = ahead, None
                continue
            break
        chosen = held if held is not None else ahead
        if chosen is None:
            raise SampleError(f"the video has no frame at {t:.2f} s")
        chosen_frames.append((t, chosen))
    return chosen_frames


def _keyframes(box: Any, stream: Any, times: list[float]) -> list[Any]:
    """The keyframe at or before each time; when two times share one, the later time gets the
    first frame after the earlier pick (so tiles never repeat), decoding on from the keyframe."""
    picked: list[Any] = []
    last = -1.0
    for t in times:
        _seek(box, stream, t)
        frame = None
        for candidate in box.decode(stream):
            frame = candidate
            if (candidate.time or 0.0) > last + _EPS:
                break
        if frame is None:
            raise SampleError(f"the video has no frame at {t:.2f} s")
        last = float(frame.time or 0.0)
        picked.append(frame)
    return picked
