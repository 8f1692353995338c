"""Ken Burns motion as a continuous function of time, so every frame lands on its exact place.

A view is (cx, cy, z): the centre of the window in the picture's cover rectangle (0..1 on each
axis) and the zoom (the window is 1/z of the cover on each side). The sampler turns it into a
float affine map, so positions are never rounded to whole pixels: that rounding is why FFmpeg's
`zoompan` shakes on slow moves.
"""

from __future__ import annotations

import math

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
