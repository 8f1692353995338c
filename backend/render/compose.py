"""The frame loop: for each output frame, draw the shots that show, crossfade/fade, lay text.

Frames are drawn as I420 planes and handed to the encoder, which queues them for its own thread
and x264's frame threads: they compress frames n-1, n-2, ... while this loop draws frame n (see
`encoder.py`). Clips are opened when first needed, stills are prepared on a helper thread two
seconds before their shot (see `_Shots`), and both are released once their time is over, so
memory stays flat however long the draft is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from backend.draft import Segment

from . import text as textmod
from .encoder import Encoder
from .errors import RenderCancelled
from .pictures import ClipShot, Planes, StillShot, open_still, prescaled_size
from .plan import Plan, Shot, ramp

Resolve = Callable[[Segment], Path]


class _Shots:
    """Opens each shot's source on first use and closes it when its time has passed.

    A still is decoded and pre-scaled on a helper thread a little before its shot starts
    (`prefetch`): done on the drawing thread it stalled the frame loop for ~0.4 s per photo
    while x264's threads ran dry. Pillow and OpenCV release the GIL meanwhile.
    """

    LEAD_MS = 2000.0  # start preparing a still this long before its shot shows

    def __init__(self, plan: Plan, resolve: Resolve) -> None:
        self.plan, self.resolve = plan, resolve
        self.open: dict[int, StillShot | ClipShot] = {}
        self.pending: dict[int, Future[StillShot]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def _still(self, shot: Shot) -> StillShot:
        c = self.plan.canvas
        seg = shot.seg
        label = seg.n or seg.id or f"shot {shot.index + 1}"
        need = prescaled_size(c.width, c.height, seg.fx)
        path = self.resolve(seg)
        return StillShot(open_still(path, label, need), c.width, c.height, seg.fx, shot.index, path)

    def prefetch(self, t: float) -> None:
        for shot in self.plan.shots:
            if (t < shot.start <= t + self.LEAD_MS and shot.seg.kind != "video"
                    and shot.index not in self.open and shot.index not in self.pending):
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="render-still")
                self.pending[shot.index] = self._pool.submit(self._still, shot)

    def get(self, shot: Shot) -> StillShot | ClipShot:
        src = self.open.get(shot.index)
        if src is None:
            c = self.plan.canvas
            seg = shot.seg
            label = seg.n or seg.id or f"shot {shot.index + 1}"
            if shot.index in self.pending:
                src = self.pending.pop(shot.index).result()  # raises what the preparation raised
            elif seg.kind == "video":
                src = ClipShot(self.resolve(seg), label, seg.in_, c.width, c.height)
            else:
                src = self._still(shot)
            self.open[shot.index] = src
        return src

    def release_before(self, t: float) -> None:
        for shot in self.plan.shots:
            if shot.end <= t and shot.index in self.open:
                self.open.pop(shot.index).close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for fut in self.pending.values():
            if fut.done() and fut.exception() is None:
                fut.result().close()
        self.pending.clear()
        for src in self.open.values():
            src.close()
        self.open.clear()


def _draw_shot(shots: _Shots, shot: Shot, t: float, out: Planes) -> None:
    src = shots.get(shot)
    if isinstance(src, ClipShot):
        src.draw(t - shot.start, out)
        return
    span = max(1.0, shot.seg.d)  # motion runs over the segment's own length
    p = (t - shot.seg.st) / span
    src.draw(src.view(p), out)


def draw_frames(plan: Plan, resolve: Resolve, encoder: Encoder, warnings: list[str],
                progress: Callable[[float], None] | None, cancel: threading.Event | None,
                span: tuple[float, float] = (0.0, 100.0)) -> None:
    import cv2

    # x264's threads keep both cores busy most of the time; two OpenCV threads fill the gaps
    # (start, end, crossfades): 0.3-0.5 s less wall on the 30-s bench render, the same CPU
    cv2.setNumThreads(2)
    c = plan.canvas
    shots = _Shots(plan, resolve)
    shots.prefetch(-1.0)  # the first photo decodes while the buffers, fonts and titles are made
    try:
        scratch = Planes.alloc(c.width, c.height)
        black = Planes.alloc(c.width, c.height)
        black.fill_black()
        fonts = textmod.find_fonts() if plan.texts else None
        layers = {}
        if fonts is not None:
            for seg in plan.texts:
                layers[id(seg)] = textmod.make_layer(seg, c.width, c.height, fonts, warnings)
        last_pct = -1.0
        for i in range(c.frames):
            if cancel is not None and cancel.is_set():
                raise RenderCancelled()
            t = c.time_ms(i)
            out = encoder.frame()  # drawn straight into the encoder's own frame: no copy
            live = [s for s in plan.shots if s.start <= t < s.end]
            if not live:
                out.copy_from(black)
            else:
                top = live[-1]
                _draw_shot(shots, top, t, out)
                if top.xfade_in > 0 and len(live) > 1 and t < top.start + top.xfade_in:
                    under = live[-2]
                    _draw_shot(shots, under, t, scratch)
                    out.mix((t - top.start) / top.xfade_in, scratch)
                level = ramp(t, top.start, top.end, top.fade_in, top.fade_out)
                if level < 1.0:
                    out.mix(level, black)
            for seg in plan.texts:
                if seg.st <= t < seg.end:
                    alpha = ramp(t, seg.st, seg.end, seg.fi, seg.fo)
                    if alpha > 0:
                        textmod.blend(layers[id(seg)], alpha, out.y, out.u, out.v)
            encoder.submit()
            shots.release_before(t)
            shots.prefetch(t)
            if progress is not None:
                pct = span[0] + (span[1] - span[0]) * (i + 1) / c.frames
                if pct - last_pct >= 0.5 or i + 1 == c.frames:
                    last_pct = pct
                    with contextlib.suppress(Exception):
                        progress(round(pct, 1))
    finally:
        shots.close()


