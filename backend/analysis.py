"""Photos are examined when they arrive, not when they are first rendered.

Where a photo's subject is (`render/subject.py`: faces, else its salient region) is needed by
every render that moves or crops it. Found inside the render's own process, it cost the first
preview of new photos scikit-image's import and a detection per photo (~0.5 s of a ~1.3-s
preview here) while the frame loop waited for its first still. Here one helper thread examines
each uploaded picture while the person types their next message, and keeps the result in the
data folder (`analysis/`), by a hash of the photo's bytes, where every render looks first. A
render that starts before the helper is done simply examines the photo itself.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

LOOK_SIZE = (640, 640)  # decoded at least this large (JPEGs at 1/2^k): the detector sees 320 px


class Analyst:
    """Examines uploaded pictures one at a time on a thread of its own."""

    def __init__(self, folder: Path, *, enabled: bool = True) -> None:
        self.folder = folder
        self.enabled = enabled
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def submit(self, path: Path) -> None:
        """Examine the picture at `path` soon (never raises: framing is a nicety)."""
        if not self.enabled:
            return
        with self._lock:
            if self._stopped:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="photo-analysis")
            self._pool.submit(self._examine, path)

    def _examine(self, path: Path) -> None:
        try:
            from backend.render.errors import RenderError
            from backend.render.pictures import open_still
            from backend.render.subject import find_subject

            try:
                img = open_still(path, path.name, LOOK_SIZE)
            except RenderError:
                return  # the renderer will say what is wrong with it, in the person's words
            find_subject(img, path, folder=self.folder)
        except Exception:  # never let a helper thread's failure reach anyone
            log.exception("examining %s failed", path.name)

    def stop(self) -> None:
        """Drop what waits; a photo being examined finishes on its own (a fraction of a second)."""
        with self._lock:
            self._stopped = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
