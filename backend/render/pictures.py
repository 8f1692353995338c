"""The pictures of the video track as YUV 4:2:0 planes, drawn into the frame buffer per frame.

Frames are composed directly in the encoder's pixel format (I420): a still is converted once,
then each frame is three sub-pixel scale + offset resamplings (bilinear, see `resample.py`) of
1 + 2 quarter-size planes, about half the samples of an RGB warp and no per-frame colour
conversion. Crossfades and fades are linear in Y'CbCr exactly as in R'G'B', because the
conversion is affine.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.draft import Effect
from backend.media import open_image

from .errors import RenderError
from .motion import FOCUS_BOXES, MARGIN, View, max_zoom, plan_path
from .motion import Path as MotionPath
from .resample import Warp, warp
from .shrink import shrink_into
from .subject import Subject, find_subject

# A JPEG may be decoded at 1/2^k scale a few % short of the pre-scaled size (the two prepared
# pictures then differ by 50-52 dB PSNR on the bench photos, grain included).
DRAFT_SLACK = 0.96
# How much larger than the frame a still is prepared, times its largest zoom: every frame is then
# a bilinear *downscale* of 1.3-1.5:1 from a Lanczos-filtered picture. Bilinear sampling at about
# 1:1 (the earlier sqrt(zoom) pre-scale) averages neighbours at every fractional phase, which took
# two thirds of the finest detail away (luma Laplacian variance 45 against 100 for ffmpeg's
# zoompan, 138 for the frame cut from the original). On the bench photo at zooms 1.0/1.07/1.15,
# against that area-filtered reference: sqrt(zoom) 55/51/44 at 42.3/41.6/40.5 dB PSNR; 1.3x zoom
# 116/118/109 at 45.5/44.5/43.8 dB. Costs 0.14 CPU-s more per photo (a full-size JPEG decode) and
# ~0.2 ms per frame. NEMO_RENDER_LEGACY=1 prepares stills the old way (for side-by-side benches):
# that size, and Pillow's RGB resize instead of the I420 one of `shrink.py`.
SUPERSAMPLE = 1.3
LEGACY = os.environ.get("NEMO_RENDER_LEGACY", "").strip() == "1"
BLACK = (16, 128, 128)  # limited-range BT.601 black, what cv2's RGB->I420 produces for (0,0,0)
# How far a photo's shape may be from the frame's and still fill it (cropped to cover). 1.5 lets
# the camera shapes fill a 16:9 frame: 4:3 (phones: 1.33, a quarter of the height cropped), 3:2
# (1.19) and 5:4 (1.42); square (1.78) and portrait photos are shown whole over a blurred copy.
FILL_LIMIT = 1.5


@dataclass
class Planes:
    """The three planes of one I420 picture. `buf` is the one contiguous buffer holding them
    (the layout `Encoder.write` takes) for pictures made here; None for an encoder's own frame,
    whose planes are separate and may have padded rows (`Encoder.frame`)."""

    buf: np.ndarray | None
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @classmethod
    def alloc(cls, width: int, height: int) -> Planes:
        return cls.wrap(np.empty(width * height * 3 // 2, np.uint8), width, height)

    @classmethod
    def wrap(cls, buf: np.ndarray, width: int, height: int) -> Planes:
        n = width * height
        q = n // 4
        return cls(
            buf=buf,
            y=buf[:n].reshape(height, width),
            u=buf[n : n + q].reshape(height // 2, width // 2),
            v=buf[n + q : n + 2 * q].reshape(height // 2, width // 2),
        )

    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.y, self.u, self.v

    def fill_black(self) -> None:
        self.y.fill(BLACK[0])
        self.u.fill(BLACK[1])
        self.v.fill(BLACK[2])

    def copy_from(self, other: Planes) -> None:
        for dst, src in zip(self.planes(), other.planes(), strict=True):
            np.copyto(dst, src)

    def mix(self, weight: float, other: Planes) -> None:
        """self = weight * self + (1 - weight) * other (a crossfade or a fade to black)."""
        import cv2

        for dst, src in zip(self.planes(), other.planes(), strict=True):
            cv2.addWeighted(dst, weight, src, 1.0 - weight, 0.0, dst=dst)


def rgb_to_planes(rgb: np.ndarray) -> Planes:
    import cv2

    h, w = rgb.shape[:2]
    i420 = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
    return Planes.wrap(i420.reshape(-1), w, h)


def open_still(path: Path, label: str, need: tuple[int, int] = (2600, 2600)) -> Any:
    """The picture as an upright RGB Pillow image (EXIF rotation, alpha over black, GIF frame 1)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except Exception:  # pragma: no cover - optional codec
        pass
    try:
        with open_image(path) as im:
            im.seek(0)
            # JPEG: decode at the smallest 1/2^k scale that (nearly) covers the frame we need
            iw, ih = im.size
            cover = max(need[0] / iw, need[1] / ih) if iw and ih else 1.0
            cover *= DRAFT_SLACK
            im.draft("RGB", (math.ceil(iw * cover), math.ceil(ih * cover)))
            im.load()
            # other formats decode whole: shrink by a whole factor at once (either way up, so
            # an EXIF turn cannot make it too small), before any full-size copy is made
            k = int(min(im.width / need[0], im.height / need[1], im.width / need[1], im.height / need[0]))
            # one full-size image at most (leaving the `with` closes only the file): exif_transpose
            # and convert("RGB") each copy even when there is nothing to do, which with a
            # full-size decode (see SUPERSAMPLE) put 3 x 36 MB of a 12-Mpx photo in memory at once
            img = im.reduce(k) if k >= 2 else im
            if img.getexif().get(0x0112, 1) != 1:
                img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                base = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                img = Image.alpha_composite(base, rgba)
            if img.mode != "RGB":
                return img.convert("RGB")
            # the decoded picture itself, not a copy: leaving the `with` closes only the file
            # (Pillow >= 10 keeps a loaded image's pixels), and a copy cost as much CPU as the
            # decode (30 ms a 12-Mpx photo)
            return img
    except FileNotFoundError:
        raise RenderError(f"{label}: the photo file is missing") from None
    except Image.DecompressionBombError:
        raise RenderError(f"{label}: the photo is too large to render") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RenderError(f"{label}: the photo is damaged or not an image ({exc})") from None


