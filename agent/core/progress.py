"""Progress events at a pace a terminal (and a transcript) can take.

Uploads and downloads report every chunk; a person needs a bar that moves, not ten thousand
events. An update goes out when it moved by a percent or a quarter second passed, and always
at the start and the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.events import Event, Progress

__all__ = ["ProgressReporter"]


class ProgressReporter:
    def __init__(
        self, emit: Callable[[Event], None], task: str, label: str, *, every: float = 0.25
    ) -> None:
        self._emit = emit
        self.task = task
        self.label = label
        self._every = every
        self._last_time = 0.0
        self._last_fraction = -1.0
        self._total: float | None = None

    def update(
        self, completed: float, total: float | None = None, *, label: str | None = None
    ) -> None:
        if label is not None:
            self.label = label
        if total is not None:
            self._total = total
        now = time.monotonic()
        fraction = completed / self._total if self._total else 0.0
        if fraction - self._last_fraction < 0.01 and now - self._last_time < self._every:
            return
        self._last_time, self._last_fraction = now, fraction
        self._emit(
            Progress(task=self.task, label=self.label, completed=completed, total=self._total)
        )

    def done(
        self, completed: float | None = None, *, label: str | None = None, failed: bool = False
    ) -> None:
        if label is not None:
            self.label = label
        final = completed if completed is not None else (self._total or 0.0)
        self._emit(
            Progress(
                task=self.task,
                label=self.label,
                completed=final,
                total=self._total,
                done=True,
                failed=failed,
            )
        )
