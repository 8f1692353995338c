"""Loudness (ITU-R BS.1770 / EBU R128), the volume taper, fade shapes and the peak limiter.

Why loudness and not amplitude: a music bed mixed at "15 %" of its sample level measured
-37 dB and a person heard no music. Music is now set by its integrated loudness: at the editor's
default volume it plays at TARGET_LUFS (streaming services normalise to about -14; a bed sits a
little under), whatever level the file or the generator produced.

The meter follows BS.1770-4: K-weighting, 400-ms blocks every 100 ms, an absolute gate at
-70 LUFS and a relative one 10 LU under the ungated mean. The K filter is applied as its exact
magnitude response on the spectrum of each 100-ms piece (energy is all the meter keeps, and by
Parseval the spectrum gives it), so it needs numpy only; it agrees with FFmpeg's ebur128 within
~0.3 LU on music (`tests/render/test_loudness.py` compares them).
"""

from __future__ import annotations

import math

import numpy as np

RATE = 48000
TARGET_LUFS = -16.0
DEFAULT_VOLUME = 0.35  # the editor's volume for music it adds (backend/editor/apply.py)
DB_PER_UNIT = 30.0  # the editor steps "quieter"/"louder" by 0.2: 6 dB a step
MAX_BOOST_DB = 8.0  # -8 LUFS at most: louder is only the limiter squashing it
FLOOR_VOLUME = 0.05  # below this the taper goes linearly to silence at 0
CEILING = 10 ** (-1.5 / 20)  # sample-peak ceiling: -1.5 dBFS keeps true peaks under -1 dBTP
PIECE = RATE // 10  # 100 ms

# BS.1770 K-weighting at 48 kHz: a high shelf (+4 dB above ~1.5 kHz), then a high-pass (~38 Hz)
_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


def _k_power(n: int) -> np.ndarray:
    """|H_K|^2 at the rfft bins of an n-sample piece."""
    w = np.exp(-1j * 2 * np.pi * np.fft.rfftfreq(n))  # z^-1 on the unit circle
    h = np.ones_like(w)
    for b, a in (_SHELF, _HIGHPASS):
        h *= (b[0] + b[1] * w + b[2] * w * w) / (a[0] + a[1] * w + a[2] * w * w)
    return np.abs(h) ** 2


_K = _k_power(PIECE)


class Meter:
    """Integrated loudness of stereo float samples fed in any chunk sizes."""

    def __init__(self) -> None:
        self._rest = np.zeros((0, 2), np.float32)
        self._pieces: list[float] = []  # K-weighted mean square (L + R) of each 100-ms piece

    def add(self, x: np.ndarray) -> None:
        data = np.concatenate([self._rest, x]) if len(self._rest) else x
        whole = len(data) // PIECE * PIECE
        if whole:
            spec = np.fft.rfft(data[:whole].reshape(-1, PIECE, 2), axis=1)
            energy = (np.abs(spec) ** 2 * _K[None, :, None]).sum(axis=(1, 2))
            # Parseval for rfft: double every bin but DC and Nyquist
            edge = (np.abs(spec[:, 0]) ** 2 * _K[0] + np.abs(spec[:, -1]) ** 2 * _K[-1]).sum(axis=1)
            self._pieces.extend(((2 * energy - edge) / PIECE / PIECE).tolist())
        self._rest = np.array(data[whole:], np.float32)

    def integrated(self) -> float:
        """LUFS, or -inf for silence (or less than 400 ms of sound)."""
        p = np.asarray(self._pieces)
        if len(p) < 4:
            return -math.inf
        blocks = (p[:-3] + p[1:-2] + p[2:-1] + p[3:]) / 4  # 400 ms, every 100 ms
        loud = -0.691 + 10 * np.log10(np.maximum(blocks, 1e-20))
        gated = blocks[loud > -70.0]
        if not len(gated):
            return -math.inf
        rel = -0.691 + 10 * math.log10(float(gated.mean())) - 10.0
        gated = blocks[(loud > -70.0) & (loud > rel)]
        return -0.691 + 10 * math.log10(float(gated.mean()))


def loudness(x: np.ndarray) -> float:
    m = Meter()
    m.add(np.asarray(x, np.float32))
    return m.integrated()


def volume_db(vol: float) -> float:
    """The gain, relative to TARGET_LUFS, of a music volume (0..2, the editor's 0..100 %).

    Linear in dB (30 dB per unit) around the default, so each of the editor's "quieter" steps
    (-0.2) is the same clear ~6 dB; capped at +8 dB; from FLOOR_VOLUME down to 0 it falls to
    silence (returned as -inf)."""
    if vol <= 0:
        return -math.inf
    db = min(MAX_BOOST_DB, DB_PER_UNIT * (max(vol, FLOOR_VOLUME) - DEFAULT_VOLUME))
    if vol < FLOOR_VOLUME:
        db += 20 * math.log10(vol / FLOOR_VOLUME)
    return db


def fade_shape(p: np.ndarray) -> np.ndarray:
    """Amplitude for fade progress p (0 silent .. 1 full): p^(5/3). Loudness goes as amplitude
    to the 0.6 (Stevens' power law: "half as loud" is about -10 dB), so the perceived level
    rises or falls evenly, instead of a linear ramp's sudden start and long-held tail."""
    return np.power(np.clip(p, 0.0, 1.0), 5.0 / 3.0)


class Limiter:
    """A look-ahead peak limiter over a stream of chunks: the gain drops *before* a peak (no
    clipping, no overshoot) and recovers over LOOK samples. It needs the next chunk to finish
    the current one, so `push` returns the previous chunk (None at first)."""

    LOOK = 240  # 5 ms

    def __init__(self, ceiling: float = CEILING) -> None:
        self.ceiling = ceiling
        self._prev: np.ndarray | None = None
        self._tail = np.zeros((0, 2), np.float32)  # the last 2*LOOK samples before _prev

    def push(self, chunk: np.ndarray | None) -> np.ndarray | None:
        """Feed the next chunk (None at the end); get the limited previous one."""
        prev, self._prev = self._prev, chunk
        if prev is None:
            return None
        look = self.LOOK
        ahead = chunk[: 2 * look] if chunk is not None else np.zeros((0, 2), np.float32)
        ctx = np.concatenate([self._tail, prev, ahead])
        self._tail = np.concatenate([self._tail, prev])[-2 * look :]
        peak = np.maximum(np.abs(ctx[:, 0]), np.abs(ctx[:, 1]))  # a max along a 2-wide axis is 10x slower
        if float(peak.max(initial=0.0)) <= self.ceiling:
            return prev
        import cv2

        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-9)).astype(np.float32)
        # the lowest need within +-LOOK, averaged over +-LOOK/2: at every sample the gain is at
        # most what that sample needs, and it moves smoothly
        low = cv2.erode(need[None, :], np.ones((1, 2 * look + 1), np.uint8),
                        borderType=cv2.BORDER_REPLICATE)
        gain = cv2.blur(low, (look + 1, 1), borderType=cv2.BORDER_REPLICATE)[0]
        start = len(ctx) - len(ahead) - len(prev)
        out = prev * gain[start : start + len(prev), None]
        return np.clip(out, -self.ceiling, self.ceiling)