def _cover_box(iw: int, ih: int, ow: float, oh: float,
               keep: tuple[float, float, float, float] | None = None) -> tuple[float, float, float, float]:
    """The part of the picture that covers the frame's shape: centred, or moved as little as it
    takes to hold `keep` (a box in picture fractions) with a margin, when the centre would cut it."""
    scale = max(ow / iw, oh / ih)
    cw, ch = min(iw, ow / scale), min(ih, oh / scale)
    x0, y0 = (iw - cw) / 2, (ih - ch) / 2
    if keep is not None:
        mx, my = MARGIN * cw, MARGIN * ch
        bx0, by0, bx1, by1 = keep[0] * iw, keep[1] * ih, keep[2] * iw, keep[3] * ih
        x0 = min(max(x0, bx1 + mx - cw), bx0 - mx) if bx1 - bx0 + 2 * mx <= cw else (bx0 + bx1 - cw) / 2
        y0 = min(max(y0, by1 + my - ch), by0 - my) if by1 - by0 + 2 * my <= ch else (by0 + by1 - ch) / 2
        x0, y0 = min(max(x0, 0.0), iw - cw), min(max(y0, 0.0), ih - ch)
    return x0, y0, x0 + cw, y0 + ch


def density(fx: Effect | None, source: tuple[int, int] | None = None,
            frame: tuple[int, int] = (1, 1)) -> float:
    """Source pixels per output pixel at zoom 1 for the prepared picture (see SUPERSAMPLE)."""
    top = max_zoom(fx)
    if LEGACY:
        return math.sqrt(top)
    want = SUPERSAMPLE * top
    if source is not None and source[0] > 0 and source[1] > 0:
        rx, ry = source[0] / frame[0], source[1] / frame[1]
        native = max(rx, ry) if shown_whole(source, frame) else min(rx, ry)
        want = min(want, max(top, native))  # never upscale past what the largest zoom needs
    return want


def shown_whole(source: tuple[int, int], frame: tuple[int, int]) -> bool:
    """A photo too far from the frame's shape is shown whole over a blurred copy of itself."""
    mismatch = (source[0] / source[1]) / (frame[0] / frame[1])
    return max(mismatch, 1 / mismatch) > FILL_LIMIT


