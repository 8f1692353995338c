"""The Lanczos shrink that prepares each still (`_resample.shrink`, `shrink.py`): what it keeps of
a picture (flat stays flat, whole pixels at 1:1 stay themselves, ramps stay ramps, Pillow's
filter within rounding), that every SIMD level gives the scalar code's bytes, what it refuses,
and that a still prepared through it looks like one prepared with Pillow's RGB resize."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter

from backend.render import pictures
from backend.render import shrink as shrink_mod
from backend.render.pictures import Planes, StillShot, _cover_box, rgb_to_planes

try:
    from backend.render import _resample as ext
except ImportError:  # installed without a C compiler: Pillow prepares the stills
    ext = None  # type: ignore[assignment]
pytestmark = pytest.mark.skipif(ext is None, reason="the C resampler is not built here")
LEVELS = list(ext.LEVELS) if ext is not None else []


def shrunk(src: np.ndarray, w: int, h: int, box: tuple[float, float, float, float],
           simd: bool | str = True) -> np.ndarray:
    dst = np.empty((h, w), np.uint8)
    ext.shrink(src, dst, *box, simd=simd)
    return dst


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("size", "box"), [
    ((287, 161), (0.0, 0.0, 401.0, 300.0)),  # the still's 1.4:1
    ((50, 33), (3.7, 8.2, 390.5, 290.1)),  # a strong downscale, fractional box
    ((500, 400), (10.5, 20.25, 300.0, 250.0)),  # an upscale
])
def test_a_flat_plane_stays_flat(level: str, size: tuple[int, int], box: tuple[float, float, float, float]) -> None:
    for value in (0, 17, 255):
        src = np.full((300, 401), value, np.uint8)
        assert np.all(shrunk(src, *size, box, simd=level) == value)


@pytest.mark.parametrize("level", LEVELS)
def test_whole_pixels_at_one_to_one_are_the_source(level: str) -> None:
    src = noise(200, 300)
    got = shrunk(src, 203, 117, (5.0, 7.0, 208.0, 124.0), simd=level)
    np.testing.assert_array_equal(got, src[7:124, 5:208])


@pytest.mark.parametrize("level", LEVELS)
def test_a_ramp_stays_a_ramp(level: str) -> None:
    ramp = np.linspace(0, 255, 640).astype(np.uint8)
    across, down = np.tile(ramp, (120, 1)), np.tile(ramp[:, None], (1, 120))
    a = shrunk(across, 217, 40, (3.3, 0.0, 636.9, 120.0), simd=level).astype(int)
    d = shrunk(down, 40, 217, (0.0, 3.3, 120.0, 636.9), simd=level).astype(int)
    assert np.all(np.diff(a, axis=1) >= 0) and a[:, -1].min() - a[:, 0].max() > 240
    assert np.all(np.diff(d, axis=0) >= 0) and d[-1].min() - d[0].max() > 240


@pytest.mark.parametrize(("size", "box"), [
    ((287, 161), (0.0, 0.0, 400.0, 300.0)),
    ((100, 77), (3.3, 7.1, 390.2, 290.5)),
    ((120, 90), (10.0, 10.0, 50.0, 40.0)),
])
def test_the_filter_is_pillows_lanczos(size: tuple[int, int], box: tuple[float, float, float, float]) -> None:
    # Pillow filters across first and keeps 8 bits between its passes, this one down first:
    # one pass on a plane whose other axis is 1:1 shows the filter itself, to the rounding
    src = noise(300, 400, seed=3)
    w, h = size
    for shape, sub in (((w, 300), (box[0], 0.0, box[2], 300.0)), ((400, h), (0.0, box[1], 400.0, box[3]))):
        want = np.asarray(Image.fromarray(src).resize(shape, Image.Resampling.LANCZOS, box=sub)).astype(int)
        got = shrunk(src, *shape, sub).astype(int)
        assert np.abs(got - want).max() <= 1


def test_writes_into_a_strided_view_and_nothing_around_it() -> None:
    src = noise(300, 400, seed=4)
    big = np.full((200, 300), 7, np.uint8)
    view = big[10:171, 5:292]
    ext.shrink(src, view, 1.5, 2.5, 398.0, 299.0)
    np.testing.assert_array_equal(view, shrunk(src, 287, 161, (1.5, 2.5, 398.0, 299.0)))
    outside = np.ones(big.shape, bool)
    outside[10:171, 5:292] = False
    assert np.all(big[outside] == 7)


@pytest.mark.parametrize(("src", "dst", "box", "message"), [
    (np.zeros((30, 40), np.uint8), np.zeros((5, 5), np.uint8), (10.0, 0.0, 10.0, 30.0), "non-empty and inside src"),
    (np.zeros((30, 40), np.uint8), np.zeros((5, 5), np.uint8), (0.0, 0.0, 41.0, 30.0), "non-empty and inside src"),
    (np.zeros((30, 40), np.uint8), np.zeros((5, 5), np.uint8), (-1.0, 0.0, 20.0, 30.0), "non-empty and inside src"),
    (np.zeros((30, 40), np.uint8), np.zeros((5, 5), np.uint8), (0.0, float("nan"), 20.0, 30.0), "non-empty"),
    (np.zeros((30, 40), np.uint16), np.zeros((5, 5), np.uint8), (0.0, 0.0, 20.0, 30.0), "src must be a 2-D array of uint8"),
    (np.zeros((30, 40, 3), np.uint8), np.zeros((5, 5), np.uint8), (0.0, 0.0, 20.0, 30.0), "src must be a 2-D array of uint8"),
    (np.zeros((30, 40), np.uint8), np.zeros((5,), np.uint8), (0.0, 0.0, 20.0, 30.0), "dst must be a 2-D array of uint8"),
    (np.zeros((30, 40), np.uint8), np.zeros((5, 10), np.uint8)[:, ::2], (0.0, 0.0, 20.0, 30.0), "contiguous rows"),
])
def test_refuses_what_it_cannot_resize(src: np.ndarray, dst: np.ndarray, box: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ext.shrink(src, dst, *box)


def test_refuses_to_write_into_a_read_only_plane() -> None:
    dst = np.zeros((5, 5), np.uint8)
    dst.flags.writeable = False
    with pytest.raises(ValueError):
        ext.shrink(np.zeros((30, 40), np.uint8), dst, 0.0, 0.0, 40.0, 30.0)


@pytest.mark.parametrize("level", [lvl for lvl in LEVELS if lvl != "scalar"])
@pytest.mark.parametrize(("size", "box"), [
    ((2870 // 5, 1614 // 5), (0.0, 75.05, 800.0, 525.0)),  # the render's 1.39:1, 9 rows of strips
    ((403, 227), (1.3, 2.7, 700.1, 590.0)),  # not multiples of any lane count or strip
    ((61, 17), (0.0, 0.0, 800.0, 600.0)),  # 13:1 and 35:1: long filters
    ((900, 700), (5.5, 3.25, 600.0, 500.0)),  # an upscale
    ((5, 3), (399.5, 299.5, 401.0, 301.0)),  # a box at the far corner
])
def test_every_simd_level_gives_the_scalar_codes_bytes(
        level: str, size: tuple[int, int], box: tuple[float, float, float, float]) -> None:
    src = noise(600, 800, seed=5)
    np.testing.assert_array_equal(shrunk(src, *size, box, simd=level), shrunk(src, *size, box, simd=False))


@settings(max_examples=40, deadline=None)
@given(sw=st.integers(1, 150), sh=st.integers(1, 90), dw=st.integers(1, 140), dh=st.integers(1, 80),
       a=st.floats(0, 1), b=st.floats(0, 1), c=st.floats(0.01, 1), d=st.floats(0.01, 1),
       seed=st.integers(0, 2**16))
def test_every_simd_level_agrees_on_any_size_and_box(
        sw: int, sh: int, dw: int, dh: int, a: float, b: float, c: float, d: float, seed: int) -> None:
    src = noise(sh, sw, seed)
    x0, y0 = a * (sw - 0.01), b * (sh - 0.01)
    box = (x0, y0, x0 + c * (sw - x0), y0 + d * (sh - y0))
    want = shrunk(src, dw, dh, box, simd=False)
    for level in LEVELS[1:]:
        np.testing.assert_array_equal(shrunk(src, dw, dh, box, simd=level), want, err_msg=level)


def photo(w: int = 1600, h: int = 1200) -> Image.Image:
    """A photo-like picture with detail at every scale: fractal edges, gradients, rings, grain."""
    frac = Image.effect_mandelbrot((w, h), (-2.35, -1.2, 0.85, 1.2), 64)
    grad = Image.linear_gradient("L").resize((w, h))
    img = Image.merge("RGB", (frac, grad, frac.filter(ImageFilter.GaussianBlur(8))))
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(1)
    for _ in range(30):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(10, 120))
        draw.ellipse([x - r, y - r, x + r, y + r], outline=tuple(int(v) for v in rng.integers(0, 255, 3)), width=3)
    grain = np.clip(rng.normal(128, 12, (h, w)), 0, 255).astype(np.uint8)  # seeded: the same every run
    return Image.blend(img, Image.fromarray(grain).convert("RGB"), 0.08)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * np.log10(255.0**2 / mse)


def detail(a: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(a, cv2.CV_64F).var())


@pytest.mark.parametrize(("size", "keep"), [
    ((1148, 646), None),  # 4:3 into 16:9, 1.39:1: the render's geometry, at 2/5 scale
    ((700, 394), (0.05, 0.1, 0.3, 0.5)),  # the crop moved to keep a subject, 2.3:1
])
def test_a_still_looks_like_pillows_lanczos_resize(size: tuple[int, int], keep: tuple[float, ...] | None) -> None:
    img = photo()
    pw, ph = size
    box = _cover_box(*img.size, pw, ph, keep)  # type: ignore[arg-type]
    want = rgb_to_planes(np.asarray(img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)))
    got = Planes.alloc(pw, ph)
    assert shrink_mod.shrink_into(img, box, got.y, got.u, got.v)
    assert psnr(got.y, want.y) >= 45.0
    # here +2.6% on the first box: Pillow clips the filter's ringing at hard edges in R'G'B',
    # this filters in Y'CbCr; Pillow's own Lanczos of the same Y plane has the same detail
    assert detail(got.y) == pytest.approx(detail(want.y), rel=0.03)
    pillow_on_y = np.asarray(Image.fromarray(rgb_to_planes(np.asarray(img)).y).resize(
        size, Image.Resampling.LANCZOS, box=box))
    assert psnr(got.y, pillow_on_y) >= 50.0
    assert detail(got.y) == pytest.approx(detail(pillow_on_y), rel=0.005)
    for ours, theirs in ((got.u, want.u), (got.v, want.v)):
        assert psnr(ours, theirs) >= 30.0  # both point-sample chroma (cv2), at other scales


def test_a_still_shot_is_prepared_by_the_shrink_and_by_pillow_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    img = photo(800, 600)
    fast = StillShot(img, 320, 180, None, 0)
    pw, ph = fast.pw, fast.ph
    box = _cover_box(800, 600, pw, ph)
    planes = Planes.alloc(pw, ph)
    assert shrink_mod.shrink_into(img, box, planes.y, planes.u, planes.v)
    assert fast.src.buf is not None and planes.buf is not None
    np.testing.assert_array_equal(fast.src.buf, planes.buf)
    monkeypatch.setattr(shrink_mod, "FAST", False)
    slow = StillShot(img, 320, 180, None, 0)
    want = rgb_to_planes(np.asarray(img.resize((pw, ph), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)))
    assert slow.src.buf is not None and want.buf is not None
    np.testing.assert_array_equal(slow.src.buf, want.buf)
    monkeypatch.setattr(shrink_mod, "FAST", True)
    monkeypatch.setattr(pictures, "LEGACY", True)  # the old way, for side-by-side benches
    legacy = StillShot(img, 320, 180, None, 0)
    lw, lh = legacy.pw, legacy.ph
    old = rgb_to_planes(np.asarray(img.resize((lw, lh), Image.Resampling.LANCZOS,
                                              box=_cover_box(800, 600, lw, lh), reducing_gap=3.0)))
    assert legacy.src.buf is not None and old.buf is not None
    np.testing.assert_array_equal(legacy.src.buf, old.buf)


@pytest.mark.parametrize("size", [(801, 601), (5, 3), (3, 2), (2, 1)])
def test_odd_and_tiny_pictures_are_prepared(size: tuple[int, int]) -> None:
    img = photo(*size) if size[0] > 100 else Image.new("RGB", size, (200, 30, 60))
    shot = StillShot(img, 320, 180, None, 0)
    assert shot.src.y.shape == (shot.ph, shot.pw)
    if size[0] < 100:  # a flat picture stays flat, whichever way it was prepared
        want = rgb_to_planes(np.full((2, 2, 3), (200, 30, 60), np.uint8))
        assert np.abs(shot.src.y.astype(int) - int(want.y[0, 0])).max() <= 1


@pytest.mark.parametrize("part", [(0, 0, 800, 600), (6, 14, 798, 14 + 2 * shrink_mod.BAND + 38), (2, 4, 4, 6)])
def test_the_photo_is_converted_band_by_band_as_in_one_go(part: tuple[int, int, int, int]) -> None:
    img = photo(801, 601)
    want = rgb_to_planes(np.asarray(img)[part[1]:part[3], part[0]:part[2]])
    for got, plane in zip(shrink_mod.to_i420(img, part), want.planes(), strict=True):
        np.testing.assert_array_equal(got, plane)


@pytest.mark.parametrize(("env", "want"), [({}, "True"), ({"NEMO_RESAMPLER": "opencv"}, "False")])
def test_the_shrink_is_on_unless_opencv_is_asked_for(env: dict[str, str], want: str) -> None:
    # NEMO_RESAMPLER=opencv rules the whole C part out, still preparation included
    base = {k: v for k, v in os.environ.items() if k != "NEMO_RESAMPLER"}
    out = subprocess.run([sys.executable, "-c", "from backend.render import shrink; print(shrink.FAST)"],
                         env={**base, **env}, cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == want
