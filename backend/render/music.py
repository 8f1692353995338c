"""A generated music bed (`gen` on the audio track): soft chords, bass and a light beat.

Deterministic for a given (style, bpm, seed) and made entirely with numpy, so an offline render
has pleasant music without shipping any recordings. Styles: "calm" (pads and a slow bell
arpeggio, no drums), "upbeat" (brighter, plucked arpeggio, kick and hats), "lofi" (warm low-passed
chords, lazy kick/snare, a little vinyl noise). It is made a bar at a time (`bed_chunks`), so a
10-minute bed never sits in memory whole; the renderer sets its level by loudness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from backend.draft import MusicBed

from .errors import RenderCancelled

RATE = 48000

# Chord progressions as scale degrees (0 = I) of a major key; minor chords come from the scale.
_PROGRESSIONS = ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (3, 0, 4, 5), (1, 4, 0, 5))
_SCALE = (0, 2, 4, 5, 7, 9, 11)


def _hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def _chord(root_midi: int, degree: int) -> list[int]:
    notes = []
    for step in (0, 2, 4):
        i = degree + step
        notes.append(root_midi + _SCALE[i % 7] + 12 * (i // 7))
    return notes


def _sine(freq: float, n: int) -> np.ndarray:
    """sin(2 pi freq t) for n samples. The phase is counted in whole cycles in float64 and only
    its fraction goes to a float32 sine: numpy's float32 sine is ~20x faster than its float64
    one (the bed's notes were half of a render's sound CPU), and the fraction keeps the phase
    exact however long the note (a float32 phase would drift by 1e-3 rad within seconds)."""
    cycles = np.arange(n, dtype=np.float64) * (freq / RATE)
    cycles -= np.floor(cycles)
    return np.sin(cycles.astype(np.float32) * np.float32(2 * np.pi))


def _tone(freq: float, n: int, bright: float, detune: float = 0.0) -> np.ndarray:
    wave = _sine(freq, n).astype(np.float64)
    wave += bright * 0.35 * _sine(2 * freq, n)
    wave += bright * 0.12 * _sine(3 * freq, n)
    if detune:
        wave += _sine(freq * (1 + detune), n)
        wave *= 0.5
    return wave


def _env(n: int, attack: float, release: float) -> np.ndarray:
    a, r = max(1, int(attack * RATE)), max(1, int(release * RATE))
    env = np.ones(n)
    env[: min(a, n)] = np.linspace(0, 1, min(a, n))
    if r < n:
        env[n - r :] *= np.linspace(1, 0, r)
    return env


def _pluck(n: int, decay: float) -> np.ndarray:
    t = np.arange(n) / RATE
    return np.exp(-t / decay) * np.minimum(1.0, t / 0.004)


def _struck(freq: float, n: int, bright: float, decay: float, level: float) -> np.ndarray:
    """A plucked or struck note: a tone under a fast attack and an exponential decay."""
    return _tone(freq, n, bright) * _pluck(n, decay) * level


def _add(buf: np.ndarray, at: int, sig: np.ndarray) -> None:
    if at >= len(buf):
        return
    m = min(len(sig), len(buf) - at)
    buf[at : at + m] += sig[:m]


def music_bed(spec: MusicBed, seconds: float,
              cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """(n, 2) float32 stereo at 48 kHz, `seconds` long, peaks at 0.4 (-8 dBFS). The renderer
    streams `bed_chunks` instead and sets the level by loudness (see `loudness.py`)."""
    n = max(0, round(seconds * RATE))
    parts = list(bed_chunks(spec, seconds, cancelled))
    out = np.concatenate(parts) if parts else np.zeros((0, 2), np.float32)
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > 0:
        out *= np.float32(0.4 / peak)
    return out[:n].astype(np.float32, copy=False)


def bed_chunks(spec: MusicBed, seconds: float,
               cancelled: Callable[[], bool] | None = None) -> Iterator[np.ndarray]:
    """The bed a bar at a time ((bar, 2) float32 pieces, `seconds` in all, about 10-15 ms of
    work per second): memory holds three bars, however long the video."""
    n = max(0, round(seconds * RATE))
    rng = np.random.default_rng([spec.seed, spec.bpm, ("calm", "upbeat", "lofi").index(spec.style)])
    style = spec.style
    beat = 60.0 / spec.bpm
    bar = int(4 * beat * RATE)
    root = 48 + int(rng.integers(0, 12))  # C3..B3
    prog = _PROGRESSIONS[int(rng.integers(0, len(_PROGRESSIONS)))]
    bright = {"calm": 0.4, "upbeat": 1.0, "lofi": 0.25}[style]
    # a window of three bars: the current one, and the tails of its notes ringing into the next
    left = np.zeros(3 * bar)
    right = np.zeros(3 * bar)
    bars = n // bar + 1
    lowpass = _StreamLowpass(2500) if style == "lofi" else None
    fade = min(n // 2, int(0.5 * RATE))
    sent = 0
    # the progression repeats every 4 bars and the arpeggio draws from 3 notes a chord: each
    # sound is synthesised once and added wherever it recurs (a 30-s bed: 0.25-0.5 s of CPU
    # instead of 0.8; the samples are the same)
    memo: dict[tuple[object, ...], np.ndarray] = {}

    def once(key: tuple[object, ...], make: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in memo:
            memo[key] = make()
        return memo[key]

    for b in range(bars):
        if cancelled is not None and cancelled():
            raise RenderCancelled()
        degree = prog[b % len(prog)]
        notes = _chord(root, degree)
        at = 0  # this bar starts at the window's start
        length = int(bar * 1.15)  # chords overlap a little: no gaps

        def make_pad(notes: list[int] = notes, length: int = length) -> np.ndarray:
            pad = np.zeros(length)
            for i, note in enumerate(notes):
                pad += _tone(_hz(note + 12), length, bright, detune=0.0025 * (i + 1))
            pad *= _env(length, 0.35 if style != "upbeat" else 0.05, 0.4) * 0.09
            return pad

        pad = once(("pad", degree), make_pad)
        _add(left, at, pad)
        _add(right, at, pad)
        bass_note = _hz(notes[0] - 12)
        hits = (0, 2) if style != "upbeat" else (0, 1, 2, 3)
        for h in hits:
            m = int(beat * RATE * (2 if style != "upbeat" else 1))
            decay = 0.6 if style != "upbeat" else 0.25
            bass = once(("bass", bass_note), partial(_struck, bass_note, m, 0.3, decay, 0.22))
            _add(left, at + int(h * beat * RATE), bass)
            _add(right, at + int(h * beat * RATE), bass)
        # arpeggio: bell-like notes on eighths (calm: quarters), a pattern drawn from the seed
        step = beat / 2 if style == "upbeat" else beat
        count = int(4 * beat / step)
        pattern = rng.integers(0, 3, size=count)
        for k in range(count):
            if style == "lofi" and k % 2:
                continue
            m = int(beat * RATE * 1.5)
            freq = _hz(notes[int(pattern[k])] + 24)
            level = 0.05 if style != "upbeat" else 0.06
            bell = once(("bell", freq), partial(_struck, freq, m, 0.2, 0.35, level))
            pan = 0.3 + 0.4 * (k % 2)
            t0 = at + int(k * step * RATE)
            _add(left, t0, bell * (1 - pan))
            _add(right, t0, bell * pan)
        if style in ("upbeat", "lofi"):
            _drums(left, right, at, beat, style, rng)
        take = min(bar, n - sent)
        if take <= 0:
            break
        lo, ro = left[:take].copy(), right[:take].copy()
        left[:-bar], right[:-bar] = left[bar:].copy(), right[bar:].copy()
        left[-bar:], right[-bar:] = 0.0, 0.0
        if lowpass is not None:
            lo, ro = lowpass(lo, ro)
            crackle = (rng.random(take) < 0.0004) * rng.normal(0, 0.05, take)
            lo += crackle
            ro += crackle
        out = np.stack([lo, ro], axis=1)
        if fade:  # the bed's own 0.5-s ends, so a bed cut anywhere never clicks
            pos = np.arange(sent, sent + take)
            env = np.minimum(1.0, np.minimum(pos / fade, (n - pos) / fade))
            out *= env[:, None]
        sent += take
        yield out.astype(np.float32)


class _StreamLowpass:
    """A one-pole low-pass (as a short FIR, to stay vectorised) over consecutive pieces: the
    filter carries its history from one piece to the next."""

    def __init__(self, cutoff: float) -> None:
        k = np.exp(-2 * np.pi * cutoff / RATE)
        taps = k ** np.arange(int(RATE / cutoff * 4) + 1)
        self.taps = taps / taps.sum()
        self.hist = [np.zeros(len(taps) - 1), np.zeros(len(taps) - 1)]

    def __call__(self, lo: np.ndarray, ro: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for i, x in enumerate((lo, ro)):
            data = np.concatenate([self.hist[i], x])
            self.hist[i] = data[len(data) - (len(self.taps) - 1) :]
            out.append(np.convolve(data, self.taps, mode="valid"))
        return out[0], out[1]


def _drums(left: np.ndarray, right: np.ndarray, at: int, beat: float, style: str,
           rng: np.random.Generator) -> None:
    kick_n = int(0.35 * RATE)
    t = np.arange(kick_n) / RATE
    sweep = 50 + 70 * np.exp(-t / 0.04)
    kick = np.sin(2 * np.pi * np.cumsum(sweep) / RATE) * np.exp(-t / 0.12) * 0.35
    hat_n = int(0.05 * RATE)
    hat = np.diff(rng.normal(0, 1, hat_n + 1)) * np.exp(-np.arange(hat_n) / RATE / 0.012) * 0.03
    snare_n = int(0.2 * RATE)
    snare = rng.normal(0, 1, snare_n) * np.exp(-np.arange(snare_n) / RATE / 0.05) * 0.06
    b = int(beat * RATE)
    kicks = (0, 1, 2, 3) if style == "upbeat" else (0, 2.5)
    for k in kicks:
        _add(left, at + int(k * b), kick)
        _add(right, at + int(k * b), kick)
    if style == "upbeat":
        for k in range(4):
            _add(left, at + k * b + b // 2, hat * 0.8)
            _add(right, at + k * b + b // 2, hat)
    else:
        for k in (1, 3):
            _add(left, at + k * b, snare)
            _add(right, at + k * b, snare)
