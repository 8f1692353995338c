"""The sound track compressed to AAC on a thread of its own, a few seconds ahead of the picture.

Why a thread of its own: FFmpeg's AAC encoder is not cheap on music. On the bench's generated
bed it took 0.77 CPU-s per 30 s ("fast" coder, 160 kb/s; 0.22 s for white noise of the same
length: tonal music makes its quantiser search longer), and it ran on the encoder thread between
two video frames, in series with x264's frame hand-over and after the mix. In a draft-quality
preview, whose 360p frames x264 compresses in a fraction of that, the sound was the critical
path: the same 30-s draft took 1.55 s with its music and 0.65 s without. Here the mix is read
and compressed beside the picture; the encoder thread only muxes the packets that are ready
(FFmpeg's interleaving muxer orders them by time).

Memory stays bounded whatever the video's length: at most `AHEAD` seconds of compressed sound
wait in the queue, and the mix itself is made a second at a time (`audio.Mix`).

`rate` below 48 kHz (a draft) resamples the 48-kHz mix with libswresample before encoding:
half the AAC work at 24 kHz for a preview whose sound is a guide, not the deliverable.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from .errors import RenderCancelled, RenderError

MIX_RATE = 48000  # the mix's own rate (audio.RATE)
AHEAD = 4  # seconds of compressed sound that may wait for the muxer
_WAIT = 0.1  # seconds between looks at the stop flags while waiting
_END = object()


class Sound(Protocol):
    """A sound track made as it is read (`audio.Mix`): its length, then its samples in order."""

    def __len__(self) -> int: ...

    def read(self, n: int) -> np.ndarray: ...


class SoundEncoder:
    """Reads `sound` (48 kHz stereo float, or a Future of it) and encodes it into `stream`.

    `ready()` hands over the packets made so far without waiting; `rest()` waits for the end;
    both raise what the mix or the encoder raised. `close()` stops the thread at any time."""

    def __init__(self, stream: Any, sound: np.ndarray | Sound | Future[Any],
                 cancelled: Callable[[], bool]) -> None:
        self._stream = stream
        self._sound = sound
        self._cancelled = cancelled
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-sound", daemon=True)
        self._thread.start()

    # -- the sound thread

    def _stopped(self) -> bool:
        return self._stop.is_set() or self._cancelled()

    def _put(self, item: Any) -> bool:
        while not self._stopped():
            try:
                self._queue.put(item, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def _resolve(self) -> np.ndarray | Sound | None:
        sound = self._sound
        if not isinstance(sound, Future):
            return sound
        while not self._stopped():
            try:
                return sound.result(timeout=_WAIT)
            except FutureTimeout:
                continue
        return None

    def _frames(self, sound: np.ndarray | Sound) -> Iterator[Any]:
        """The mix as audio frames at the stream's rate, a second at a time, then the
        resampler's last samples (numbered here, so resampled timestamps never drift)."""
        import av

        rate = int(self._stream.rate or MIX_RATE)
        resampler = None if rate == MIX_RATE else av.AudioResampler(
            format="fltp", layout="stereo", rate=rate)
        total, made = len(sound), 0
        for read in range(0, total, MIX_RATE):
            n = min(MIX_RATE, total - read)
            part = sound[read : read + n] if isinstance(sound, np.ndarray) else sound.read(n)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(part.T, dtype=np.float32),
                                               format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = MIX_RATE, read, Fraction(1, MIX_RATE)
            if resampler is None:
                yield frame
                continue
            for out in resampler.resample(frame):
                out.pts, out.time_base = made, Fraction(1, rate)
                made += out.samples
                yield out
        if resampler is not None:
            for out in resampler.resample(None):
                out.pts, out.time_base = made, Fraction(1, rate)
                made += out.samples
                yield out

    def _run(self) -> None:
        import av

        try:
            sound = self._resolve()
            if sound is None:
                return
            for frame in self._frames(sound):
                if self._stopped():
                    return
                packets = list(self._stream.encode(frame))
                if packets and not self._put(packets):
                    return
            self._put(list(self._stream.encode(None)))
            self._put(_END)
        except (av.FFmpegError, ValueError) as exc:
            self._put(RenderError(f"the sound could not be encoded ({exc})"))
        except BaseException as exc:  # the mix's own errors (RenderError, RenderCancelled), bugs
            self._put(exc)

    # -- the encoder thread

    def _take(self, item: Any, into: list[Any]) -> bool:
        """Add a queue item's packets to `into`; True at the end of the sound."""
        if item is _END:
            self._queue.put(_END)  # stays the last item: later calls see the end too
            return True
        if isinstance(item, BaseException):
            self._queue.put(item)  # every later call raises it again
            raise item
        into.extend(item)
        return False

    def ready(self) -> list[Any]:
        """The packets encoded so far (maybe none); never waits."""
        out: list[Any] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out
            if self._take(item, out):
                return out

    def rest(self, check: Callable[[], None]) -> list[Any]:
        """Every packet still to come, waiting for the sound thread; `check` raises to give up."""
        out: list[Any] = []
        while True:
            check()
            try:
                item = self._queue.get(timeout=_WAIT)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    if self._cancelled():
                        raise RenderCancelled() from None
                    raise RenderError("the sound encoder stopped unexpectedly") from None
                continue
            if self._take(item, out):
                return out

    def close(self) -> None:
        """Stop the thread (the render ended, however it ended)."""
        self._stop.set()
        self._thread.join(5.0)
