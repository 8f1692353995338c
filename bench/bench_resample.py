"""CPU per 1080p frame of the still resampler, per engine level, beside OpenCV's warpAffine.

    .venv/bin/python bench/bench_resample.py

Why: the local renderer draws every frame of a photo's motion with `backend/render/_resample.c`,
and that drawing is CPU on top of the encoder's (issue #20: the render's CPU must come near
x264's alone). This times each level the C part can run on this CPU (scalar, ssse3, avx2,
avx512) and the fallback, warpAffine, side by side in one run, on the geometry of a real
render: bench_render's photo0 (a 4000x3000 JPEG with detail at every scale) prepared as a
StillShot for a 1920x1080 frame (Y 2870x1614 for its zoom-in), drawn at 60 views zooming
1.0 -> 1.3 (a 1.7:1 to 1.3:1 downscale), Y + U + V per frame, one thread (cv2 too), best of 3
rounds of CPU time. Every level's frames are checked to be the same bytes as the scalar code's.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import _photo, _speed_draft  # the render bench's photo and timeline

from backend.render import resample
from backend.render.pictures import Planes, StillShot, open_still, prescaled_size
from backend.render.plan import make_plan

ROUNDS = 3
VIEWS = [(0.5, 0.5, 1.0 + 0.3 * i / 60) for i in range(60)]


def engines() -> dict[str, Callable[..., None]]:
    out: dict[str, Callable[..., None]] = {}
    ext = resample._resample
    if ext is not None:
        for level in ext.LEVELS:
            def run(src: np.ndarray, dst: np.ndarray, *view: float, level: str = level) -> None:
                ext.resample(src, dst, *view, simd=level)
            out[level] = run
    out["warpAffine"] = resample.warp_opencv
    return out


def main() -> None:
    import cv2

    cv2.setNumThreads(1)  # per-frame CPU on one core, like the render's drawing thread
    with tempfile.TemporaryDirectory() as tmp:
        photo = _photo(Path(tmp) / "photo0.jpg", 0)
        seg = make_plan(_speed_draft(30)).shots[0].seg
        shot = StillShot(open_still(photo, "p", prescaled_size(1920, 1080, seg.fx)), 1920, 1080, seg.fx, 0)
    print(f"prepared still: Y {shot.src.y.shape[1]}x{shot.src.y.shape[0]}, "
          f"U/V {shot.src.u.shape[1]}x{shot.src.u.shape[0]}; frame 1920x1080; "
          f"{len(VIEWS)} views, zoom 1.0 -> 1.3; best of {ROUNDS}")
    runs = engines()
    best = dict.fromkeys(runs, float("inf"))
    frames: dict[str, list[np.ndarray]] = {}
    for _ in range(ROUNDS):
        for name, fn in runs.items():
            out = Planes.alloc(1920, 1080)
            kept = []
            for view in VIEWS[::10]:  # a few frames kept for the comparison (outside the timing)
                shot._warp(view, out, fn)
                kept.append(out.buf.copy())
            c0 = time.thread_time()
            for view in VIEWS:
                shot._warp(view, out, fn)
            best[name] = min(best[name], (time.thread_time() - c0) / len(VIEWS) * 1000)
            frames[name] = kept
    peer = best["warpAffine"]
    print(f"{'engine':<12}{'CPU ms/frame':>14}{'vs warpAffine':>15}{'vs scalar':>11}  same bytes as scalar")
    for name, ms in best.items():
        same = "-" if name in ("scalar", "warpAffine") or "scalar" not in frames else (
            "yes" if all(np.array_equal(a, b) for a, b in zip(frames[name], frames["scalar"], strict=True))
            else "NO")
        vs_scalar = f"{best['scalar'] / ms:.2f}x" if "scalar" in best else "-"
        print(f"{name:<12}{ms:>14.3f}{peer / ms:>14.2f}x{vs_scalar:>11}  {same}")
    print(f"in use by the renderer: {resample.ENGINE}")


if __name__ == "__main__":
    main()
