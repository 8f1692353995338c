"""render_draft end to end on tiny renders (320x180 at 10 fps): streams, pixels, text, sound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from backend.render import RenderCancelled, RenderError, render_draft
from backend.render import text as textmod

pytestmark = pytest.mark.slow


def _resolver(folder: Path) -> Callable[[str], Path]:
    def resolve(src: str) -> Path:
        matches = sorted(folder.glob(f"{src}.*"))
        if not matches:
            raise KeyError(src)
        return matches[0]

    return resolve


def test_mp4_streams_size_duration_faststart_and_progress(
    tmp_path: Path, rt: SimpleNamespace, make_photo: Callable[..., Path]
) -> None:
    media = tmp_path / "media"
    make_photo("a.jpg", size=(800, 600), seed=1)
    make_photo("b.png", size=(300, 500), seed=2)  # portrait into landscape
    d = rt.draft(
        [
            {"src": "a", "kind": "image", "st": 0, "d": 2000, "fx": {"motion": "zoom_in"}},
            {"src": "b", "kind": "image", "st": 1500, "d": 1500, "fx": {"motion": "pan_left"},
             "tr": {"type": "crossfade", "d": 500}},
        ],
        audio=[{"gen": {"style": "lofi", "seed": 1}, "st": 0, "d": 3000, "fo": 500}],
        text=[{"text": "Hello", "role": "title", "st": 0, "d": 1500}],
    )
    seen: list[float] = []
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    result = render_draft(d, _resolver(media), out, progress=seen.append, **rt.SMALL)

    p = rt.probe_mp4(out)
    assert (p.vcodec, p.pix_fmt, p.width, p.height) == ("h264", "yuv420p", 320, 180)
    assert p.fps == pytest.approx(10) and p.frames == 30
    assert p.duration == pytest.approx(3.0, abs=0.05)
    assert p.acodec == "aac" and p.audio_duration == pytest.approx(3.0, abs=0.1)
    head = out.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat")  # +faststart: playable while downloading
    assert (result.width, result.height, result.fps, result.duration_s) == (320, 180, 10, 3.0)
    assert result.size_bytes == out.stat().st_size and result.warnings == []
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen)
    assert [f.name for f in out.parent.iterdir()] == ["video.mp4"]  # no .part left behind


@pytest.mark.parametrize(
    ("meta", "size"),
    [({"aspect": "9:16"}, (102, 180)), ({"aspect": "1:1"}, (180, 180))],
)
def test_other_aspects(tmp_path: Path, rt: SimpleNamespace, meta: dict[str, str],
                       size: tuple[int, int]) -> None:
    rt.solid(tmp_path / "p.png", (90, 120, 200))
    d = rt.draft([{"src": "p", "st": 0, "d": 500}], **meta)
    result = render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    p = rt.probe_mp4(tmp_path / "o.mp4")
    assert (p.width, p.height) == size == (result.width, result.height)
    assert p.frames == 5


@pytest.mark.parametrize(("size", "filled"), [
    ((400, 300), True),  # a phone photo (4:3) fills a 16:9 frame, cropped top and bottom
    ((300, 200), True),  # a camera photo (3:2)
    ((300, 300), False),  # square: shown whole, over a blurred and dimmed copy of itself
    ((200, 400), False),  # portrait
])
def test_photo_shapes_fill_the_frame_or_show_whole(tmp_path: Path, rt: SimpleNamespace,
                                                   size: tuple[int, int], filled: bool) -> None:
    # a bright photo with a dark inner border: filling crops the border off the top and bottom
    # but keeps it at the sides; showing whole keeps it all round, with dimmed copy outside
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (240, 240, 240))
    ImageDraw.Draw(img).rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(30, 30, 30), width=6)
    img.save(tmp_path / "p.png")
    d = rt.draft([{"src": "p", "st": 0, "d": 500}])
    render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    frame = rt.frames_rgb(tmp_path / "o.mp4")[0].astype(int)
    middle_column = frame[:, 160].mean(axis=1)
    if filled:
        assert middle_column.min() > 200, "the photo should cover the frame from top to bottom"
    else:
        side = frame[:, :20].mean()  # outside the photo: a blurred, dimmed copy, not black
        assert 40 < side < 150, side
        assert middle_column.min() < 100  # the photo's own border is visible: nothing cropped


def test_crossfade_and_fade_through_black(tmp_path: Path, rt: SimpleNamespace) -> None:
    rt.solid(tmp_path / "red.png", (220, 20, 20))
    rt.solid(tmp_path / "blue.png", (20, 20, 220))
    rt.solid(tmp_path / "green.png", (20, 200, 20))
    d = rt.draft([
        {"src": "red", "st": 0, "d": 2000},
        {"src": "blue", "st": 1000, "d": 2000, "tr": {"type": "crossfade", "d": 1000}},
        {"src": "green", "st": 3000, "d": 1000, "tr": {"type": "fade", "d": 1000}},
    ])
    render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    frames = rt.frames_rgb(tmp_path / "o.mp4")
    assert len(frames) == 40

    def mean(i: int) -> np.ndarray:
        return frames[i][40:140, 60:260].reshape(-1, 3).mean(axis=0)

    r, g, b = mean(5)
    assert r > 180 and b < 60  # red alone
    r, g, b = mean(15)  # half way through the crossfade: both, about equally
    assert 90 < r < 150 and 90 < b < 150 and g < 50
    r, g, b = mean(22)
    assert b > 180 and r < 60  # blue alone
    assert mean(30).max() < 40  # the fade passes through black at the cut
    assert 60 < mean(27)[2] < 170  # blue on its way down
    assert mean(36)[1] > 180  # green fully in


def test_title_appears_fades_and_stays_in_the_safe_area(tmp_path: Path, rt: SimpleNamespace) -> None:
    rt.solid(tmp_path / "dark.png", (30, 30, 30))
    d = rt.draft(
        [{"src": "dark", "st": 0, "d": 3000}],
        text=[{"text": "Summer by the sea", "role": "title", "pos": "center", "st": 1000, "d": 1500,
               "fi": 400, "fo": 400}],
    )
    render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    frames = [f.astype(np.int32).sum(axis=2) / 3 for f in rt.frames_rgb(tmp_path / "o.mp4")]
    band = slice(60, 120)
    assert frames[5][band].max() < 60  # before the title: nothing bright
    full = frames[17][band]
    assert full.max() > 200 and (full > 150).sum() > 300  # white letters
    cols = np.where((frames[17] > 150).any(axis=0))[0]
    assert cols.min() >= 320 * 0.08 - 1 and cols.max() <= 320 * 0.92  # within the side margins
    assert 60 < frames[11][band].max() < frames[17][band].max()  # fading in
    assert frames[27][band].max() < 60  # gone after its end


def test_long_caption_wraps_inside_the_frame(tmp_path: Path, rt: SimpleNamespace) -> None:
    rt.solid(tmp_path / "dark.png", (30, 30, 30))
    words = "a very long caption that cannot possibly fit on one line of a small video frame"
    d = rt.draft([{"src": "dark", "st": 0, "d": 1000}],
                 text=[{"text": words, "role": "caption", "st": 0, "d": 1000}])
    render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    frame = rt.frames_rgb(tmp_path / "o.mp4")[5].astype(np.int32).sum(axis=2) / 3
    bright = frame > 150
    rows = np.where(bright.any(axis=1))[0]
    cols = np.where(bright.any(axis=0))[0]
    assert rows.min() > 90  # a caption sits in the lower part
    assert rows.max() - rows.min() > 20  # more than one line
    assert cols.min() > 10 and cols.max() < 310


def test_wrap_breaks_chinese_without_spaces_and_keeps_punctuation() -> None:
    font = textmod.load_font(textmod.find_fonts().cjk, 20)
    text = "这是一个很长的字幕，用来测试中文在没有空格的情况下是否能够正确地换行显示。"
    lines = textmod.wrap(text, font, 200)
    assert len(lines) > 2 and "".join(lines) == text
    assert all(not ln.startswith(("，", "。")) for ln in lines)
    assert textmod.wrap("hello world again", font, 60) == ["hello", "world", "again"]


def _title_band(tmp_path: Path, rt: SimpleNamespace, name: str) -> tuple[np.ndarray, list[str]]:
    rt.solid(tmp_path / "dark.png", (20, 20, 20))
    d = rt.draft([{"src": "dark", "st": 0, "d": 1000}],
                 text=[{"text": "城市之梦", "role": "title", "st": 0, "d": 1000}])
    result = render_draft(d, _resolver(tmp_path), tmp_path / name, **rt.SMALL)
    frame = rt.frames_rgb(tmp_path / name)[5].astype(np.float32).mean(axis=2)
    return frame[50:130, 40:280], result.warnings


def test_chinese_title_draws_real_glyphs_not_boxes(
    tmp_path: Path, rt: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = textmod.find_fonts()
    if fonts.cjk is None:
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    cjk = textmod.load_font(fonts.cjk, 40)
    plain = textmod.load_font(None, 40)  # Pillow's bundled Latin font: boxes for Chinese
    assert textmod.covers(cjk, "城市之梦") and not textmod.covers(plain, "城市之梦")

    real, warnings = _title_band(tmp_path, rt, "real.mp4")
    assert warnings == []
    assert (real > 150).sum() > 200  # ink where the title is
    monkeypatch.setattr(textmod, "find_fonts", lambda: textmod.Fonts(cjk=None, latin=None))
    boxes, warned = _title_band(tmp_path, rt, "boxes.mp4")
    assert warned == [textmod.NO_CJK_FONT_WARNING]  # the person is told why
    diff = np.abs(real - boxes)
    assert (diff > 80).sum() > 200  # the glyphs are not the font-without-CJK boxes


def test_motion_is_smooth_and_monotonic(tmp_path: Path, rt: SimpleNamespace) -> None:
    from PIL import Image

    w, h = 960, 540
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dot = 20 + 220 * np.exp(-((xx - 0.25 * w) ** 2 + (yy - 0.3 * h) ** 2) / (2 * 9.0**2))
    Image.fromarray(dot.astype(np.uint8)).convert("RGB").save(tmp_path / "dot.png")
    d = rt.draft([{"src": "dot", "st": 0, "d": 3000,
                   "fx": {"motion": "zoom_in", "amount": 0.3, "ease": "linear"}}])
    render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL)
    xs, ys = [], []
    for f in rt.frames_rgb(tmp_path / "o.mp4"):
        g = f.astype(np.float32).mean(axis=2)
        wgt = np.clip(g - 60, 0, None)
        yy2, xx2 = np.mgrid[0 : g.shape[0], 0 : g.shape[1]]
        xs.append((wgt * xx2).sum() / wgt.sum())
        ys.append((wgt * yy2).sum() / wgt.sum())
    # the dot (up-left of centre) moves steadily away from the centre while zooming in
    assert np.all(np.diff(xs) < 0) and np.all(np.diff(ys) < 0)
    assert xs[0] - xs[-1] > 15
    jitter = float(np.sqrt(np.mean(np.diff(xs, n=2) ** 2)))
    assert jitter < 0.15  # px/frame², no shaking


def test_video_clip_segment_trimmed_with_its_sound_or_muted(
    tmp_path: Path, rt: SimpleNamespace
) -> None:
    rt.make_clip(tmp_path / "clip.mp4", seconds=3.0)
    rt.solid(tmp_path / "still.png", (10, 10, 10))
    for mute in (False, True):
        d = rt.draft([
            {"src": "clip", "kind": "video", "st": 0, "d": 1500, "in": 1000, "mute": mute},
            {"src": "still", "st": 1500, "d": 1000},
        ])
        out = tmp_path / f"o{mute}.mp4"
        render_draft(d, _resolver(tmp_path), out, **rt.SMALL)
        p = rt.probe_mp4(out)
        assert p.frames == 25 and p.acodec == "aac"
        frames = rt.frames_rgb(out)
        assert frames[5].std() > 30  # the colourful test pattern, scaled to cover the frame
        assert frames[20].max() < 40  # then the dark still
        sound = rt.audio_samples(out)
        rms_clip = float(np.sqrt(np.mean(sound[4800:62400] ** 2)))
        rms_after = float(np.sqrt(np.mean(sound[80000:110000] ** 2)))
        assert rms_after < 0.01
        assert (rms_clip < 0.01) if mute else (rms_clip > 0.05)


def test_cancel_stops_within_a_second_and_cleans_up(tmp_path: Path, rt: SimpleNamespace) -> None:
    rt.solid(tmp_path / "p.png", (100, 140, 180))
    d = rt.draft([{"src": "p", "st": 0, "d": 300_000, "fx": {"motion": "zoom_in"}}])
    cancel = threading.Event()
    started = threading.Event()
    outcome: list[BaseException] = []

    def progress(pct: float) -> None:
        if pct > 3:
            started.set()

    def run() -> None:
        try:
            render_draft(d, _resolver(tmp_path), tmp_path / "out" / "o.mp4", progress=progress,
                         cancel=cancel, **rt.SMALL)
        except BaseException as exc:
            outcome.append(exc)

    (tmp_path / "out").mkdir()
    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    t0 = time.monotonic()
    cancel.set()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - t0 < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], RenderCancelled)
    assert list((tmp_path / "out").iterdir()) == []  # no partial MP4, no temp sound


def _fails(tmp_path: Path, rt: SimpleNamespace, d: object, **kw: object) -> str:
    with pytest.raises(RenderError) as info:
        render_draft(d, _resolver(tmp_path), tmp_path / "o.mp4", **rt.SMALL, **kw)  # type: ignore[arg-type]
    assert not (tmp_path / "o.mp4").exists()
    return info.value.reason


def test_bad_inputs_fail_with_clear_reasons(
    tmp_path: Path, rt: SimpleNamespace, make_wav: Callable[..., Path]
) -> None:
    rt.solid(tmp_path / "ok.png", (50, 50, 50))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    reason = _fails(tmp_path, rt, rt.draft([{"src": "broken", "n": "beach.jpg", "st": 0, "d": 1000}]))
    assert "beach.jpg" in reason and "damaged" in reason

    reason = _fails(tmp_path, rt, rt.draft([{"src": "gone", "n": "sunset.jpg", "st": 0, "d": 1000}]))
    assert "sunset.jpg" in reason and "cannot be found" in reason

    empty = make_wav("empty.wav", seconds=0.0)
    (tmp_path / "empty.wav").write_bytes(empty.read_bytes())
    reason = _fails(tmp_path, rt, rt.draft([{"src": "ok", "st": 0, "d": 1000}],
                                           audio=[{"src": "empty", "n": "song.wav", "st": 0, "d": 1000}]))
    assert "song.wav" in reason and "zero length" in reason

    assert "empty" in _fails(tmp_path, rt, rt.draft([]))
