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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.draft import Effect
from backend.media import open_image

from .errors import RenderError
from .motion import View, max_zoom
from .resample import Warp, warp

# A JPEG may be decoded at 1/2^k scale a few % short of the pre-scaled size: a 4000x3000 photo
# then decodes at 2000x1500 for a 2058-wide source (3 % upscale) instead of at full size: 0.25
# against 0.43 CPU-s per photo to decode and pre-scale, ~100 MB less peak RSS in the 30-s bench
# render, and the two prepared pictures differ by 50-52 dB PSNR (the bench photos, grain included).
DRAFT_SLACK = 0.96
BLACK = (16, 128, 128)  # limited-range BT.601 black, what cv2's RGB->I420 produces for (0,0,0)
# How far a photo's shape may be from the frame's and still fill it (cropped to cover). 1.5 lets
# the camera shapes fill a 16:9 frame: 4:3 (phones: 1.33, a quarter of the height cropped), 3:2
# (1.19) and 5:4 (1.42); square (1.78) and portrait photos are shown whole over a blurred copy.
FILL_LIMIT = 1.5


@dataclass
class Planes:
    """Views into one contiguous I420 buffer (the layout the encoder takes)."""

    buf: np.ndarray
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

    def fill_black(self) -> None:
        self.y.fill(BLACK[0])
        self.u.fill(BLACK[1])
        self.v.fill(BLACK[2])


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
            img = ImageOps.exif_transpose(im.reduce(k) if k >= 2 else im)
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                base = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                img = Image.alpha_composite(base, rgba)
            return img.convert("RGB")
    except FileNotFoundError:
        raise RenderError(f"{label}: the photo file is missing") from None
    except Image.DecompressionBombError:
        raise RenderError(f"{label}: the photo is too large to render") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RenderError(f"{label}: the photo is damaged or not an image ({exc})") from None


def _cover_box(iw: int, ih: int, ow: float, oh: float) -> tuple[float, float, float, float]:
    scale = max(ow / iw, oh / ih)
    cw, ch = min(iw, ow / scale), min(ih, oh / scale)
    return (iw - cw) / 2, (ih - ch) / 2, (iw + cw) / 2, (ih + ch) / 2


def prescaled_size(width: int, height: int, fx: Effect | None) -> tuple[int, int]:
    s = math.sqrt(max_zoom(fx))  # zoom 1 samples at 1/s, full zoom at s: both near 1:1
    return max(2, round(width * s / 2) * 2), max(2, round(height * s / 2) * 2)


class StillShot:
    """A still prepared for motion: pre-scaled so that sampling stays near 1:1 at every zoom."""

    def __init__(self, img: Any, width: int, height: int, fx: Effect | None, index: int) -> None:
        from PIL import Image, ImageFilter

        self.width, self.height, self.fx, self.index = width, height, fx, index
        pw, ph = prescaled_size(width, height, fx)
        iw, ih = img.size
        mismatch = (iw / ih) / (width / height)
        if max(mismatch, 1 / mismatch) > FILL_LIMIT:
            # A portrait photo in a landscape frame (or the reverse): show all of it over a
            # blurred, dimmed copy of itself instead of cropping most of it away.
            small = img.resize((max(1, pw // 16), max(1, ph // 16)), Image.Resampling.BILINEAR,
                               box=_cover_box(iw, ih, pw, ph))
            back = small.filter(ImageFilter.GaussianBlur(2)).resize((pw, ph), Image.Resampling.BILINEAR)
            back = Image.eval(back, lambda c: c * 45 // 100)
            fit = min(pw / iw, ph / ih)
            fw, fh = max(1, round(iw * fit)), max(1, round(ih * fit))
            fg = img.resize((fw, fh), Image.Resampling.LANCZOS, reducing_gap=3.0)
            back.paste(fg, ((pw - fw) // 2, (ph - fh) // 2))
            prepared = back
        else:
            prepared = img.resize((pw, ph), Image.Resampling.LANCZOS, box=_cover_box(iw, ih, pw, ph),
                                  reducing_gap=3.0)
        self.src = rgb_to_planes(np.asarray(prepared))
        self.pw, self.ph = pw, ph
        self._prev: View | None = None
        self._cache: tuple[View, Planes] | None = None

    def draw(self, view: View, out: Planes) -> None:
        if self._cache is not None and self._cache[0] == view:  # at rest: reuse the frame
            np.copyto(out.buf, self._cache[1].buf)
            return
        self._warp(view, out)
        if view == self._prev:  # the same view twice running (no motion, or eased to rest)
            self._cache = (view, Planes.wrap(out.buf.copy(), self.width, self.height))
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
