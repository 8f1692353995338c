"""Music a person can hear: loudness at the default volume, 6-dB "quieter" steps, a -1 dBTP
ceiling and a mix made in chunks, each measured by FFmpeg's own EBU R128 meter on the MP4."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from backend.draft import MusicBed
from backend.editor.parse import parse
from backend.render import render_draft
from backend.render.loudness import DEFAULT_VOLUME, Limiter, loudness, volume_db
from backend.render.music import music_bed

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")


def _ebur128(args: list[str], stdin: bytes | None = None) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as FFmpeg's ebur128 filter measures them."""
    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", *args,
                        "-af", "ebur128=peak=true", "-f", "null", "-"],
                       input=stdin, capture_output=True, timeout=120, check=True)
    text = r.stderr.decode()
    lufs = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", text)[-1])
    peak = float(re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", text)[-1])
    return lufs, peak


def _raw(x: np.ndarray) -> tuple[list[str], bytes]:
    return ["-f", "f32le", "-ar", "48000", "-ac", "2", "-i", "-"], x.astype("<f4").tobytes()


def test_our_meter_agrees_with_ffmpegs() -> None:
    bed = music_bed(MusicBed(style="upbeat", bpm=100, seed=2), 12.0)
    noise = np.random.default_rng(1).normal(0, 0.05, (48000 * 6, 2)).astype(np.float32)
    for x in (bed, noise):
        assert loudness(x) == pytest.approx(_ebur128(*_raw(x))[0], abs=0.3)


def _render_music(tmp_path: Path, rt: SimpleNamespace, vol: float, seconds: int = 12,
                  style: str = "calm") -> Path:
    rt.solid(tmp_path / "p.png", (60, 90, 120))
    d = rt.draft([{"src": "p", "st": 0, "d": seconds * 1000}],
                 audio=[{"gen": {"style": style, "bpm": 84, "seed": 7}, "st": 0, "d": seconds * 1000,
                         "vol": vol, "fi": 500, "fo": 1000}])
    out = tmp_path / f"m{vol}.mp4"
    render_draft(d, lambda _s: tmp_path / "p.png", out, **rt.SMALL)
    return out


@pytest.mark.parametrize("style", ["calm", "lofi"])
def test_music_at_the_default_volume_plays_at_minus_16_lufs(tmp_path: Path, rt: SimpleNamespace,
                                                             style: str) -> None:
    lufs, peak = _ebur128(["-i", str(_render_music(tmp_path, rt, DEFAULT_VOLUME, style=style))])
    assert lufs == pytest.approx(-16.0, abs=1.5)
    assert peak <= -1.0


def test_one_quieter_step_is_about_6_db(tmp_path: Path, rt: SimpleNamespace) -> None:
    # what the editor does with "quieter" (a step of its volume), as the renderer hears it
    ops = parse("make the music quieter").ops
    step = next(float(o.args["delta"]) for o in ops if o.kind == "volume")  # type: ignore[arg-type]
    assert step < 0
    loud, _ = _ebur128(["-i", str(_render_music(tmp_path, rt, DEFAULT_VOLUME))])
    quiet, _ = _ebur128(["-i", str(_render_music(tmp_path, rt, DEFAULT_VOLUME + step))])
    assert loud - quiet == pytest.approx(6.0, abs=1.5)
    assert volume_db(0.0) == float("-inf") and volume_db(0.01) < volume_db(0.05) < volume_db(0.15)


def test_a_loud_mix_is_limited_under_minus_1_dbtp() -> None:
    # two full-scale sources summed: twice over the ceiling; the limiter brings every peak under
    t = np.arange(48000 * 3) / 48000
    x = (0.9 * np.sin(2 * np.pi * 220 * t) + 0.9 * np.sin(2 * np.pi * 331 * t)).astype(np.float32)
    x = np.stack([x, x], axis=1)
    lim = Limiter()
    out = [lim.push(x[i : i + 48000]) for i in range(0, len(x), 48000)] + [lim.push(None)]
    y = np.concatenate([o for o in out if o is not None])
    assert y.shape == x.shape
    _, peak = _ebur128(*_raw(y))
    assert peak <= -1.0
    quiet = x * 0.2  # under the ceiling: passed through untouched
    lim = Limiter()
    lim.push(quiet)
    assert np.array_equal(lim.push(None), quiet)  # type: ignore[arg-type]


def test_the_mix_is_made_in_chunks_not_whole(tmp_path: Path, rt: SimpleNamespace,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a 10-minute bed: no array as long as the video is ever made
    from backend.render import audio
    from backend.render.plan import make_plan

    biggest = 0
    real_zeros = np.zeros

    def zeros(shape: object, *a: object, **k: object) -> np.ndarray:
        nonlocal biggest
        arr = real_zeros(shape, *a, **k)  # type: ignore[call-overload]
        biggest = max(biggest, arr.size)
        return arr

    monkeypatch.setattr(audio.np, "zeros", zeros)
    d = rt.draft([{"src": "p", "st": 0, "d": 600_000}],
                 audio=[{"gen": {"style": "calm"}, "st": 0, "d": 600_000}])
    mix = audio.build_mix(make_plan(d, fps=10), lambda _s: tmp_path, lambda: False)
    got = 0
    while got < len(mix):
        got += len(mix.read(48000 * 5))
    assert got == 600 * 48000
    assert biggest <= 10 * 48000 * 2  # a chunk or three bars of the bed, never the whole track


def test_fades_follow_loudness_half_way_sounds_half_as_loud() -> None:
    from backend.render.loudness import fade_shape

    # "half as loud" is about -10 dB; a linear amplitude ramp is only -6 dB half-way
    assert 20 * np.log10(float(fade_shape(np.array([0.5]))[0])) == pytest.approx(-10.0, abs=0.5)
    p = np.linspace(0, 1, 101)
    shape = fade_shape(p)
    assert shape[0] == 0.0 and shape[-1] == 1.0 and np.all(np.diff(shape) > 0)