def prescaled_size(width: int, height: int, fx: Effect | None,
                   source: tuple[int, int] | None = None) -> tuple[int, int]:
    s = density(fx, source, (width, height))
    return max(2, round(width * s / 2) * 2), max(2, round(height * s / 2) * 2)


def _subject(img: Any, fx: Effect | None, path: Path | None, size: tuple[int, int],
             frame: tuple[int, int]) -> Subject | None:
    """What the framing must keep: the named part of the picture (`fx.focus`), or what the
    detector finds when the picture moves or is cropped (a still that does neither skips it)."""
    focus = getattr(fx, "focus", "auto") if fx is not None else "auto"
    if focus in FOCUS_BOXES:
        return Subject(*FOCUS_BOXES[focus], kind="focus")
    moves = fx is not None and fx.motion != "none" and fx.amount > 0
    mismatch = (size[0] / size[1]) / (frame[0] / frame[1])
    cropped = not shown_whole(size, frame) and abs(mismatch - 1.0) > 0.02
    if not (moves or cropped):
        return None
    return find_subject(img, path)


class StillShot:
    """A still prepared for motion: pre-scaled so that sampling stays near 1:1 at every zoom."""

    def __init__(self, img: Any, width: int, height: int, fx: Effect | None, index: int,
                 path: Path | None = None) -> None:
        from PIL import Image, ImageFilter

        self.width, self.height, self.fx, self.index = width, height, fx, index
        iw, ih = img.size
        pw, ph = prescaled_size(width, height, fx, (iw, ih))
        self.subject = _subject(img, fx, path, (iw, ih), (width, height))
        keep = None if self.subject is None else (self.subject.x0, self.subject.y0,
                                                  self.subject.x1, self.subject.y1)
        whole = shown_whole((iw, ih), (width, height))
        ready: Planes | None = None
        if whole:
            # A portrait photo in a landscape frame (or the reverse): show all of it over a
            # blurred, dimmed copy of itself instead of cropping most of it away.
            small = img.resize((max(1, pw // 16), max(1, ph // 16)), Image.Resampling.BILINEAR,
                               box=_cover_box(iw, ih, pw, ph))
            back = small.filter(ImageFilter.GaussianBlur(2)).resize((pw, ph), Image.Resampling.BILINEAR)
            back = Image.eval(back, lambda c: c * 45 // 100)
            fit = min(pw / iw, ph / ih)
            fw, fh = max(1, round(iw * fit)), max(1, round(ih * fit))
            fg = img.resize((fw, fh), Image.Resampling.LANCZOS, reducing_gap=3.0)
            ox, oy = (pw - fw) // 2, (ph - fh) // 2
            back.paste(fg, (ox, oy))
            prepared = back
            if keep is not None:  # the subject's place on the canvas
                keep = ((ox + keep[0] * fw) / pw, (oy + keep[1] * fh) / ph,
                        (ox + keep[2] * fw) / pw, (oy + keep[3] * fh) / ph)
        else:
            # only a face or a named focus moves the crop; a salient guess only steers the motion
            box = _cover_box(iw, ih, pw, ph, keep if self.subject is not None and self.subject.strict else None)
            ready = Planes.alloc(pw, ph)  # resized straight into I420 planes: see shrink.py
            if LEGACY or not shrink_into(img, box, ready.y, ready.u, ready.v):
                ready = None
                prepared = img.resize((pw, ph), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
            if keep is not None:  # the subject's place in the part kept
                cw, ch = box[2] - box[0], box[3] - box[1]
                keep = ((keep[0] * iw - box[0]) / cw, (keep[1] * ih - box[1]) / ch,
                        (keep[2] * iw - box[0]) / cw, (keep[3] * ih - box[1]) / ch)
        aim = self.subject is not None and self.subject.kind in ("face", "focus")
        strict = self.subject is not None and self.subject.strict
        self.motion: MotionPath = plan_path(fx, index, keep, strict=strict, aim=aim)
        self.src = ready if ready is not None else rgb_to_planes(np.asarray(prepared))
        self.pw, self.ph = pw, ph
        self._prev: View | None = None
        self._cache: tuple[View, Planes] | None = None

    def view(self, p: float) -> View:
        """Where the window is at progress p of the shot (see `motion.plan_path`)."""
        return self.motion.at(p)

    def draw(self, view: View, out: Planes) -> None:
        if self._cache is not None and self._cache[0] == view:  # at rest: reuse the frame
            out.copy_from(self._cache[1])
            return
        self._warp(view, out)
        if view == self._prev:  # the same view twice running (no motion, or eased to rest)
            kept = Planes.alloc(self.width, self.height)
            kept.copy_from(out)
            self._cache = (view, kept)
        self._prev = view

    def _warp(self, view: View, out: Planes, draw: Warp = warp) -> None:
        """The window `view` of the picture into `out`; `draw` is the resampler (the bench
        times both engines through this one geometry)."""
        cx, cy, z = view
        ww, wh = self.pw / z, self.ph / z
        x0, y0 = cx * self.pw - ww / 2, cy * self.ph - wh / 2
        sx, sy = ww / self.width, wh / self.height
        draw(self.src.y, out.y, x0, y0, sx, sy)
        draw(self.src.u, out.u, x0 / 2, y0 / 2, sx, sy)
        draw(self.src.v, out.v, x0 / 2, y0 / 2, sx, sy)

    def close(self) -> None:
        pass


class ClipShot:
    """A video clip: decoded in order from `in`, scaled to cover the frame, its rate mapped."""

    def __init__(self, path: Path, label: str, start_ms: int, width: int, height: int) -> None:
        import av

        self.label, self.width, self.height = label, width, height
        try:
            self.container = av.open(str(path))
        except FileNotFoundError:
            raise RenderError(f"{label}: the video file is missing") from None
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise RenderError(f"{label}: the video cannot be opened ({exc})") from None
        if not self.container.streams.video:
            self.container.close()
            raise RenderError(f"{label}: the file holds no video")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.start_s = start_ms / 1000.0
        if start_ms > 0:
            with contextlib.suppress(av.FFmpegError):
                self.container.seek(int(start_ms * 1000), backward=True, any_frame=False)
        self._frames = self.container.decode(self.stream)
        self._current: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._next: Any = None
        self._done = False

    def _convert(self, frame: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import cv2

        rot = round(-float(getattr(frame, "rotation", 0) or 0)) % 360
        fw, fh = frame.width, frame.height
        if rot in (90, 270):
            fw, fh = fh, fw
        scale = max(self.width / fw, self.height / fh)
        tw, th = round(fw * scale / 2) * 2, round(fh * scale / 2) * 2
        tw, th = max(tw, self.width), max(th, self.height)
        rw, rh = (th, tw) if rot in (90, 270) else (tw, th)
        arr = frame.reformat(width=rw, height=rh, format="yuv420p").to_ndarray()
        p = Planes.wrap(arr.reshape(-1), rw, rh)
        planes = [p.y, p.u, p.v]
        if rot:
            code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[rot]
            planes = [cv2.rotate(pl, code) for pl in planes]
        x0, y0 = ((tw - self.width) // 4) * 2, ((th - self.height) // 4) * 2
        y = planes[0][y0 : y0 + self.height, x0 : x0 + self.width]
        u = planes[1][y0 // 2 : (y0 + self.height) // 2, x0 // 2 : (x0 + self.width) // 2]
        v = planes[2][y0 // 2 : (y0 + self.height) // 2, x0 // 2 : (x0 + self.width) // 2]
        return y, u, v

    def _pull(self) -> Any:
        import av

        if self._done:
            return None
        try:
            return next(self._frames)
        except StopIteration:
            self._done = True
            return None
        except (av.FFmpegError, ValueError) as exc:
            raise RenderError(f"{self.label}: the video is damaged ({exc})") from None

    def draw(self, local_ms: float, out: Planes) -> None:
        want = self.start_s + local_ms / 1000.0
        if self._next is None and not self._done:
            self._next = self._pull()
        # skip to the last decoded frame that is due (its time <= the wanted time)
        due = None
        while self._next is not None and (self._next.time or 0.0) <= want + 1e-6:
            due, self._next = self._next, self._pull()
        if due is not None:
            self._current = self._convert(due)
        if self._current is None:
            if self._next is None:
                raise RenderError(f"{self.label}: the video has no frames at {want:.2f} s")
            self._current = self._convert(self._next)
        y, u, v = self._current
        out.y[:] = y
        out.u[:] = u
        out.v[:] = v

    def close(self) -> None:
        self.container.close()
