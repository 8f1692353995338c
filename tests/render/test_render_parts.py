"""The renderer's pure parts (timing plan, motion, sound mix, music bed) and still-image inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from backend.draft import Draft, Effect, MusicBed, Track
from backend.render import render_draft
from backend.render.audio import RATE, build_mix
from backend.render.errors import RenderError
from backend.render.loudness import loudness
from backend.render.motion import view_at
from backend.render.music import music_bed
from backend.render.plan import make_plan, output_size


def _d(meta: dict[str, object], video: list[dict[str, object]] | None = None) -> Draft:
    return Draft.model_validate({"m": meta, "t": [{"tt": 0, "sg": video or [{"src": "x", "d": 1000}]}]})


@pytest.mark.parametrize(
    ("meta", "cap", "size"),
    [
        ({"aspect": "16:9"}, None, (1920, 1080)),
        ({"aspect": "9:16"}, None, (1080, 1920)),  # width/height left at 16:9 defaults
        ({"aspect": "1:1"}, None, (1080, 1080)),
        ({"aspect": "16:9", "width": 1280, "height": 720}, None, (1280, 720)),
        ({"aspect": "16:9"}, 180, (320, 180)),
        ({"aspect": "9:16"}, 180, (102, 180)),
        ({"aspect": "4:3", "width": 1001, "height": 751}, None, (1002, 752)),  # made even
    ],
)
def test_output_size(meta: dict[str, object], cap: int | None, size: tuple[int, int]) -> None:
    assert output_size(_d(meta), cap) == size


def test_plan_counts_frames_and_times_transitions() -> None:
    d = _d({"fps": 30}, [
        {"src": "a", "st": 0, "d": 2000},
        {"src": "b", "st": 1500, "d": 2000, "tr": {"type": "crossfade", "d": 500}},
        {"src": "c", "st": 3500, "d": 1001, "tr": {"type": "fade", "d": 600}},
    ])
    plan = make_plan(d)
    assert plan.canvas.frames == 135  # 4.501 s at 30 fps, to the frame
    a, b, c = plan.shots
    assert b.xfade_in == 500 and a.end == 2000  # the overlap the draft already has
    assert c.fade_in == 300 and b.fade_out == 300 and b.end == 3500
    # a crossfade between shots that do not overlap holds the previous picture under the new one
    d2 = _d({}, [{"src": "a", "st": 0, "d": 1000},
                 {"src": "b", "st": 1000, "d": 1000, "tr": {"type": "crossfade", "d": 400}}])
    first, second = make_plan(d2).shots
    assert second.xfade_in == 400 and first.end == 1400
    assert make_plan(d2, fps=10, max_height=180).canvas.frames == 20
    with pytest.raises(RenderError, match="frame rate"):
        make_plan(d2, fps=500)


@pytest.mark.parametrize("motion", ["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up",
                                    "pan_down", "ken_burns"])
@pytest.mark.parametrize("ease", ["smooth", "linear"])
def test_motion_stays_in_the_picture_and_moves_one_way(motion: str, ease: str) -> None:
    fx = Effect(motion=motion, ease=ease, amount=0.3)  # type: ignore[arg-type]
    views = np.array([view_at(fx, i / 200, index=1) for i in range(201)])
    cx, cy, z = views.T
    half = 0.5 / z
    assert np.all(cx - half >= -1e-9) and np.all(cx + half <= 1 + 1e-9)
    assert np.all(cy - half >= -1e-9) and np.all(cy + half <= 1 + 1e-9)
    for series in (cx, cy, z):
        steps = np.diff(series)
        assert np.all(steps >= -1e-12) or np.all(steps <= 1e-12)  # never turns back
    assert np.ptp(views, axis=0).max() > 0.05  # it does move
    if ease == "smooth":
        assert abs(np.diff(z)[0]) + abs(np.diff(cx)[0]) < 1e-3  # starts at rest


def test_music_bed_is_deterministic_pleasantly_levelled_and_varied() -> None:
    a = music_bed(MusicBed(style="upbeat", bpm=110, seed=4), 3.0)
    b = music_bed(MusicBed(style="upbeat", bpm=110, seed=4), 3.0)
    c = music_bed(MusicBed(style="upbeat", bpm=110, seed=5), 3.0)
    assert a.shape == (3 * RATE, 2) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert 0.3 < np.abs(a).max() <= 0.41  # a fixed level, well below clipping
    for style in ("calm", "lofi"):
        bed = music_bed(MusicBed(style=style, seed=1), 2.0)  # type: ignore[arg-type]
        assert np.sqrt(np.mean(bed**2)) > 0.02


def _mix(draft: Draft, files: dict[str, Path]) -> np.ndarray:
    plan = make_plan(draft, fps=10)
    mix = build_mix(plan, lambda seg: files[seg.src or ""], lambda: False)
    return mix.read(len(mix))


def test_track_is_looped_or_trimmed_at_its_loudness(make_wav: Callable[..., Path]) -> None:
    tone = make_wav("tone.wav", seconds=1.0)  # 440 Hz, amplitude 8000/32768 (-15.8 LUFS)
    d = Draft.model_validate({"t": [
        {"tt": 0, "sg": [{"src": "p", "d": 3000}]},
        {"tt": 1, "sg": [{"src": "tone", "st": 0, "d": 3000, "vol": 0.15, "loop": True}]},
    ]})
    mix = _mix(d, {"tone": tone})
    assert mix.shape == (3 * RATE, 2)
    level = np.abs(mix[RATE // 2 : RATE - 2000]).max()
    for second in range(3):  # looped: sound all the way, at one level
        part = mix[second * RATE + 2000 : (second + 1) * RATE - 2000]
        assert np.abs(part).max() == pytest.approx(level, rel=0.03)
    # at 15 %, two "quieter" steps under the default: -16 - 6 LUFS, whatever the file's level
    assert loudness(mix[2000:-2000]) == pytest.approx(-22.0, abs=0.5)
    d.t[1].sg[0].loop = False
    d.t[1].sg[0].fi = 500
    mix = _mix(d, {"tone": tone})
    assert np.abs(mix[int(1.1 * RATE) :]).max() < 1e-4  # not looped: silence after its end
    assert np.abs(mix[: RATE // 10]).max() < 0.1 * level  # fading in (loudness-shaped: slow start)
    assert np.abs(mix[RATE // 2 + 1000 : RATE - 2000]).max() == pytest.approx(level, rel=0.03)


def test_two_sources_add_up_instead_of_being_scaled_down(make_wav: Callable[..., Path]) -> None:
    tone = make_wav("tone.wav", seconds=2.0)
    alone = Draft.model_validate({"t": [
        {"tt": 0, "sg": [{"src": "p", "d": 2000}]},
        {"tt": 1, "sg": [{"src": "tone", "st": 0, "d": 2000, "vol": 0.35}]},
    ]})
    both = alone.model_copy(deep=True)
    both.t.append(Track.model_validate({"tt": 1, "sg": [{"gen": {"style": "calm"}, "st": 0, "d": 2000, "vol": 0.0}]}))
    # amix would halve the tone because a second (silent) input exists; we keep its level
    a, b = _mix(alone, {"tone": tone}), _mix(both, {"tone": tone})
    assert np.abs(b[RATE // 2 : RATE]).max() == pytest.approx(np.abs(a[RATE // 2 : RATE]).max(), rel=0.01)
    assert np.abs(a[RATE // 2 : RATE]).max() > 0.1


def _render_still(tmp_path: Path, rt: SimpleNamespace, path: Path, aspect: str) -> np.ndarray:
    d = rt.draft([{"src": "s", "st": 0, "d": 500}], aspect=aspect)
    render_draft(d, lambda _src: path, tmp_path / "o.mp4", **rt.SMALL)
    return rt.frames_rgb(tmp_path / "o.mp4")[2].astype(np.int32)


def test_stills_exif_rotation_alpha_and_gif_first_frame(tmp_path: Path, rt: SimpleNamespace) -> None:
    # stored landscape: left half red, right half blue; EXIF says turn it a quarter clockwise
    img = Image.new("RGB", (480, 400), (220, 0, 0))
    img.paste((0, 0, 220), (240, 0, 480, 400))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    frame = _render_still(tmp_path, rt, tmp_path / "phone.jpg", "1:1")
    top, bottom = frame[10:70].reshape(-1, 3).mean(0), frame[110:170].reshape(-1, 3).mean(0)
    assert top[0] > 150 and top[2] < 60 and bottom[2] > 150 and bottom[0] < 60  # upright

    rgba = Image.new("RGBA", (320, 180), (0, 200, 0, 255))
    rgba.paste((255, 255, 255, 0), (0, 0, 160, 180))  # left half fully transparent
    rgba.save(tmp_path / "alpha.png")
    frame = _render_still(tmp_path, rt, tmp_path / "alpha.png", "16:9")
    assert frame[40:140, 10:140].max() < 40  # transparent shows black, not white
    assert frame[40:140, 180:310, 1].mean() > 150

    frames = [Image.new("RGB", (160, 90), c) for c in ((0, 200, 0), (200, 0, 0))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    frame = _render_still(tmp_path, rt, tmp_path / "anim.gif", "16:9")
    r, g, _ = frame[40:140, 60:260].reshape(-1, 3).mean(0)
    assert g > 150 and r < 60  # the first frame


def test_a_big_photo_is_shrunk_at_once_and_keeps_its_turn(tmp_path: Path) -> None:
    from backend.render.pictures import open_still

    # 2400x1200 PNG with EXIF "turn 90°": upright it is 1200x2400; a 300x200 need shrinks it by
    # a whole factor that still covers the need either way round
    img = Image.new("RGB", (2400, 1200), (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, 1200, 1200))  # left half blue: after the turn, the top
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(tmp_path / "big.png", exif=exif)
    got = open_still(tmp_path / "big.png", "big", (300, 200))
    assert got.size == (300, 600)  # reduced 4x: 1200/4 = 300 still covers the 300 wide need
    top, bottom = np.asarray(got)[10, 150], np.asarray(got)[590, 150]
    assert top[2] > 150 and bottom[0] > 150  # turned, not mirrored or left on its side


def test_a_picture_over_pillows_warning_size_renders_without_a_warning(
        tmp_path: Path, rt: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from backend.media import probe

    # Pillow warns between its limit and twice it (~89-179 Mpx); shrink the limit to test that
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    rt.solid(tmp_path / "p.png", (90, 120, 200), size=(480, 270))  # 129,600 px: in the warning band
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert probe(tmp_path / "p.png").width == 480
        render_draft(rt.draft([{"src": "p", "st": 0, "d": 300}]), lambda _s: tmp_path / "p.png",
                     tmp_path / "o.mp4", **rt.SMALL)
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]
    # over twice the limit it is refused with a reason, as before
    rt.solid(tmp_path / "q.png", (90, 120, 200), size=(600, 400))
    with pytest.raises(RenderError, match="too large"):
        render_draft(rt.draft([{"src": "q", "st": 0, "d": 300}]), lambda _s: tmp_path / "q.png",
                     tmp_path / "o2.mp4", **rt.SMALL)


@pytest.mark.parametrize("kind", ["jpg", "png", "webp"])
def test_a_decoded_photo_keeps_its_pixels_and_closes_its_file(tmp_path: Path, kind: str) -> None:
    """The decoded picture is returned as it is (no copy: a copy cost as much as the decode);
    its pixels stay readable once the file is closed, and the file is not held open."""
    import os

    from backend.render.pictures import open_still

    src = Image.new("RGB", (640, 360), (20, 120, 220))
    src.paste((230, 40, 40), (0, 0, 320, 360))
    src.save(tmp_path / f"p.{kind}", quality=95)
    fds = len(os.listdir("/proc/self/fd"))
    got = open_still(tmp_path / f"p.{kind}", "p", (640, 360))
    assert len(os.listdir("/proc/self/fd")) == fds
    pixels = np.asarray(got)
    assert got.size == (640, 360) and got.mode == "RGB"
    assert pixels[180, 100, 0] > 200 and pixels[180, 500, 2] > 200
