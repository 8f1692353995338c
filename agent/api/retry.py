"""When and how long to wait before trying a call again (Stainless-style policy)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

__all__ = ["TRANSIENT_STATUSES", "backoff_delay", "parse_retry_after"]

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def backoff_delay(
    retries_done: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """About base·2ⁿ capped at `cap`, shortened by up to a quarter so clients spread out."""
    jitter = 1.0 - 0.25 * (rng or random).random()
    return min(base * (2.0**retries_done), cap) * jitter


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds asked for by `retry-after-ms`, `Retry-After` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))
