"""The draft turned into frame-exact numbers: output size, frame count, what shows when.

Everything here is pure arithmetic on the draft, so the timing rules (crossfade overlaps, fades
through black, text fades) are testable without rendering a pixel.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from backend.draft import ASPECTS, TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment

from .errors import RenderError

MAX_SIDE = 4096


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    fps: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    def time_ms(self, frame: int) -> float:
        return frame * 1000.0 / self.fps


@dataclass
class Shot:
    """One picture on the video track, with the times it is drawn and how it enters/leaves."""

    seg: Segment
    index: int
    start: float  # ms: first moment it is drawn
    end: float  # ms: last moment it is drawn (a crossfade keeps it until the next one is in)
    xfade_in: float = 0.0  # ms over which it crossfades over the previous shot (from `start`)
    fade_in: float = 0.0  # ms over which it rises from black (from `start`)
    fade_out: float = 0.0  # ms over which it sinks to black (until `end`)


@dataclass
class Plan:
    canvas: Canvas
    shots: list[Shot] = field(default_factory=list)
    texts: list[Segment] = field(default_factory=list)
    sounds: list[Segment] = field(default_factory=list)


def _even(value: float) -> int:
    return max(2, int(value / 2 + 0.5) * 2)  # nearest even: x264 needs even sides


def output_size(draft: Draft, max_height: int | None = None) -> tuple[int, int]:
    """Width/height from `m.aspect` (or `m.width`/`m.height`), capped by `max_height`, even."""
    m = draft.m
    width, height = m.width, m.height
    preset = ASPECTS.get(m.aspect)
    if preset is not None and (
        width <= 0 or height <= 0 or abs(width / height - preset[0] / preset[1]) > 0.01
    ):
        width, height = preset
    if width <= 0 or height <= 0:
        width, height = ASPECTS["16:9"]
    scale = min(1.0, MAX_SIDE / max(width, height))
    if max_height is not None and max_height > 0 and height * scale > max_height:
        scale = max_height / height
    return _even(width * scale), _even(height * scale)


def make_plan(draft: Draft, *, max_height: int | None = None, fps: int | None = None) -> Plan:
    width, height = output_size(draft, max_height)
    rate = int(fps or draft.m.fps or 30)
    if not 1 <= rate <= 120:
        raise RenderError(f"the frame rate {rate} is not between 1 and 120")
    duration_ms = draft.computed_duration() or draft.d
    if duration_ms <= 0 or not draft.is_exportable():
        raise RenderError("the draft is empty: add a photo or a clip before exporting")
    frames = max(1, round(duration_ms * rate / 1000))
    canvas = Canvas(width, height, rate, frames)

    segs = sorted(
        (s for track in draft.tracks(TT_VIDEO) for s in track.sg if s.d > 0),
        key=lambda s: s.st,
    )
    shots = [Shot(seg=s, index=i, start=float(s.st), end=float(s.end)) for i, s in enumerate(segs)]
    for prev, shot in itertools.pairwise(shots):
        tr = shot.seg.tr
        if tr is None or tr.type == "cut" or tr.d <= 0:
            continue
        if tr.type == "crossfade":
            overlap = prev.end - shot.start
            # the draft overlaps the two (the docstring's rule); if it did not, hold the
            # previous picture under the new one for `d` instead
            length = min(overlap if overlap > 0 else float(tr.d), float(shot.seg.d))
            shot.xfade_in = length
            prev.end = max(prev.end, shot.start + length)  # keep drawing it under the fade
        else:  # fade through black, centred on the moment the new shot starts
            half = tr.d / 2.0
            shot.fade_in = min(half, shot.seg.d)
            prev.end = min(prev.end, shot.start)
            prev.fade_out = min(half, prev.end - prev.start)
    if shots and shots[0].seg.tr is not None and shots[0].seg.tr.type == "fade":
        shots[0].fade_in = min(float(shots[0].seg.tr.d), shots[0].seg.d)

    texts = sorted(
        (s for track in draft.tracks(TT_TEXT) for s in track.sg if s.d > 0 and (s.text or "").strip()),
        key=lambda s: s.st,
    )
    sounds = [s for track in draft.tracks(TT_AUDIO) for s in track.sg if s.d > 0 and (s.src or s.gen)]
    return Plan(canvas=canvas, shots=shots, texts=texts, sounds=sounds)


def ramp(t: float, start: float, end: float, fade_in: float, fade_out: float) -> float:
    """Opacity 0..1 at `t` for something shown over [start, end) with linear fades."""
    if t < start or t >= end:
        return 0.0
    level = 1.0
    if fade_in > 0:
        level = min(level, (t - start) / fade_in)
    if fade_out > 0:
        level = min(level, (end - t) / fade_out)
    return max(0.0, min(1.0, level))


