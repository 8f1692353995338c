"""The sound track compressed on its own thread: all of it reaches the file, at the rate asked,
memory stays bounded, and its failures and a cancel reach the render."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from backend.render.encoder import Encoder
from backend.render.errors import RenderCancelled, RenderError
from backend.render.pictures import Planes
from backend.render.sound_encoder import AHEAD, MIX_RATE, SoundEncoder

W, H, FPS = 64, 48, 10


class _Counting:
    """A 440-Hz tone made as it is read; counts how far it was read, may break on the way."""

    def __init__(self, total: int, fail_at: int | None = None) -> None:
        self.total, self.made, self.fail_at = total, 0, fail_at

    def __len__(self) -> int:
        return self.total

    def read(self, n: int) -> np.ndarray:
        if self.fail_at is not None and self.made >= self.fail_at:
            raise RenderError("song.mp3: the audio is damaged")
        t = np.arange(self.made, self.made + n) / MIX_RATE
        self.made += n
        wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        return np.stack([wave, wave], axis=1)


def _encode(tmp_path: Path, sound: object, seconds: int, **options: int | str) -> Path:
    out = tmp_path / "o.mp4"
    enc = Encoder(out, W, H, FPS, sound, None, **options)  # type: ignore[arg-type]
    frame = Planes.alloc(W, H)
    frame.fill_black()
    try:
        for _ in range(seconds * FPS):
            enc.write(frame.buf)
        enc.finish()
    finally:
        enc.close()
    return out


@pytest.mark.parametrize(("rate", "bitrate", "coder"), [(48000, 128_000, "twoloop"), (24000, 48_000, "fast")])
def test_the_whole_track_reaches_the_file_at_the_rate_asked(tmp_path: Path, rate: int, bitrate: int,
                                                            coder: str) -> None:
    import av

    out = _encode(tmp_path, _Counting(3 * MIX_RATE), 3, audio_rate=rate, audio_bitrate=bitrate,
                  audio_coder=coder)
    with av.open(str(out)) as box:
        stream = box.streams.audio[0]
        assert stream.rate == rate
        sound = np.concatenate([f.to_ndarray() for f in box.decode(audio=0)], axis=1)
    assert abs(sound.shape[1] - 3 * rate) <= 2048  # the encoder's priming and padding only
    middle = sound[0, rate // 2 : 5 * rate // 2]
    assert 0.28 < float(np.abs(middle).max()) < 0.33  # the tone's level, not silence or noise
    spectrum = np.abs(np.fft.rfft(middle))
    assert abs(float(np.fft.rfftfreq(len(middle), 1 / rate)[spectrum.argmax()]) - 440) < 2


def test_it_compresses_only_a_few_seconds_ahead_of_the_muxer() -> None:
    import av

    box = av.open("/dev/null", mode="w", format="mp4")
    try:
        stream = box.add_stream("aac", rate=48000)
        stream.layout = "stereo"
        box.start_encoding()
        sound = _Counting(10_000 * MIX_RATE)
        enc = SoundEncoder(stream, sound, lambda: False)
        time.sleep(1.0)  # nobody takes the packets meanwhile
        assert sound.made <= (AHEAD + 2) * MIX_RATE
        enc.close()
    finally:
        box.close()


def test_a_failure_of_the_mix_fails_the_render_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"song\.mp3: the audio is damaged"):
        _encode(tmp_path, _Counting(5 * MIX_RATE, fail_at=2 * MIX_RATE), 5)


def test_a_mix_still_being_prepared_is_waited_for(tmp_path: Path) -> None:
    import av

    late: Future[object] = Future()
    threading.Timer(0.3, late.set_result, [_Counting(2 * MIX_RATE)]).start()
    out = _encode(tmp_path, late, 2)
    with av.open(str(out)) as box:
        sound = np.concatenate([f.to_ndarray() for f in box.decode(audio=0)], axis=1)
    assert float(np.abs(sound).max()) > 0.25


def test_cancel_stops_the_sound_thread_at_once(tmp_path: Path) -> None:
    cancel = threading.Event()
    enc = Encoder(tmp_path / "o.mp4", W, H, FPS, _Counting(36_000 * MIX_RATE), cancel)
    frame = Planes.alloc(W, H)
    frame.fill_black()
    t0 = time.monotonic()
    try:
        with pytest.raises(RenderCancelled):
            for i in range(100_000):
                if i == 20:
                    cancel.set()
                enc.write(frame.buf)
    finally:
        enc.close()
    assert time.monotonic() - t0 < 2
    assert not any(t.name == "render-sound" and t.is_alive() for t in threading.enumerate())
