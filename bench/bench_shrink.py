"""CPU to prepare one still (photo -> prepared I420 planes), the Lanczos shrink per engine level
beside Pillow's RGB Lanczos resize + RGB -> I420, and how alike their pictures are.

    .venv/bin/python bench/bench_shrink.py

Why: preparing each still was the largest CPU of a render left on top of the encoder's (issue
#20: the render's CPU must come near x264's alone). This times, in one run on one photo and one
crop box, what `StillShot` did before (Pillow `resize(LANCZOS, box=)` of the RGB photo, then
`rgb_to_planes`) and what it does now (`shrink.py`: the part of the photo the filter reads
converted to I420 a band at a time, then `_resample.shrink` of Y, U and V), per level the C part
runs on this CPU. The photo is bench_render's photo0 (a 4000x3000 JPEG with detail at every
scale), decoded as the renderer does for a 1920x1080 frame (decode not timed), its 4:3 cropped
to 16:9 and prepared at 2870x1614. One thread (cv2 too), best of 5 rounds of CPU time. The
pictures: PSNR and luma detail (Laplacian variance) of ours against Pillow's, per plane.
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

from backend.render import shrink
from backend.render.pictures import Planes, _cover_box, open_still, prescaled_size, rgb_to_planes
from backend.render.plan import make_plan

ROUNDS = 5


def best_of(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        c0 = time.thread_time()
        fn()
        best = min(best, time.thread_time() - c0)
    return best * 1000


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def detail(a: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(a, cv2.CV_64F).var())


def main() -> None:
    import cv2
    from PIL import Image

    cv2.setNumThreads(1)  # a still is prepared on one thread, like the render's
    seg = make_plan(_speed_draft(30)).shots[0].seg
    with tempfile.TemporaryDirectory() as tmp:
        path = _photo(Path(tmp) / "photo0.jpg", 0)
        img = open_still(path, "p", prescaled_size(1920, 1080, seg.fx))
    pw, ph = prescaled_size(1920, 1080, seg.fx, img.size)
    box = _cover_box(*img.size, pw, ph)
    print(f"photo {img.width}x{img.height} (decoded), box {tuple(round(b, 2) for b in box)} -> "
          f"{pw}x{ph}; one thread, best of {ROUNDS}")

    def pillow() -> Planes:
        return rgb_to_planes(np.asarray(img.resize((pw, ph), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)))

    rows: list[tuple[str, float]] = [("Pillow RGB resize + rgb_to_planes", best_of(pillow))]
    want = pillow()
    ext = shrink.resample._resample
    if ext is None or not hasattr(ext, "shrink"):
        print("the C part is not built here: only Pillow's figure")
        print(f"{rows[0][0]:<44}{rows[0][1]:>9.1f} ms")
        return
    found = shrink.region(img, box, (pw, ph))
    assert found is not None
    part, inner = found
    src = shrink.to_i420(img, part)
    export = best_of(lambda: shrink.to_i420(img, part))
    whole = best_of(lambda: cv2.cvtColor(np.asarray(img)[part[1]:part[3], part[0]:part[2]], cv2.COLOR_RGB2YUV_I420))
    rows.append((f"  export + I420 of {part[2] - part[0]}x{part[3] - part[1]}, by bands", export))
    rows.append(("  (the same in one go, np.asarray: not used)", whole))
    out: dict[str, Planes] = {}
    for level in ext.LEVELS:
        planes = Planes.alloc(pw, ph)
        ms = best_of(lambda planes=planes, level=level: shrink.shrink_planes(
            src, inner, planes.y, planes.u, planes.v, simd=level))
        out[level] = planes
        rows.append((f"  shrink Y+U+V, {level}", ms))
        rows.append((f"shrink path, {level} (export + shrink)", export + ms))
    peer = rows[0][1]
    print(f"{'':<44}{'CPU ms':>9}{'vs Pillow':>11}")
    for name, ms in rows:
        print(f"{name:<44}{ms:>9.1f}{peer / ms:>10.2f}x")
    same = all(np.array_equal(p.buf, out["scalar"].buf) for p in out.values())  # type: ignore[arg-type]
    print(f"every level the scalar code's bytes: {'yes' if same else 'NO'}")
    ours = out[ext.LEVELS[-1]]
    print(f"{'plane':<7}{'PSNR vs Pillow':>16}{'detail ours':>13}{'Pillow':>9}{'ratio':>8}")
    for name, a, b in zip("YUV", ours.planes(), want.planes(), strict=True):
        print(f"{name:<7}{psnr(a, b):>13.2f} dB{detail(a):>13.1f}{detail(b):>9.1f}{detail(a) / detail(b):>8.3f}")
    print(f"in use by the renderer: {'the shrink' if shrink.FAST else 'Pillow'}")


if __name__ == "__main__":
    main()
