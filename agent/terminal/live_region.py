"""The live region at the bottom of the screen while a turn runs.

It holds only what is still changing: the unfinished tail of the reply (its last lines),
the progress bars and a spinner with the status and its elapsed time. It is transient:
what it showed is cleared, never left behind, because finished text is printed above it
once by the renderer. rich's `Live` and `Progress` are imported when first needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.spinner import Spinner
from rich.text import Text

from agent.messages import t
from agent.terminal.rich_lines import markdown, strip_line

if TYPE_CHECKING:
    from rich.live import Live
    from rich.progress import Progress, TaskID

    from agent import events as ev

TAIL_MAX_LINES = 8  # the unfinished block shown live: its last lines only
_BYTE_TASKS = ("upload:", "download:")  # the core's task names whose numbers are bytes


class LiveRegion:
    """Status, bars and the reply's tail; `sync()` after each change shows or hides it."""

    def __init__(self, console: Console, lang: Callable[[], str]) -> None:
        self.console = console
        self._lang = lang
        self.tail = ""  # the unfinished text of the reply (the renderer keeps it up to date)
        self._live: Live | None = None
        self._status: str | None = None
        self._spinner: Spinner | None = None
        self._status_since = 0.0
        self._bars: Progress | None = None  # made at the first progress event
        self._tasks: dict[str, TaskID] = {}

    @property
    def running(self) -> bool:
        return self._live is not None

    # -- what it holds ----------------------------------------------------------------------
    def set_status(self, text: str | None) -> None:
        if text is None:
            self._status = None
            self._spinner = None
            return
        if self._status is None:
            self._status_since = time.monotonic()
            self._spinner = Spinner("dots", style="cyan")
        self._status = text

    @property
    def status(self) -> str | None:
        return self._status

    @property
    def _progress(self) -> Progress:
        if self._bars is None:
            self._bars = _make_progress(self.console)
        return self._bars

    def progress(self, event: ev.Progress) -> bool:
        """Start, move or end the bar of `event.task`; False when there was nothing to end."""
        task = self._tasks.get(event.task)
        if event.done:
            if task is None:
                return False
            self._progress.remove_task(task)
            del self._tasks[event.task]
            return True
        if task is None:
            counts_bytes = event.task.startswith(_BYTE_TASKS) and event.task != "upload:urls"
            task = self._progress.add_task(event.label, total=event.total, bytes=counts_bytes)
            self._tasks[event.task] = task
        self._progress.update(
            task, description=event.label, completed=event.completed, total=event.total
        )
        return True

    def bar_text(self, name: str) -> str | None:
        """ "Rendering… 12 s  45%": one bar as a line of text (the prompt's bottom bar)."""
        task_id = self._tasks.get(name)
        if task_id is None:
            return None
        task = next((x for x in self._progress.tasks if x.id == task_id), None)
        if task is None:
            return None
        return task.description + (f"  {int(task.percentage)}%" if task.total else "")

    def clear(self) -> None:
        """The turn is over: no status, no bars (the tail is the renderer's to commit)."""
        self.set_status(None)
        for task in self._tasks.values():
            self._progress.remove_task(task)
        self._tasks.clear()

    # -- on screen ------------------------------------------------------------------------
    def _view(self) -> RenderableType:
        parts: list[RenderableType] = []
        if self.tail.strip():
            parts.append(_Tail(self.tail))
        if self._tasks:
            parts.append(self._progress.make_tasks_table(self._progress.tasks))
        if self._status is not None and self._spinner is not None:
            elapsed = int(time.monotonic() - self._status_since)
            label = Text(self._status, style="dim")
            if elapsed >= 1:
                label.append(" · " + t("ui.elapsed", self._lang(), seconds=elapsed), style="dim")
            self._spinner.update(text=label)
            parts.append(self._spinner)
        return Group(*parts)

    def _wanted(self) -> bool:
        return bool(self.tail.strip() or self._tasks or self._status is not None)

    def sync(self, idle: bool) -> None:
        """Show the region when there is something to show (never while the prompt is up)."""
        if idle or not self.console.is_terminal or not self._wanted():
            self.stop()
            return
        if self._live is None:
            from rich.live import Live

            self._live = Live(
                console=self.console,
                get_renderable=self._view,
                transient=True,
                auto_refresh=True,
                refresh_per_second=10,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        else:
            self._live.refresh()

    def stop(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()


def _make_progress(console: Console) -> Progress:
    """The progress bars; rich.progress is imported at the first bar, not at start-up."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        Task,
        TaskProgressColumn,
        TextColumn,
    )

    class _BytesColumn(DownloadColumn):
        """ "1.2/3.4 MB" for file transfers; nothing for percentages (a render)."""

        def render(self, task: Task) -> Text:
            return super().render(task) if task.fields.get("bytes") else Text("")

    return Progress(
        TextColumn("{task.description}", markup=False),  # a file name is not markup
        BarColumn(bar_width=30),
        TaskProgressColumn(),
        _BytesColumn(),
        console=console,
        auto_refresh=False,
        expand=False,
    )


class _Tail:
    """The unfinished block of the reply, rendered as Markdown, last lines only."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(markdown(self.text), options, pad=False)
        limit = max(2, min(TAIL_MAX_LINES, (options.height or console.height) // 2))
        for line in lines[-limit:]:
            yield from strip_line(line)
            yield Segment.line()
