"""A sound track read a few seconds ahead, on a thread of its own.

Why: the encoder thread asked the mix for each second of sound between two video frames, so
synthesising and limiting the music (~0.3 CPU-s for 30 s) ran in series with x264 on that one
thread, while a draft-quality preview leaves the drawing thread (and so a core) mostly idle.
Reading ahead moves that work beside the encoder. Memory stays bounded: at most `depth` blocks
of `block` samples wait in the queue, whatever the video's length.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import numpy as np

from .errors import RenderCancelled

_WAIT = 0.05  # seconds between looks at the stop flags while waiting


class ReadAhead:
    """`read(n)` / `len()` like the sound it wraps (the encoder's `Sound`), made on a thread."""

    def __init__(self, sound: object, cancelled: Callable[[], bool], *, block: int = 48_000,
                 depth: int = 3) -> None:
        self._sound = sound
        self._len = len(sound)  # type: ignore[arg-type]
        self._cancelled = cancelled
        self._block = block
        self._queue: queue.Queue[np.ndarray | BaseException] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        self._buf = np.zeros((0, 2), np.float32)
        self._thread = threading.Thread(target=self._run, name="render-sound", daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        return self._len

    def _stopped(self) -> bool:
        return self._closed.is_set() or self._cancelled()

    def _put(self, item: np.ndarray | BaseException) -> bool:
        while not self._stopped():
            try:
                self._queue.put(item, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        made = 0
        try:
            while made < self._len:
                n = min(self._block, self._len - made)
                if not self._put(self._sound.read(n)):  # type: ignore[attr-defined]
                    return
                made += n
        except BaseException as exc:  # handed to the reader, which raises it
            self._put(exc)

    def read(self, n: int) -> np.ndarray:
        parts = [self._buf]
        have = len(self._buf)
        while have < n:
            try:
                item = self._queue.get(timeout=_WAIT)
            except queue.Empty:
                if self._stopped():
                    raise RenderCancelled() from None
                continue
            if isinstance(item, BaseException):
                raise item
            parts.append(item)
            have += len(item)
        joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._buf = joined[n:]
        return joined[:n]

    def close(self) -> None:
        """Stop reading ahead (the render ended, however it ended)."""
        self._closed.set()
        self._thread.join(1.0)
