"""How fast a backend renders, learned from the renders it made: "about 9 s" before the next.

Kept per backend (its address) and quality as seconds of waiting per second of video, an
average that leans towards the latest render (a machine gets busier or quieter), in a small
JSON file beside the preview cache, written to a temporary name and renamed. The wait is
measured by the client from submit to "completed", so it includes the queue and the polling
step: what a person actually waits, which is what the estimate is for.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from pathlib import Path

__all__ = ["RenderSpeed", "remaining"]

WEIGHT = 0.5  # of the latest render in the running average
MAX_ENTRIES = 40  # backends x qualities remembered; the least recently used go


def _default_path() -> Path:
    from .cache import default_root

    return default_root().parent / "render-speed.json"


class RenderSpeed:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else _default_path()

    def _read(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items()
                if isinstance(v, dict) and isinstance(v.get("rate"), int | float)}

    def estimate(self, backend: str, quality: str, duration: float | None) -> float | None:
        """Seconds this render should take, or None before the first one of its kind."""
        if not duration or duration <= 0:
            return None
        entry = self._read().get(f"{quality} {backend}")
        return None if entry is None else float(entry["rate"]) * duration

    def record(self, backend: str, quality: str, duration: float | None, seconds: float) -> None:
        if not duration or duration <= 0 or seconds <= 0:
            return
        data = self._read()
        key = f"{quality} {backend}"
        rate = seconds / duration
        old = data.get(key)
        if old is not None:
            rate = WEIGHT * rate + (1 - WEIGHT) * float(old["rate"])
        data[key] = {"rate": round(rate, 4), "used": time.time()}
        if len(data) > MAX_ENTRIES:
            for stale in sorted(data, key=lambda k: data[k].get("used", 0.0))[: len(data) - MAX_ENTRIES]:
                del data[stale]
        part = self.path.with_name(f".{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            part.write_text(json.dumps(data), encoding="utf-8")
            os.replace(part, self.path)
        except OSError:
            pass  # an estimate is a nicety: a read-only or full disk only loses it
        finally:
            with contextlib.suppress(OSError):
                part.unlink()


def remaining(elapsed: float, progress: float) -> float | None:
    """Seconds left at this pace (None until the render has made some progress)."""
    if progress < 5 or progress >= 100 or elapsed <= 0:
        return None
    return elapsed * (100 - progress) / progress
