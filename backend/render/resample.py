"""Drawing a window of a picture plane into a frame plane: scale + sub-pixel offset, bilinear.

Two engines, one result (within one level of 255, positions within 1/32 px):
- `_resample` (C, built at install from `_resample.c`): separable passes, at the best level the
  CPU runs (`_resample.LEVELS`: ssse3, avx2, avx512; every level gives the same bytes). Per
  1080p frame of a prepared still (Y, U and V, zoom 1.0-1.3, one thread; `bench/bench_resample.py`
  on an AMD EPYC Zen 4): avx512 0.32 ms, avx2 0.45, ssse3 0.73, against 1.29 ms for warpAffine.
  A render draws 900+ such frames, so this is CPU next to the encoder's (issue #20).
- OpenCV's `warpAffine`: the fallback where the C part could not be built (no compiler at
  install time) or the CPU has no SSSE3 (any non-x86 machine): correct, only slower.

`NEMO_RESAMPLER=opencv` picks the fallback on purpose (to compare, or to rule ours out); it also
turns off the C part's other job, preparing stills (`shrink.py`: Pillow then resizes them).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

try:
    from . import _resample
except ImportError:  # built without a C compiler: the OpenCV path does the same job
    _resample = None  # type: ignore[assignment]

Warp = Callable[[np.ndarray, np.ndarray, float, float, float, float], None]

OPENCV_ASKED = os.environ.get("NEMO_RESAMPLER", "").strip().lower() == "opencv"
FAST = _resample is not None and _resample.SIMD and not OPENCV_ASKED
ENGINE = (f"separable {_resample.LEVELS[-1]} (backend/render/_resample.c)" if FAST
          else "OpenCV warpAffine")


def warp_opencv(src: np.ndarray, dst: np.ndarray, x0: float, y0: float, sx: float, sy: float) -> None:
    import cv2

    # pixel centres: out (x + .5) maps to src x0 + (x + .5) * sx, i.e. src centre - .5
    m = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
    cv2.warpAffine(src, m, (dst.shape[1], dst.shape[0]), dst=dst,
                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)


def warp(src: np.ndarray, dst: np.ndarray, x0: float, y0: float, sx: float, sy: float) -> None:
    """dst(x, y) = src(x0 + (x + .5) sx - .5, y0 + (y + .5) sy - .5), edges repeated."""
    if FAST:
        _resample.resample(src, dst, x0, y0, sx, sy)
    else:
        warp_opencv(src, dst, x0, y0, sx, sy)
