"""The scheduler: never more than `jobs` items at once, and stopping as a person expects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent.batch.plan import Item
from agent.batch.runner import BatchRunner


def _items(n: int) -> list[Item]:
    return [Item(i, [Path(f"p{i}.png")], "animate") for i in range(1, n + 1)]


async def test_at_most_jobs_items_run_at_once_and_every_item_runs() -> None:
    items, running, peak = _items(12), 0, 0

    async def run_one(item: Item) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        item.state = "saved"

    runner = BatchRunner(items, 3, run_one, lambda item: None)
    await runner.run()
    assert peak == 3
    assert all(item.state == "saved" for item in items)
    assert len(asyncio.all_tasks()) == 1  # no task left behind


async def test_stop_starting_lets_running_items_finish_and_marks_the_rest() -> None:
    items = _items(5)
    runner: BatchRunner

    async def run_one(item: Item) -> None:
        if item.index == 2:  # both workers busy: Ctrl-C
            runner.stop_starting("Ctrl-C")
        await asyncio.sleep(0.01)
        item.state = "saved"

    runner = BatchRunner(items, 2, run_one, lambda item: None)
    await runner.run()
    assert [i.state for i in items] == ["saved", "saved", "not started", "not started",
                                        "not started"]
    assert items[4].reason == "Ctrl-C"


async def test_cancelling_the_batch_cancels_its_running_items() -> None:
    items, started = _items(4), asyncio.Event()
    cancelled: list[int] = []

    async def run_one(item: Item) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(item.index)
            raise

    runner = BatchRunner(items, 2, run_one, lambda item: None)
    task = asyncio.create_task(runner.run())
    await started.wait()
    await asyncio.sleep(0)
    task.cancel()  # the chat's Ctrl-C
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == [1, 2]
    assert [i.state for i in items[2:]] == ["not started", "not started"]
