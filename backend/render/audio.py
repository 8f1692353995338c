"""The sound track, mixed in numpy at 48 kHz stereo float: no FFmpeg `amix` normalisation.

Levels are exactly what the draft says (`vol`, fades); the only change to the sum is a soft
limiter on peaks above -1 dBFS so that loud sources overlapping cannot clip harshly. Uploaded
tracks and clip audio are decoded with PyAV; the music bed comes from `music.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backend.draft import Segment

from .errors import RenderError
from .music import music_bed
from .plan import Plan, Shot

RATE = 48000
_EDGE = int(RATE * 0.01)  # 10 ms ramps at every cut so nothing clicks


def decode_audio(path: Path, label: str, start_s: float = 0.0, max_s: float | None = None,
                 *, required: bool = True) -> np.ndarray:
    """(n, 2) float32 at 48 kHz from `start_s`, at most `max_s` long."""
    import av

    try:
        container = av.open(str(path))
    except FileNotFoundError:
        raise RenderError(f"{label}: the audio file is missing") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise RenderError(f"{label}: the audio cannot be opened ({exc})") from None
    chunks: list[np.ndarray] = []
    with container:
        if not container.streams.audio:
            if required:
                raise RenderError(f"{label}: the file holds no audio")
            return np.zeros((0, 2), np.float32)
        stream = container.streams.audio[0]
        if start_s > 0:
            with contextlib.suppress(av.FFmpegError):
                container.seek(int(start_s * 1_000_000), backward=True)
        # mono is copied to both sides at full level (libswresample's upmix would take 3 dB off)
        mono = stream.codec_context.channels == 1
        resampler = av.AudioResampler(format="flt", layout="mono" if mono else "stereo", rate=RATE)
        width = 1 if mono else 2
        skip: int | None = None
        got = 0
        limit = None if max_s is None else int(max_s * RATE) + RATE
        try:
            for frame in container.decode(stream):
                if skip is None:
                    t0 = float(frame.time or 0.0)
                    skip = max(0, round((start_s - t0) * RATE))
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1, width))
                    got += out.samples
                if limit is not None and got - (skip or 0) >= limit:
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1, width))
        except (av.FFmpegError, ValueError) as exc:
            raise RenderError(f"{label}: the audio is damaged ({exc})") from None
    data = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    data = data[skip or 0 :]
    if max_s is not None:
        data = data[: int(max_s * RATE)]
    if required and len(data) == 0:
        raise RenderError(f"{label}: the audio track is empty (zero length)")
    return data.astype(np.float32, copy=False)


def _fit(data: np.ndarray, n: int, loop: bool) -> np.ndarray:
    """Trim to n samples, or repeat it (with short crossfades at the seams) when `loop`."""
    if len(data) >= n:
        return data[:n]
    if not loop or len(data) < 2 * _EDGE:
        out = np.zeros((n, 2), np.float32)
        out[: len(data)] = data
        _ramp_edges(out[: len(data)])
        return out
    body = data.copy()
    ramp = np.linspace(0.0, 1.0, _EDGE, dtype=np.float32)[:, None]
    pieces = [body]
    total = len(body)
    while total < n:
        nxt = body.copy()
        pieces[-1] = pieces[-1].copy()
        tail = pieces[-1][-_EDGE:]
        nxt[:_EDGE] = tail * (1 - ramp) + nxt[:_EDGE] * ramp
        pieces[-1] = pieces[-1][:-_EDGE]
        pieces.append(nxt)
        total += len(body) - _EDGE
    return np.concatenate(pieces)[:n]


def _ramp_edges(a: np.ndarray, fade_in: int = _EDGE, fade_out: int = _EDGE) -> None:
    n = len(a)
    fi, fo = min(fade_in, n // 2), min(fade_out, n // 2)
    if fi > 0:
        a[:fi] *= np.linspace(0.0, 1.0, fi, dtype=np.float32)[:, None]
    if fo > 0:
        a[n - fo :] *= np.linspace(1.0, 0.0, fo, dtype=np.float32)[:, None]


def _place(mix: np.ndarray, data: np.ndarray, start_ms: float) -> None:
    at = round(start_ms * RATE / 1000)
    if at >= len(mix):
        return
    n = min(len(data), len(mix) - at)
    mix[at : at + n] += data[:n]


def build_mix(plan: Plan, resolve_path: Callable[[Segment], Path],
              cancelled: Callable[[], bool]) -> np.ndarray:
    """The whole sound track, exactly as long as the video."""
    total = round(plan.canvas.duration_s * RATE)
    mix = np.zeros((total, 2), np.float32)
    for seg in plan.sounds:
        if cancelled():
            return mix
        n = round(seg.d * RATE / 1000)
        label = seg.n or seg.id or "the music"
        if seg.gen is not None and not seg.src:
            data = music_bed(seg.gen, n / RATE, cancelled)
        else:
            src = decode_audio(resolve_path(seg), label, seg.in_ / 1000, seg.d / 1000)
            data = _fit(src, n, seg.loop)
        data = data * np.float32(seg.vol)
        _ramp_edges(data, max(_EDGE, round(seg.fi * RATE / 1000)), max(_EDGE, round(seg.fo * RATE / 1000)))
        _place(mix, data, seg.st)
    for shot in plan.shots:
        if cancelled():
            return mix
        if shot.seg.kind == "video" and not shot.seg.mute and shot.seg.vol > 0:
            _add_clip_sound(mix, shot, resolve_path)
    peak = float(np.max(np.abs(mix))) if len(mix) else 0.0
    if peak > 0.89:  # soft-limit only the peaks above -1 dBFS
        knee = 0.89
        over = np.abs(mix) > knee
        mix[over] = np.sign(mix[over]) * (knee + (1 - knee) * np.tanh((np.abs(mix[over]) - knee) / (1 - knee)))
    return mix


def _add_clip_sound(mix: np.ndarray, shot: Shot, resolve_path: Callable[[Segment], Path]) -> None:
    seg = shot.seg
    length = (shot.end - shot.start) / 1000
    data = decode_audio(resolve_path(seg), seg.n or seg.id or "a clip", seg.in_ / 1000, length,
                        required=False)
    if len(data) == 0:
        return
    data = data * np.float32(seg.vol)
    fade_in = max(_EDGE, round((shot.xfade_in or shot.fade_in) * RATE / 1000))
    _ramp_edges(data, fade_in, max(_EDGE, round(shot.fade_out * RATE / 1000)))
    _place(mix, data, shot.start)
