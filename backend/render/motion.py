"""Ken Burns motion as a continuous function of time, so every frame lands on its exact place.

A view is (cx, cy, z): the centre of the window in the picture's cover rectangle (0..1 on each
axis) and the zoom (the window is 1/z of the cover on each side). The sampler turns it into a
float affine map, so positions are never rounded to whole pixels: that rounding is why FFmpeg's
`zoompan` shakes on slow moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backend.draft import Effect

View = tuple[float, float, float]

# Drift directions for `ken_burns`, varied by the shot's place in the timeline.
_DRIFTS = ((1.0, -0.6), (-1.0, 0.6), (-0.8, -1.0), (0.8, 1.0))


def ease(p: float, kind: str) -> float:
    p = min(1.0, max(0.0, p))
    if kind == "linear":
        return p
    return 0.5 - 0.5 * math.cos(math.pi * p)  # smooth: starts and ends at rest


def max_zoom(fx: Effect | None) -> float:
    if fx is None or fx.motion == "none":
        return 1.0
    return 1.0 + fx.amount


def view_at(fx: Effect | None, p: float, index: int = 0) -> View:
    """Where the window is at progress `p` (0 at the shot's first moment, 1 at its last)."""
    if fx is None or fx.motion == "none" or fx.amount <= 0:
        return 0.5, 0.5, 1.0
    e = ease(p, fx.ease)
    top = 1.0 + fx.amount
    if fx.motion == "zoom_in":
        return 0.5, 0.5, top**e  # geometric, so the zoom feels steady
    if fx.motion == "zoom_out":
        return 0.5, 0.5, top ** (1.0 - e)
    if fx.motion == "ken_burns":
        z = top**e
        room = 0.5 - 0.5 / z  # how far the centre may move at this zoom
        dx, dy = _DRIFTS[index % len(_DRIFTS)]
        return 0.5 + dx * room * 0.8, 0.5 + dy * room * 0.8, z
    half = 0.5 / top
    a, b = 1.0 - half, half  # from one edge of the room to the other
    if fx.motion == "pan_left":  # the view travels left across the picture
        return a + (b - a) * e, 0.5, top
    if fx.motion == "pan_right":
        return b + (a - b) * e, 0.5, top
    if fx.motion == "pan_up":
        return 0.5, a + (b - a) * e, top
    if fx.motion == "pan_down":
        return 0.5, b + (a - b) * e, top
    return 0.5, 0.5, 1.0


# ---------------------------------------------------------------------------------------------
# subject-aware paths

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the cover rectangle (0..1)

MARGIN = 0.04  # of the frame's side: the subject never touches the frame's edge
# what "focus" names, as a region of the picture that must stay in view (and the zoom heads to)
FOCUS_BOXES: dict[str, Box] = {
    "left": (0.0, 0.2, 0.45, 0.8),
    "right": (0.55, 0.2, 1.0, 0.8),
    "top": (0.2, 0.0, 0.8, 0.45),
    "bottom": (0.2, 0.55, 0.8, 1.0),
    "center": (0.3, 0.3, 0.7, 0.7),
}


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def _fit_zoom(box: Box, top: float) -> float:
    """The largest zoom <= top at which the box, with margins, fits in the window."""
    span = max(box[2] - box[0], box[3] - box[1], 1e-6)
    return max(1.0, min(top, (1.0 - 2 * MARGIN) / span))


def _anchor(want: float, b0: float, b1: float, z: float) -> float:
    """Zooming toward anchor A puts picture point P at screen z(P - A) + A: the anchor nearest
    `want` that keeps [b0, b1] within the margins at zoom z (and so at every zoom up to z)."""
    if z <= 1.0 + 1e-9:
        return want
    lo = (z * b1 - (1.0 - MARGIN)) / (z - 1.0)
    hi = (z * b0 - MARGIN) / (z - 1.0)
    a = _clamp(want, lo, hi) if lo <= hi else (lo + hi) / 2
    return _clamp(a, 0.0, 1.0)


def _centre_range(b0: float, b1: float, z: float) -> tuple[float, float]:
    """Window centres (at zoom z) that show [b0, b1] with margins and stay inside the picture."""
    h = 0.5 / z
    m = MARGIN / z
    lo, hi = max(b1 + m - h, h), min(b0 - m + h, 1.0 - h)
    if lo <= hi:
        return lo, hi
    # cannot have both: stay inside the picture, as near the subject as it allows
    mid = _clamp((b0 + b1) / 2, h, 1.0 - h)
    return mid, mid


@dataclass(frozen=True)
class Path:
    """One shot's motion, planned once: `at(p)` is the view at progress p (0..1)."""

    fx: Effect | None
    index: int = 0
    top: float = 1.0  # the largest zoom (may be below the effect's when a face must fit)
    anchor: tuple[float, float] | None = None  # zoom motions: the point that stays put on screen
    ends: tuple[float, float] | None = None  # pans: the window centre's travel on the pan axis
    across: float = 0.5  # pans: the window centre on the other axis

    def at(self, p: float) -> View:
        fx = self.fx
        if fx is None or fx.motion == "none" or fx.amount <= 0:
            return 0.5, 0.5, 1.0
        if self.anchor is None and self.ends is None:
            return view_at(fx, p, self.index)
        e = ease(p, fx.ease)
        if self.anchor is not None:
            z = self.top ** (1.0 - e if fx.motion == "zoom_out" else e)
            ax, ay = self.anchor
            return ax + (0.5 - ax) / z, ay + (0.5 - ay) / z, z
        assert self.ends is not None
        c = self.ends[0] + (self.ends[1] - self.ends[0]) * e
        if fx.motion in ("pan_left", "pan_right"):
            return c, self.across, self.top
        return self.across, c, self.top


def plan_path(fx: Effect | None, index: int, subject: Box | None, strict: bool = False,
              aim: bool = False) -> Path:
    """The shot's motion with `subject` kept inside every frame, with a margin.

    Zooms (in, out, Ken Burns) become zooms toward an anchor point: the effect's own anchor
    (the centre, or the drift corner of a Ken Burns shot), or the subject's centre when `aim`,
    moved just enough that the subject stays in; pans travel only the part of their way that
    keeps it in. A `strict` subject (a face) that does not fit at the effect's zoom lowers the
    zoom; a loose one (a salient region) is kept as well as the zoom allows.
    """
    if fx is None or fx.motion == "none" or fx.amount <= 0 or subject is None:
        return Path(fx, index, max_zoom(fx))
    box = (_clamp(subject[0], 0, 1), _clamp(subject[1], 0, 1), _clamp(subject[2], 0, 1),
           _clamp(subject[3], 0, 1))
    top = max_zoom(fx)
    if strict:
        top = _fit_zoom(box, top)
    if fx.motion in ("zoom_in", "zoom_out", "ken_burns"):
        if fx.motion == "ken_burns":
            dx, dy = _DRIFTS[index % len(_DRIFTS)]
            want = (0.5 + 0.4 * dx, 0.5 + 0.4 * dy)
        else:
            want = (0.5, 0.5)
        if aim:
            want = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        anchor = (_anchor(want[0], box[0], box[2], top), _anchor(want[1], box[1], box[3], top))
        return Path(fx, index, top, anchor=anchor)
    horizontal = fx.motion in ("pan_left", "pan_right")
    b0, b1 = (box[0], box[2]) if horizontal else (box[1], box[3])
    c0, c1 = (box[1], box[3]) if horizontal else (box[0], box[2])
    lo, hi = _centre_range(b0, b1, top)
    start, end = view_at(fx, 0.0, index), view_at(fx, 1.0, index)
    k = 0 if horizontal else 1
    ends = (_clamp(start[k], lo, hi), _clamp(end[k], lo, hi))
    alo, ahi = _centre_range(c0, c1, top)
    across = _clamp(0.5, alo, ahi)
    return Path(fx, index, top, ends=ends, across=across)
