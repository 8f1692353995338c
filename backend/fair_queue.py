"""The render queue: round-robin over sessions, so one busy session cannot starve the others.

A plain FIFO let a session that queued five exports hold every later session's export behind
all five. Here each session has its own line, and the workers take the first job of the
session that has waited longest for a turn; a session served goes to the back of the round
(if it has more waiting), a session that had nothing waiting joins at the back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque


class FairQueue:
    """Thread-safe; `get()` blocks until a job is waiting or the queue is closed (-> None)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._lines: OrderedDict[str, deque[str]] = OrderedDict()
        self._closed = False

    def put(self, session_id: str, job_id: str) -> None:
        with self._cond:
            self._lines.setdefault(session_id, deque()).append(job_id)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> str | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._lines or self._closed, timeout):
                return None
            if self._closed:
                return None
            session_id, line = self._lines.popitem(last=False)
            job_id = line.popleft()
            if line:
                self._lines[session_id] = line  # back of the round
            return job_id

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return sum(len(line) for line in self._lines.values())
