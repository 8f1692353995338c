"""The scheduler: at most `jobs` items at once, the rest waiting as plain data.

`jobs` workers take the next item from one shared iterator: a bounded queue in effect, with
no task, session or buffer for an item before its turn — memory stays flat at 200 items as at
20. `stop_starting()` (first Ctrl-C, or no credits) lets running items finish and starts no
more; `cancel_running()` (second Ctrl-C) cancels them too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

from .plan import Item

__all__ = ["BatchRunner", "RunOne"]

# run one item to its end (sets the item's state; never raises but CancelledError)
RunOne = Callable[[Item], Awaitable[None]]


class BatchRunner:
    def __init__(self, items: list[Item], jobs: int, run_one: RunOne,
                 on_change: Callable[[Item], None]) -> None:
        self.items = items
        self.jobs = max(1, jobs)
        self._run_one = run_one
        self._on_change = on_change
        self.stop_reason: str | None = None
        self._workers: list[asyncio.Task[None]] = []
        self.started_at = time.monotonic()

    def stop_starting(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def cancel_running(self) -> None:
        self.stop_starting("cancelled")
        for task in self._workers:
            task.cancel()

    async def run(self) -> None:
        todo = iter([item for item in self.items if item.state == "queued"])
        count = min(self.jobs, sum(1 for item in self.items if item.state == "queued"))
        self._workers = [asyncio.create_task(self._worker(todo)) for _ in range(count)]
        try:
            # a worker cancelled by cancel_running() is a result here; this task cancelled
            # (the chat's Ctrl-C) cancels every worker and goes on being cancelled
            await asyncio.gather(*self._workers, return_exceptions=True)
        finally:
            for item in self.items:  # what never started
                if item.state == "queued":
                    item.state = "not started"
                    item.reason = self.stop_reason or ""
                    self._on_change(item)

    async def _worker(self, todo: Iterator[Item]) -> None:
        for item in todo:
            if self.stop_reason is not None:
                return
            await self._run_one(item)
