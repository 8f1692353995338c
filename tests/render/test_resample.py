"""The resampler that draws every frame of a still: where each output pixel samples the picture.

Checked against an exact float64 bilinear reference (motion is smooth only if every frame lands
where the motion says, to a fraction of a pixel), between its SIMD and scalar code, against the
OpenCV fallback, and for what it must refuse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.render import resample

try:
    from backend.render import _resample as ext
except ImportError:  # installed without a C compiler: only the fallback and the build check run
    ext = None  # type: ignore[assignment]
pytestmark_ext = pytest.mark.skipif(ext is None, reason="the C resampler is not built here")
ROOT = Path(__file__).resolve().parents[2]


def reference(src: np.ndarray, dw: int, dh: int, x0: float, y0: float, sx: float, sy: float) -> np.ndarray:
    """dst(x, y) = src(x0 + (x + .5) sx - .5, y0 + (y + .5) sy - .5), bilinear, edges repeated."""
    sh, sw = src.shape

    def taps(start: float, scale: float, n_out: int, n_src: int) -> tuple[np.ndarray, np.ndarray]:
        p = np.clip(start + (np.arange(n_out) + 0.5) * scale - 0.5, 0.0, n_src - 1.0)
        i = np.minimum(np.floor(p).astype(int), n_src - 2)
        return i, p - i

    xi, xa = taps(x0, sx, dw, sw)
    yi, yb = taps(y0, sy, dh, sh)
    s = src.astype(np.float64)
    rows = s[:, xi] * (1 - xa) + s[:, xi + 1] * xa
    out = rows[yi] * (1 - yb)[:, None] + rows[yi + 1] * yb[:, None]
    return out


def smooth(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A photo-like plane: gradients and soft shapes, no pixel-to-pixel noise."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    rng = np.random.default_rng(seed)
    img = 40 + 150 * (xx / w) + 30 * np.sin(yy / 17.0)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(5, 40)
        img += 60 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    return np.clip(img, 0, 255).astype(np.uint8)


def run(src: np.ndarray, dw: int, dh: int, *args: float, simd: bool | str = True) -> np.ndarray:
    dst = np.empty((dh, dw), np.uint8)
    ext.resample(src, dst, *args, simd=simd)
    return dst


@pytestmark_ext
@pytest.mark.parametrize("view", [
    (10.3, 7.7, 0.93, 0.93),  # zooming in: each output pixel a little less than a source one
    (3.25, 1.5, 1.14, 1.14),  # zooming out
    (-4.0, -3.0, 1.0, 1.0),  # off the top-left: the edge repeats
    (0.0, 0.0, 0.5, 2.0),  # different scales on the two axes
])
def test_lands_where_the_exact_bilinear_map_says(view: tuple[float, float, float, float]) -> None:
    src = smooth(150, 260)
    got = run(src, 203, 117, *view)
    want = reference(src, 203, 117, *view)
    diff = np.abs(got.astype(np.float64) - want)
    assert diff.max() <= 1.0, f"off by {diff.max():.2f} levels"
    assert diff.mean() < 0.3


@pytestmark_ext
def test_a_quarter_pixel_move_moves_the_picture_by_a_quarter_pixel() -> None:
    # a ramp of 4 levels per pixel: a shift of 0.25 px must show as exactly one level
    src = np.tile((np.arange(64) * 4).astype(np.uint8), (8, 1))
    a = run(src, 40, 4, 10.0, 2.0, 1.0, 1.0).astype(int)
    b = run(src, 40, 4, 10.25, 2.0, 1.0, 1.0).astype(int)
    assert np.all(b - a == 1)


@pytestmark_ext
@settings(max_examples=60, deadline=None)
@given(
    sw=st.integers(2, 90), sh=st.integers(2, 40), dw=st.integers(1, 70), dh=st.integers(1, 20),
    x0=st.floats(-30, 120), y0=st.floats(-30, 60), sx=st.floats(0.3, 3.0), sy=st.floats(0.3, 3.0),
    seed=st.integers(0, 2**16),
)
def test_any_size_and_view_stays_within_a_level_or_two_of_exact(
        sw: int, sh: int, dw: int, dh: int, x0: float, y0: float, sx: float, sy: float, seed: int) -> None:
    # noise is the worst case: neighbours differ by up to 255, so the 1/256-px positions show
    src = np.random.default_rng(seed).integers(0, 256, (sh, sw), dtype=np.uint8)
    got = run(src, dw, dh, x0, y0, sx, sy)
    want = reference(src, dw, dh, x0, y0, sx, sy)
    assert np.abs(got - want).max() <= 2.0


SIMD_LEVELS = [lvl for lvl in (ext.LEVELS if ext is not None else ()) if lvl != "scalar"]
ALL_LEVELS = ["scalar", "ssse3", "avx2", "avx512"]


def _level_here(level: str) -> str:
    if ext is None or level not in ext.LEVELS:
        pytest.skip(f"this CPU does not run the {level} level")
    return level


@pytestmark_ext
@pytest.mark.parametrize("level", ALL_LEVELS[1:])
@pytest.mark.parametrize(("seed", "view"), [
    # the render's own geometry: a still prepared 1.3x larger, zoom 1.0 -> 1.3 (1.7:1 to 1.3:1)
    (0, (37.2, 21.9, 1.69, 1.69)),
    (1, (12.8, 40.1, 1.3, 1.3)),
    (2, (3.3, 1.1, 0.93, 0.93)),  # zooming in
    (3, (5.5, 2.5, 2.6, 2.1)),  # a strong downscale: 8 outputs no longer fit one 16-byte load
    (4, (-20.0, -9.5, 1.2, 1.2)),  # off the top-left: the edge repeats
    (5, (180.0, 120.0, 1.5, 1.5)),  # off the bottom-right: the last loads are near the row's end
    (6, (200.0, 5.0, 0.5, 0.5)),
    (7, (0.0, 0.0, 1.0, 1.0)),  # whole pixels: every tap on a pixel
])
def test_every_simd_level_gives_the_scalar_codes_bytes(
        level: str, seed: int, view: tuple[float, float, float, float]) -> None:
    _level_here(level)
    src = np.random.default_rng(seed).integers(0, 256, (300, 500), dtype=np.uint8)
    dw, dh = 403, 227  # not multiples of the 8-, 16-, 32- and 64-lane blocks: the tails too
    np.testing.assert_array_equal(run(src, dw, dh, *view, simd=level), run(src, dw, dh, *view, simd=False))


@pytestmark_ext
@settings(max_examples=60, deadline=None)
@given(
    sw=st.integers(2, 200), sh=st.integers(2, 30), dw=st.integers(1, 150), dh=st.integers(1, 12),
    x0=st.floats(-30, 220), y0=st.floats(-30, 40), sx=st.floats(0.2, 3.5), sy=st.floats(0.2, 3.0),
    seed=st.integers(0, 2**16),
)
def test_every_simd_level_agrees_on_any_size_and_view(
        sw: int, sh: int, dw: int, dh: int, x0: float, y0: float, sx: float, sy: float, seed: int) -> None:
    # narrow rows (shorter than one 16- or 64-byte load), views past every edge, any scale
    src = np.random.default_rng(seed).integers(0, 256, (sh, sw), dtype=np.uint8)
    want = run(src, dw, dh, x0, y0, sx, sy, simd=False)
    for level in SIMD_LEVELS:
        np.testing.assert_array_equal(run(src, dw, dh, x0, y0, sx, sy, simd=level), want, err_msg=level)


@pytestmark_ext
def test_simd_true_is_the_best_level_and_false_the_scalar_code() -> None:
    src = np.random.default_rng(9).integers(0, 256, (120, 200), dtype=np.uint8)
    view = (3.3, 2.2, 1.4, 1.4)
    np.testing.assert_array_equal(run(src, 90, 60, *view, simd=True), run(src, 90, 60, *view, simd=ext.LEVELS[-1]))
    np.testing.assert_array_equal(run(src, 90, 60, *view, simd=False), run(src, 90, 60, *view, simd="scalar"))


@pytestmark_ext
@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="no /proc/cpuinfo to read the CPU's features")
def test_the_widest_vectors_the_cpu_has_are_used() -> None:
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    want = ["scalar"]
    if "ssse3" in flags:
        want.append("ssse3")
        if "avx2" in flags:
            want.append("avx2")
            if {"avx512f", "avx512bw", "avx512vl", "avx512vbmi"} <= flags:
                want.append("avx512")
    assert list(ext.LEVELS) == want


@pytestmark_ext
@pytest.mark.parametrize(("simd", "error", "message"), [
    ("avx9", ValueError, "unknown level"),
    (3, TypeError, "bool or a level"),
])
def test_refuses_a_level_it_does_not_know(simd: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        ext.resample(np.zeros((10, 10), np.uint8), np.zeros((5, 5), np.uint8), 0.0, 0.0, 1.0, 1.0, simd=simd)


@pytestmark_ext
def test_refuses_a_level_this_cpu_cannot_run() -> None:
    missing = [lvl for lvl in ALL_LEVELS if lvl not in ext.LEVELS]
    if not missing:
        pytest.skip("this CPU runs every level")
    with pytest.raises(ValueError, match="cannot run"):
        ext.resample(np.zeros((10, 10), np.uint8), np.zeros((5, 5), np.uint8), 0.0, 0.0, 1.0, 1.0,
                     simd=missing[0])


@pytestmark_ext
def test_agrees_with_the_opencv_fallback() -> None:
    src = smooth(400, 700, seed=3)
    dst_cv = np.empty((360, 640), np.uint8)
    resample.warp_opencv(src, dst_cv, 21.4, 13.9, 0.97, 0.97)
    got = run(src, 640, 360, 21.4, 13.9, 0.97, 0.97)
    assert np.abs(got.astype(int) - dst_cv).max() <= 1


@pytestmark_ext
@pytest.mark.parametrize("level", ALL_LEVELS)
def test_writes_only_inside_the_destination_rows(level: str) -> None:
    # the encoder's planes are views with padded rows (line_size > width): the padding is not ours
    _level_here(level)
    src = smooth(100, 400)
    frame = np.full((60, 400), 7, np.uint8)
    view = frame[5:55, 3:303]  # 300 wide, row stride 400, rows starting off any vector boundary
    ext.resample(src, view, 2.5, 1.5, 1.2, 1.2, simd=level)
    want = np.rint(reference(src, 300, 50, 2.5, 1.5, 1.2, 1.2))
    assert np.abs(view.astype(int) - want).max() <= 1
    outside = frame.copy()
    outside[5:55, 3:303] = 7
    assert np.all(outside == 7)


@pytestmark_ext
@pytest.mark.parametrize("level", ALL_LEVELS)
def test_reads_a_source_given_as_a_view_with_padded_rows(level: str) -> None:
    _level_here(level)
    big = smooth(120, 300)
    src = big[10:110, 20:220]
    got = run(src, 150, 80, 4.2, 3.3, 1.1, 1.1, simd=level)
    want = run(np.ascontiguousarray(src), 150, 80, 4.2, 3.3, 1.1, 1.1, simd=level)
    np.testing.assert_array_equal(got, want)


@pytestmark_ext
@pytest.mark.parametrize(("src", "dst", "message"), [
    (np.zeros((10, 10, 3), np.uint8), np.zeros((5, 5), np.uint8), "2-D array of uint8"),
    (np.zeros((10, 10), np.float32), np.zeros((5, 5), np.uint8), "2-D array of uint8"),
    (np.zeros((10, 10), np.uint8).T[::2], np.zeros((5, 5), np.uint8), "contiguous rows"),
    (np.zeros((1, 10), np.uint8), np.zeros((5, 5), np.uint8), "at least 2x2"),
    (np.zeros((10, 10), np.uint8), np.zeros((5, 5), np.uint16), "2-D array of uint8"),
])
def test_refuses_what_it_cannot_sample(src: np.ndarray, dst: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ext.resample(src, dst, 0.0, 0.0, 1.0, 1.0)


@pytestmark_ext
def test_refuses_a_read_only_destination() -> None:
    dst = np.zeros((5, 5), np.uint8)
    dst.flags.writeable = False
    with pytest.raises((ValueError, BufferError), match=r"read-only|writable"):
        ext.resample(np.zeros((10, 10), np.uint8), dst, 0.0, 0.0, 1.0, 1.0)


def _engine_in_child(code: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def test_falls_back_to_opencv_when_the_c_part_is_missing() -> None:
    # as on a machine that had no C compiler at install time: the import fails, drawing works
    code = (
        "import sys, numpy as np\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'backend.render._resample': raise ImportError('not built')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from backend.render import resample\n"
        "dst = np.zeros((20, 30), np.uint8)\n"
        "resample.warp(np.full((40, 60), 99, np.uint8), dst, 1.5, 1.5, 1.2, 1.2)\n"
        "print(resample.ENGINE, int(dst.min()), int(dst.max()))\n"
    )
    assert _engine_in_child(code, {}) == "OpenCV warpAffine 99 99"


def test_nemo_resampler_opencv_picks_the_fallback() -> None:
    code = "from backend.render import resample; print(resample.FAST, resample.ENGINE)"
    assert _engine_in_child(code, {"NEMO_RESAMPLER": "opencv"}) == "False OpenCV warpAffine"


def test_the_c_part_is_built_where_a_compiler_exists() -> None:
    # `optional = true` lets an install without a compiler succeed; with one, a build error must
    # not pass silently as a slow renderer
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) on this machine")
    assert ext is not None, "a C compiler is here but backend/render/_resample.c was not built"
    if os.uname().machine in ("x86_64", "i686", "i386"):
        assert ext.SIMD, "an x86 CPU without SSSE3?"
    wanted = ext.SIMD and os.environ.get("NEMO_RESAMPLER", "") != "opencv"
    assert resample.FAST is wanted
