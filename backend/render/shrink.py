"""A still's cover crop scaled to its prepared size, straight into I420 planes.

Why: preparing a still was Pillow's Lanczos resize of the whole RGB photo (scalar C over three
channels, ~0.15 CPU-s for a 12-Mpx photo) and then a colour conversion, the largest cost of a
render left on top of the encoder's (issue #20). Here the photo is converted to I420 once at full
resolution (only the rows and columns the filter reads, a band at a time), and each plane is resized with the same
antialiased Lanczos-3 filter as Pillow's, by `_resample.shrink` (C, SIMD): luma with the crop
box, chroma with the box halved. Luma matches Pillow's within rounding (59 dB PSNR, the same
detail); chroma is smoother (cv2 takes one chroma sample per 2x2 pixels, at full size here and
after the resize in Pillow's path, which keeps more of that aliasing). For the bench's 12-Mpx
photo: 19 CPU-ms per still against 148 for Pillow's way (`bench/bench_shrink.py`, avx512).

`FAST` is False where the C part is missing or the resampler is switched to OpenCV
(`NEMO_RESAMPLER=opencv`, see `resample.py`): the caller then keeps Pillow's resize. Without
SIMD (scalar code only) it stays on: 87 CPU-ms against Pillow's 148 on the bench's photo.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import resample

# even without SIMD (any non-x86 machine): the scalar code still takes about half Pillow's CPU
FAST = (resample._resample is not None and hasattr(resample._resample, "shrink")
        and not resample.OPENCV_ASKED)
BAND = 64  # rows converted at a time: 1 MB of RGB for a 4000-px-wide photo, in the cache

Box = tuple[float, float, float, float]


def _span(lo: float, hi: float, outputs: int, size: int) -> tuple[int, int]:
    """The even-aligned source range [a, b) the filter reads for [lo, hi) -> `outputs` pixels:
    the box and the kernel's reach around it (3 pixels, times the downscale factor)."""
    reach = 3.0 * max(1.0, (hi - lo) / outputs) + 1.0
    a = max(0, math.floor(lo - reach)) // 2 * 2
    b = min(size // 2 * 2, (math.ceil(hi + reach) + 1) // 2 * 2)
    return a, b


def region(img: Any, box: Box, size: tuple[int, int]) -> tuple[tuple[int, int, int, int], Box] | None:
    """The even-aligned part of `img` the filter reads to resize `box` to `size` (left, top,
    right, bottom) and the box inside it; None when there is no such part (under 2x2). An odd
    last column or row is left out: the box then stops at the even edge (under a pixel short)."""
    iw, ih = img.size
    xa, xb = _span(box[0], box[2], size[0], iw)
    ya, yb = _span(box[1], box[3], size[1], ih)
    inner = (box[0] - xa, box[1] - ya, min(box[2], xb) - xa, min(box[3], yb) - ya)
    if xb - xa < 2 or yb - ya < 2 or not (inner[0] < inner[2] and inner[1] < inner[3]):
        return None
    return (xa, ya, xb, yb), inner


def to_i420(img: Any, part: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`part` of the RGB image as I420 planes (cv2's BT.601 conversion, as `rgb_to_planes`),
    BAND rows at a time: exporting the whole photo from Pillow at once (np.asarray) took four
    times as long, most of it writing a fresh 36-MB array (12 Mpx), which is never made here."""
    import cv2

    xa, ya, xb, yb = part
    rw, rh = xb - xa, yb - ya
    y = np.empty((rh, rw), np.uint8)
    u = np.empty((rh // 2, rw // 2), np.uint8)
    v = np.empty((rh // 2, rw // 2), np.uint8)
    band = np.empty(BAND * rw * 3 // 2, np.uint8)
    for r in range(0, rh, BAND):
        n = min(BAND, rh - r)  # even: BAND and rh are
        rgb = np.frombuffer(img.crop((xa, ya + r, xb, ya + r + n)).tobytes(), np.uint8)
        m, q = n * rw, n * rw // 4
        cv2.cvtColor(rgb.reshape(n, rw, 3), cv2.COLOR_RGB2YUV_I420, dst=band[: m + 2 * q].reshape(-1, rw))
        y[r : r + n] = band[:m].reshape(n, rw)
        u[r // 2 : (r + n) // 2] = band[m : m + q].reshape(n // 2, rw // 2)
        v[r // 2 : (r + n) // 2] = band[m + q : m + 2 * q].reshape(n // 2, rw // 2)
    return y, u, v


def shrink_planes(src: tuple[np.ndarray, np.ndarray, np.ndarray], box: Box,
                  y: np.ndarray, u: np.ndarray, v: np.ndarray, simd: bool | str = True) -> None:
    """y, u, v = `box` of the I420 planes `src` resized (chroma: the box halved)."""
    shrink = resample._resample.shrink
    shrink(src[0], y, *box, simd=simd)
    half = (box[0] / 2, box[1] / 2, box[2] / 2, box[3] / 2)
    shrink(src[1], u, *half, simd=simd)
    shrink(src[2], v, *half, simd=simd)


def shrink_into(img: Any, box: Box, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> bool:
    """Fill the planes y (h x w) and u, v (h/2 x w/2) with `box` of the RGB Pillow image `img`,
    resized by Lanczos-3 as Pillow's resize(..., LANCZOS, box=box) then RGB -> I420 would.
    False (nothing written) when this path cannot run: no C part, not RGB, or under 2x2."""
    if not FAST or img.mode != "RGB":
        return False
    found = region(img, box, (y.shape[1], y.shape[0]))
    if found is None:
        return False
    part, inner = found
    shrink_planes(to_i420(img, part), inner, y, u, v)
    return True
