"""`/batch PHOTO… -- INSTRUCTION` in the chat: the same batch, shown as the chat's own events.

The root hands the conversation a `batch_command` made here (the core cannot import its
consumers). Items run exactly as with `nemo-chat batch` — own sessions, the manifest in the
output folder, at most `jobs` at once — and their progress is told as events the terminal
already draws: a bar per running item, an overall bar, a line per finished item, the table.
In the chat, Ctrl-C cancels the running items (the chat's Ctrl-C stops a turn); finished
videos are kept and running `/batch` again does the rest.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agent.events import Event, Notice, Progress, Table
from agent.messages import t

from .app import Outcome, check_writable, prepare
from .args import BatchOptions
from .display import clean, clock, columns, result_rows, state_text, summary
from .manifest import Manifest
from .plan import Item
from .runner import BatchRunner
from .spec import SpecError

__all__ = ["EventDisplay", "make_batch_command", "parse_chat_batch"]


def parse_chat_batch(args: str) -> tuple[list[str], str] | None:
    """("PHOTO…", "INSTRUCTION") from `a.jpg "b c.png" -- make it move`, or None."""
    left, sep, right = args.partition(" -- ")
    if not sep and args.strip().startswith("-- "):
        left, right = "", args.strip()[3:]
    try:
        photos = shlex.split(left)
    except ValueError:
        photos = left.split()
    instruction = right.strip()
    if not photos or not instruction:
        return None
    return photos, instruction


class EventDisplay:
    """The batch's progress as chat events (the Display protocol of `display.py`)."""

    def __init__(self, items: list[Item], lang: str, emit: Callable[[Event], None]) -> None:
        self.items = items
        self.lang = lang
        self.emit = emit
        self.started = time.monotonic()

    def _overall(self, done: bool = False) -> None:
        total = len(self.items)
        finished = sum(1 for i in self.items if i.finished_state)
        running = sum(1 for i in self.items if i.started is not None and not i.finished_state)
        label = t("batch.overall", self.lang, done=finished, total=total, running=running,
                  elapsed=clock(time.monotonic() - self.started))
        self.emit(Progress(task="batch", label=label, completed=finished, total=total, done=done))

    def changed(self, item: Item) -> None:
        task = f"batch:{item.index}"
        if item.finished_state:
            self.emit(Progress(task=task, label=clean(item.label, 60), completed=100, total=100,
                               done=True))
            if item.state != "skipped":
                line = f"{clean(item.label, 60)}: {state_text(item, self.lang)}"
                if item.path:
                    line += f" → {clean(item.path)}"
                self.emit(Notice(text=line, level="success" if item.done else "warning"))
        else:
            label = f"{clean(item.label, 40)} · {state_text(item, self.lang)}"
            self.emit(Progress(task=task, label=label, completed=item.percent or 0, total=100))
        self._overall()

    def note(self, text: str, style: str = "") -> None:
        self.emit(Notice(text=clean(text, 2000), level="warning" if style else "info"))

    def close(self) -> None:
        self._overall(done=True)

    def table(self, items: list[Item], elapsed: float) -> None:
        self.emit(Table(title=t("batch.table.title", self.lang), columns=columns(self.lang),
                        rows=result_rows(items, self.lang)))
        self.emit(Notice(text=summary(items, elapsed, self.lang)))


def make_batch_command(
    client: Any, settings: Any, emit: Callable[[Event], None], lang: Callable[[], str], jobs: int,
) -> Callable[[str], Awaitable[bool]]:
    """The conversation's `/batch` over the chat's client and settings."""

    async def batch(args: str) -> bool:
        from agent.core import run_batch_item

        say = lang()
        parsed = parse_chat_batch(args)
        if parsed is None:
            emit(Notice(text=t("batch.chat.usage", say)))
            return False
        photos, instruction = parsed
        folder = Path(settings.out_dir)
        problem = await asyncio.to_thread(check_writable, folder)
        if problem is not None:
            emit(Notice(text=t("batch.out_not_writable", say, path=folder, error=problem),
                        level="warning"))
            return False
        opts = BatchOptions(photos=photos, instruction=instruction, jobs=jobs)
        try:
            items = await asyncio.to_thread(prepare, opts, folder, say)
        except SpecError as exc:
            for line in exc.problems:
                emit(Notice(text=clean(line, 1000), level="warning"))
            return False
        display = EventDisplay(items, say, emit)
        outcome = Outcome()
        started = time.monotonic()
        if any(item.state == "queued" for item in items):
            from .app import item_runner, record_item

            def changed(item: Item) -> None:
                display.changed(item)
                if item.state == "not started":
                    record_item(manifest, item)

            manifest = Manifest(folder)
            runner: BatchRunner | None = None

            def get_runner() -> BatchRunner:
                assert runner is not None
                return runner

            try:
                run_one = item_runner(
                    _Conn(client, settings), display, lambda item: record_item(manifest, item),
                    say, outcome, run_batch_item, get_runner)
                runner = BatchRunner(items, jobs, run_one, changed)
                await runner.run()
            finally:
                manifest.close()
                display.close()
        display.table(items, time.monotonic() - started)
        for line in outcome.credits_note:
            if line:
                emit(Notice(text=clean(line, 2000), level="warning"))
        return all(item.done for item in items)

    return batch


class _Conn:
    def __init__(self, client: Any, settings: Any) -> None:
        self.client = client
        self.settings = settings
