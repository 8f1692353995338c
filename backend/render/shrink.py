"""A still's cover crop scaled to its prepared size, straight into I420 planes.

Why: preparing a still was Pillow's Lanczos resize of the whole RGB photo (scalar C over three
channels, ~0.15 CPU-s for a 12-Mpx photo) and then a colour conversion, the largest cost of a
render left on top of the encoder's (issue #20). Here the photo is converted to I420 once at full
resolution (only the rows and columns the filter reads), and each plane is resized with the same
antialiased Lanczos-3 filter as Pillow's, by `_resample.shrink` (C, SIMD): luma with the crop
box, chroma with the box halved. The result matches Pillow's within rounding (see
`bench/bench_shrink.py` for the CPU and the PSNR side by side).

`FAST` is False where the C part is missing or the resampler is switched to OpenCV
(`NEMO_RESAMPLER=opencv`, see `resample.py`): the caller then keeps Pillow's resize.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import resample

FAST = resample.FAST and hasattr(resample._resample, "shrink")

Box = tuple[float, float, float, float]


def _span(lo: float, hi: float, outputs: int, size: int) -> tuple[int, int]:
    """The even-aligned source range [a, b) the filter reads for [lo, hi) -> `outputs` pixels:
    the box and the kernel's reach around it (3 pixels, times the downscale factor)."""
    reach = 3.0 * max(1.0, (hi - lo) / outputs) + 1.0
    a = max(0, math.floor(lo - reach)) // 2 * 2
    b = min(size // 2 * 2, (math.ceil(hi + reach) + 1) // 2 * 2)
    return a, b


def shrink_into(img: Any, box: Box, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> bool:
    """Fill the planes y (h x w) and u, v (h/2 x w/2) with `box` of the RGB Pillow image `img`,
    resized by Lanczos-3 as Pillow's resize(..., LANCZOS, box=box) then RGB -> I420 would.
    False (nothing written) when this path cannot run: no C part, or a picture under 2x2."""
    import cv2

    if not FAST:
        return False
    iw, ih = img.size
    ph, pw = y.shape
    xa, xb = _span(box[0], box[2], pw, iw)
    ya, yb = _span(box[1], box[3], ph, ih)
    # an odd last column or row is left out: the box stops at the even edge (under a pixel)
    x0, y0, x1, y1 = box[0] - xa, box[1] - ya, min(box[2], xb) - xa, min(box[3], yb) - ya
    if xb - xa < 2 or yb - ya < 2 or not (x0 < x1 and y0 < y1):
        return False
    rw, rh = xb - xa, yb - ya
    # the converter reads the part the filter needs straight from the one full-size array
    i420 = cv2.cvtColor(np.asarray(img)[ya:yb, xa:xb], cv2.COLOR_RGB2YUV_I420).reshape(-1)
    n, q = rw * rh, rw * rh // 4
    shrink = resample._resample.shrink
    shrink(i420[:n].reshape(rh, rw), y, x0, y0, x1, y1)
    half = (x0 / 2, y0 / 2, x1 / 2, y1 / 2)
    shrink(i420[n : n + q].reshape(rh // 2, rw // 2), u, *half)
    shrink(i420[n + q : n + 2 * q].reshape(rh // 2, rw // 2), v, *half)
    return True
