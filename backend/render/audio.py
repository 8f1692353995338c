"""The sound track, mixed in numpy at 48 kHz stereo float, one second at a time.

Streaming: the mix is never held whole. `Mix.read(n)` makes the next n samples from sources
that each decode (PyAV) or synthesise (`music.bed_chunks`) only what the next chunk needs, so
memory is bounded by a chunk and a few decoder frames, not by the video's length (a 10-hour
draft once built an array of 12 GB). The sound encoder's thread reads it a few seconds ahead of
the picture (`sound_encoder.py`).

Levels: music (the audio track, uploaded or generated) is set by its loudness: measured first
(a streaming pass over what will play, at most MEASURE_S of it), then played at
`loudness.TARGET_LUFS` + `loudness.volume_db(vol)`. A clip's own sound keeps its recorded level
times `vol`. Fades follow `loudness.fade_shape`; the sum goes through a look-ahead limiter with a
-1.5 dBFS sample ceiling (true peak under -1 dBTP).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np

from backend.draft import Segment

from .errors import RenderCancelled, RenderError
from .loudness import TARGET_LUFS, Limiter, Meter, fade_shape, volume_db
from .music import bed_chunks
from .plan import Plan

RATE = 48000
CHUNK = RATE  # samples mixed at a time
MEASURE_S = 120.0  # how much of a track is measured for its loudness
_EDGE = int(RATE * 0.01)  # 10 ms ramps at every cut so nothing clicks


def _decode(path: Path, label: str, start_s: float = 0.0, *, required: bool = True) -> Iterator[np.ndarray]:
    """(k, 2) float32 pieces at 48 kHz from `start_s` to the end of the file."""
    import av

    try:
        container = av.open(str(path))
    except FileNotFoundError:
        raise RenderError(f"{label}: the audio file is missing") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise RenderError(f"{label}: the audio cannot be opened ({exc})") from None
    with container:
        if not container.streams.audio:
            if required:
                raise RenderError(f"{label}: the file holds no audio")
            return
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

        def shaped(out: av.AudioFrame) -> np.ndarray:
            data = out.to_ndarray().reshape(-1, width)
            return np.repeat(data, 2, axis=1) if width == 1 else data

        try:
            for frame in container.decode(stream):
                if skip is None:
                    skip = max(0, round((start_s - float(frame.time or 0.0)) * RATE))
                for out in resampler.resample(frame):
                    data = shaped(out)
                    if skip:
                        cut = min(skip, len(data))
                        data, skip = data[cut:], skip - cut
                    if len(data):
                        got += len(data)
                        yield data.astype(np.float32, copy=False)
            for out in resampler.resample(None):
                data = shaped(out)[skip or 0 :]
                got += len(data)
                if len(data):
                    yield data.astype(np.float32, copy=False)
        except (av.FFmpegError, ValueError) as exc:
            raise RenderError(f"{label}: the audio is damaged ({exc})") from None
    if required and got == 0:
        raise RenderError(f"{label}: the audio track is empty (zero length)")


def decode_audio(path: Path, label: str, start_s: float = 0.0, max_s: float | None = None,
                 *, required: bool = True) -> np.ndarray:
    """(n, 2) float32 at 48 kHz from `start_s`, at most `max_s` long (whole: for short sounds)."""
    limit = None if max_s is None else int(max_s * RATE)
    parts, got = [], 0
    for piece in _decode(path, label, start_s, required=required):
        parts.append(piece)
        got += len(piece)
        if limit is not None and got >= limit:
            break
    data = np.concatenate(parts) if parts else np.zeros((0, 2), np.float32)
    return data if limit is None else data[:limit]


class _Reader:
    """Pulls exact sample counts from an iterator of pieces."""

    def __init__(self, pieces: Iterator[np.ndarray]) -> None:
        self.pieces = pieces
        self.buf = np.zeros((0, 2), np.float32)
        self.done = False

    def take(self, n: int) -> np.ndarray:
        parts, have = [self.buf], len(self.buf)
        while have < n and not self.done:
            try:
                piece = next(self.pieces)
            except StopIteration:
                self.done = True
                break
            parts.append(piece)
            have += len(piece)
        data = np.concatenate(parts) if len(parts) > 1 else self.buf
        self.buf = data[n:]
        return data[:n]


class _Source:
    """One sound placed on the timeline: [at, at + n) samples, a gain, fades in and out."""

    def __init__(self, at: int, n: int, gain: float, fade_in: int, fade_out: int,
                 open_pieces: Callable[[], Iterator[np.ndarray]], loop: bool = False) -> None:
        self.at, self.n, self.gain = at, n, gain
        self.fade_in, self.fade_out = max(_EDGE, fade_in), max(_EDGE, fade_out)
        self.open_pieces, self.loop = open_pieces, loop
        self.reader: _Reader | None = None
        self.pos = 0  # samples of it played so far

    def _pull(self, k: int) -> np.ndarray:
        if self.reader is None:
            self.reader = _Reader(self.open_pieces())
        data = self.reader.take(k)
        while self.loop and len(data) < k and len(data) + self.pos < self.n:
            if self.reader.done and not len(data) and self.pos == 0:
                break  # nothing to loop
            # the track ended: start it again, with a 10-ms rise so the seam does not click
            self.reader = _Reader(self.open_pieces())
            more = self.reader.take(k - len(data)).copy()
            e = min(_EDGE, len(more))
            more[:e] *= np.linspace(0.0, 1.0, e, dtype=np.float32)[:, None]
            if not len(more):
                break
            data = np.concatenate([data, more])
        if len(data) < k:
            data = np.concatenate([data, np.zeros((k - len(data), 2), np.float32)])
        return data

    def add_to(self, mix: np.ndarray, start: int) -> None:
        lo, hi = max(start, self.at), min(start + len(mix), self.at + self.n)
        if lo >= hi or self.gain == 0.0:
            return
        data = self._pull(hi - lo) * np.float32(self.gain)
        pos = np.arange(self.pos, self.pos + len(data), dtype=np.float64)
        env = np.minimum(fade_shape(pos / self.fade_in), fade_shape((self.n - pos) / self.fade_out))
        data *= env[:, None].astype(np.float32)
        mix[lo - start : hi - start] += data
        self.pos += len(data)


def _music_gain(measured: float, vol: float) -> float:
    db = volume_db(vol)
    if not math.isfinite(db) or not math.isfinite(measured):
        return 0.0
    return float(10 ** ((TARGET_LUFS + db - measured) / 20))


def _measure(pieces: Iterator[np.ndarray], limit: int, cancelled: Callable[[], bool]) -> float:
    meter, got = Meter(), 0
    for piece in pieces:
        if cancelled():
            raise RenderCancelled()
        meter.add(piece[: limit - got])
        got += len(piece)
        if got >= limit:
            break
    return meter.integrated()


class Mix:
    """The whole sound track as a stream: `read(n)` returns its next n samples ((n, 2) float32)."""

    def __init__(self, plan: Plan, resolve_path: Callable[[Segment], Path],
                 cancelled: Callable[[], bool]) -> None:
        self.total = round(plan.canvas.duration_s * RATE)
        self.cancelled = cancelled
        self.sources: list[_Source] = []
        for seg in plan.sounds:
            self.sources.append(self._music(seg, resolve_path))
        for shot in plan.shots:
            seg = shot.seg
            if seg.kind == "video" and not seg.mute and seg.vol > 0:
                path, label, start = resolve_path(seg), seg.n or seg.id or "a clip", seg.in_ / 1000
                n = round((shot.end - shot.start) * RATE / 1000)
                self.sources.append(_Source(
                    round(shot.start * RATE / 1000), n, seg.vol,
                    round((shot.xfade_in or shot.fade_in) * RATE / 1000), round(shot.fade_out * RATE / 1000),
                    partial(_decode, path, label, start, required=False)))
        self.sources.sort(key=lambda s: s.at)
        self._made = 0  # samples mixed (one chunk ahead of what was read, for the limiter)
        self._limiter = Limiter()
        self._out = np.zeros((0, 2), np.float32)

    def _music(self, seg: Segment, resolve_path: Callable[[Segment], Path]) -> _Source:
        n = round(seg.d * RATE / 1000)
        label = seg.n or seg.id or "the music"
        limit = min(n, int(MEASURE_S * RATE))
        if seg.gen is not None and not seg.src:
            gen = seg.gen
            # the bed's first bars are measured and kept, so they are made once
            head: list[np.ndarray] = []
            meter, got = Meter(), 0
            rest = bed_chunks(gen, n / RATE, self.cancelled)
            for piece in rest:
                head.append(piece)
                meter.add(piece)
                got += len(piece)
                if got >= min(limit, 30 * RATE):
                    break
            measured = meter.integrated()

            def pieces(head: list[np.ndarray] = head, rest: Iterator[np.ndarray] = rest) -> Iterator[np.ndarray]:
                yield from head
                head.clear()
                yield from rest

            return _Source(round(seg.st * RATE / 1000), n, _music_gain(measured, seg.vol),
                           round(seg.fi * RATE / 1000), round(seg.fo * RATE / 1000), pieces)
        path, start = resolve_path(seg), seg.in_ / 1000
        measured = _measure(_decode(path, label, start), limit, self.cancelled)
        return _Source(round(seg.st * RATE / 1000), n, _music_gain(measured, seg.vol),
                       round(seg.fi * RATE / 1000), round(seg.fo * RATE / 1000),
                       partial(_decode, path, label, start), loop=seg.loop)

    def __len__(self) -> int:
        return self.total

    def _next_chunk(self) -> np.ndarray | None:
        if self._made >= self.total:
            return None
        if self.cancelled():
            raise RenderCancelled()
        n = min(CHUNK, self.total - self._made)
        mix = np.zeros((n, 2), np.float32)
        for src in self.sources:
            if src.at >= self._made + n:
                break
            src.add_to(mix, self._made)
        self._made += n
        return mix

    def read(self, n: int) -> np.ndarray:
        parts, have = [self._out], len(self._out)
        while have < n:
            chunk = self._next_chunk()
            done = self._limiter.push(chunk)
            if done is None and chunk is None:
                break
            if done is not None:
                parts.append(done)
                have += len(done)
        data = np.concatenate(parts) if len(parts) > 1 else self._out
        self._out = data[n:]
        return data[:n]


def build_mix(plan: Plan, resolve_path: Callable[[Segment], Path],
              cancelled: Callable[[], bool]) -> Mix:
    """The sound track, ready to stream (its music already measured), exactly as long as the video."""
    return Mix(plan, resolve_path, cancelled)
