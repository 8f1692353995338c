"""Lay out core events on a terminal with rich: Markdown replies, tables, bars, a spinner.

Streaming follows one rule: what is printed is never printed again. Finished Markdown
blocks are committed once (see `markdown_split`); a `Live` region, transient and kept
small, holds only the unfinished tail of the reply, the progress bars and a spinner with
the elapsed time. When the prompt is on screen (`idle`), nothing goes live: events are
printed as static lines above the prompt (prompt_toolkit's `patch_stdout`).

Colours: only the terminal's default foreground, `dim`, `bold` and the basic ANSI hues,
which terminal themes tune for both dark and light backgrounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.spinner import Spinner
from rich.table import Table as RichTable
from rich.text import Text

from agent.messages import t
from agent.terminal import cjk_wrap
from agent.terminal import formatting as fmt
from agent.terminal.markdown_split import split_finished

if TYPE_CHECKING:
    from rich.live import Live
    from rich.progress import Progress, TaskID

    from agent import events as ev
    from agent.events import Event

TAIL_MAX_LINES = 8  # the unfinished block shown live: its last lines only


def _strip_line(line: list[Segment]) -> list[Segment]:
    """Drop the padding rich adds to the right of a line (copying text keeps no spaces)."""
    out = list(line)
    while out:
        seg = out[-1]
        if seg.control or (seg.style is not None and seg.style.bgcolor is not None):
            break
        stripped = seg.text.rstrip(" ")
        if stripped:
            out[-1] = Segment(stripped, seg.style, seg.control)
            break
        out.pop()
    return out


def _is_blank(line: list[Segment]) -> bool:
    """Nothing visible: no text and no background (a code block's padding is visible)."""
    return not any(
        seg.text.strip() or (seg.style is not None and seg.style.bgcolor is not None)
        for seg in line
    )


class _Lines:
    """Pre-rendered lines printed as they are (no second layout pass)."""

    def __init__(self, lines: Iterable[list[Segment]]) -> None:
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()


class RichRenderer:
    """The event sink for a terminal. Call `close()` (or `settle()`) when a turn ends."""

    def __init__(self, console: Console, lang: str = "en", *, debug: bool = False) -> None:
        cjk_wrap.install()  # Chinese wraps between characters, not only at spaces
        self.console = console
        self.lang = lang
        self.debug = debug
        self.idle = False  # True while the prompt is on screen: print statically
        self._live: Live | None = None
        self._pending = ""  # streamed text not yet committed
        self._step_committed = ""  # committed text of the current step (for TextReplace)
        self._reply_started = False  # a block of this reply was already committed
        self._status: str | None = None
        self._spinner: Spinner | None = None
        self._status_since = 0.0
        self._bars: Progress | None = None  # made at the first progress event (rich.progress)
        self._tasks: dict[str, TaskID] = {}
        self._greeted = False  # the Ready greeting was shown
        # called when work behind the prompt moves (the REPL redraws its bottom bar)
        self.on_activity: Callable[[], None] | None = None

    # -- the sink -------------------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        self.handle(event)

    def handle(self, event: Event) -> None:
        if event.kind == "text_delta":
            self._add_text(event.text)
        elif event.kind == "text_replace":
            self._replace_text(event.text)
        elif event.kind == "status":
            self._end_step()  # a status between texts is a pause: the text before it is done
            if self.idle and not self._greeted and event.text != self._status:
                # connecting behind the first prompt: a dim line, as nothing can be live
                self._print(Text(event.text, style="dim"))
            self._set_status(event.text)
        elif event.kind == "status_clear":
            self._set_status(None)
        elif event.kind == "progress":
            self._on_progress(event)
        elif event.kind == "routed":
            if self.debug:
                self._print(
                    Text(
                        t(
                            "ui.route",
                            self.lang,
                            route=event.route,
                            confidence=f"{event.confidence:.2f}",
                            evidence=event.evidence,
                        ),
                        style="dim",
                    )
                )
        elif event.kind == "user_message":
            pass  # the prompt already shows what the person typed
        elif event.kind == "turn_end" or event.kind == "quit":
            self.settle()
        else:
            self._flush_text()
            self._print_static(event)
        self._sync_live()

    # -- text -----------------------------------------------------------------------------
    def _add_text(self, text: str) -> None:
        self._pending += text
        finished, self._pending = split_finished(self._pending)
        if finished.strip():
            self._commit_markdown(finished)
        self._step_committed += finished

    def _replace_text(self, text: str) -> None:
        if text.startswith(self._step_committed):
            self._pending = ""
            rest = text[len(self._step_committed) :]
            self._add_text(rest)
        else:
            # what is on screen cannot be taken back: show the corrected text in full
            self._pending = ""
            self._commit_markdown(text)
            self._step_committed = text

    def _end_step(self) -> None:
        """Commit the pending text as a finished block; the reply itself goes on."""
        if self._pending.strip():
            self._commit_markdown(self._pending)
            self._pending = ""
            self._step_committed = ""

    def _flush_text(self) -> None:
        if self._pending.strip():
            self._commit_markdown(self._pending)
        self._pending = ""
        self._step_committed = ""
        self._reply_started = False

    def _commit_markdown(self, text: str) -> None:
        lines = self.console.render_lines(_markdown(text), self.console.options, pad=False)
        while lines and _is_blank(lines[0]):
            lines.pop(0)
        while lines and _is_blank(lines[-1]):
            lines.pop()
        if not lines:
            return
        if self._reply_started:
            lines.insert(0, [])
        self._reply_started = True
        self._print(_Lines(_strip_line(line) for line in lines))

    # -- live region ----------------------------------------------------------------------
    def _set_status(self, text: str | None) -> None:
        if text is None:
            self._status = None
            self._spinner = None
            return
        if self._status is None:
            self._status_since = time.monotonic()
            self._spinner = Spinner("dots", style="cyan")
        self._status = text

    @property
    def _progress(self) -> Progress:
        if self._bars is None:
            self._bars = _make_progress(self.console)
        return self._bars

    def _on_progress(self, event: ev.Progress) -> None:
        task = self._tasks.get(event.task)
        if event.done:
            if task is not None:
                self._progress.remove_task(task)
                del self._tasks[event.task]
                if self.idle and self.on_activity is not None:
                    self.on_activity()
            return
        if task is None:
            counts_bytes = event.task.startswith(_BYTE_TASKS) and event.task != "upload:urls"
            task = self._progress.add_task(event.label, total=event.total, bytes=counts_bytes)
            self._tasks[event.task] = task
        self._progress.update(
            task, description=event.label, completed=event.completed, total=event.total
        )
        if self.idle and self.on_activity is not None:
            self.on_activity()

    def activity(self) -> str | None:
        """What still runs while the prompt waits (a render followed in the background):
        "Rendering… 12 s  45%" for the prompt's bottom bar, else None."""
        task_id = self._tasks.get("render")
        if not self.idle or task_id is None:
            return None
        task = next((x for x in self._progress.tasks if x.id == task_id), None)
        if task is None:
            return None
        return task.description + (f"  {int(task.percentage)}%" if task.total else "")

    def _live_view(self) -> RenderableType:
        parts: list[RenderableType] = []
        if self._pending.strip():
            parts.append(_Tail(self._pending))
        if self._tasks:
            parts.append(self._progress.make_tasks_table(self._progress.tasks))
        if self._status is not None and self._spinner is not None:
            elapsed = int(time.monotonic() - self._status_since)
            label = Text(self._status, style="dim")
            if elapsed >= 1:
                label.append(" · " + t("ui.elapsed", self.lang, seconds=elapsed), style="dim")
            self._spinner.update(text=label)
            parts.append(self._spinner)
        return Group(*parts)

    def _wants_live(self) -> bool:
        return bool(self._pending.strip() or self._tasks or self._status is not None)

    def _sync_live(self) -> None:
        if self.idle or not self.console.is_terminal:
            self._stop_live()
            return
        if self._wants_live():
            if self._live is None:
                from rich.live import Live

                self._live = Live(
                    console=self.console,
                    get_renderable=self._live_view,
                    transient=True,
                    auto_refresh=True,
                    refresh_per_second=10,
                    redirect_stdout=False,
                    redirect_stderr=False,
                )
                self._live.start()
            else:
                self._live.refresh()
        else:
            self._stop_live()

    def _stop_live(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()

    def settle(self) -> None:
        """End of a turn (or Ctrl-C): commit pending text, clear the live region."""
        self._flush_text()
        self._set_status(None)
        for task in self._tasks.values():
            self._progress.remove_task(task)
        self._tasks.clear()
        self._stop_live()

    close = settle

    def note(self, text: str, style: str = "dim") -> None:
        """One of the terminal's own lines (not a core event): dim unless told otherwise."""
        self._flush_text()
        self._print(Text(text, style=style))

    # -- static events --------------------------------------------------------------------
    def _print(self, renderable: RenderableType) -> None:
        self.console.print(renderable, overflow="fold")

    def _print_static(self, event: Event) -> None:
        lang = self.lang
        if event.kind == "ready":
            self._greeted = True
            self._print(Text(event.greeting, style="bold"))
            if event.examples:
                self._print(Text(t("ui.try", lang), style="dim"))
                for example in event.examples:
                    self._print(_hanging("  • ", "dim", Text(example, style="cyan")))
        elif event.kind == "notice":
            style = {"info": "dim", "success": "green", "warning": "yellow"}[event.level]
            self._print(Text(event.text, style=style))
        elif event.kind == "error":
            self._print(_hanging("✗ ", "bold red", Text(event.message, style="red")))
            if event.hint:
                self._print(Padding(Text(event.hint), (0, 0, 0, 2)))
        elif event.kind == "action":
            self._print(Text.assemble(("→ ", "cyan"), (event.text, "cyan")))
        elif event.kind == "table":
            self._print(self._table(event.title, event.columns, event.rows))
        elif event.kind == "timeline":
            self._print(Text(event.summary, style="bold"))
            if event.tracks:
                self._print(self._table("", [], event.tracks))
            if event.media:
                self._print(self._table(t("ui.media", lang), [], event.media))
            if event.canvas:
                self._print(Text(t("ui.canvas", lang, canvas=event.canvas), style="dim"))
        elif event.kind == "link":
            self._print(
                Text.assemble((event.label + " ", ""), (event.url, f"underline link {event.url}"))
            )
        elif event.kind == "media_uploaded":
            details = fmt.media_details(
                event.file_type, event.size, event.width, event.height, event.duration, lang
            )
            self._print(
                Text.assemble(("✓ ", "green"), (event.name, "bold"), ("  " + details, "dim"))
            )
        elif event.kind == "file_saved":
            from agent.terminal.preview_view import file_link

            extra = " · ".join(
                x for x in (fmt.seconds(event.duration, lang), fmt.human_size(event.size)) if x
            )
            self._print(
                Text.assemble(
                    ("✓ ", "green"),
                    # the path as an OSC 8 hyperlink (rich writes it only to a terminal)
                    (t("ui.saved", lang, path=event.path), f"bold link {file_link(event.path)}"),
                    ("  " + extra if extra else "", "dim"),
                )
            )
        elif event.kind == "preview_ready":
            from agent.terminal.preview_view import show_preview

            self._stop_live()  # image bytes go straight to the terminal: nothing may redraw
            show_preview(self.console, event, lang)
        elif event.kind == "text_done":
            pass  # pending text was flushed above

    @staticmethod
    def _table(title: str, columns: list[str], rows: list[list[str]]) -> RichTable:
        table = RichTable(
            title=title or None,
            title_justify="left",
            title_style="bold",
            show_header=bool(columns),
            header_style="bold",
            box=None,
            pad_edge=False,
            padding=(0, 2, 0, 0),
        )
        width = max([len(columns), *(len(r) for r in rows)])
        for i in range(width):
            table.add_column(columns[i] if i < len(columns) else "", overflow="fold")
        for row in rows:
            table.add_row(*row)
        return table


def _markdown(text: str) -> RenderableType:
    """rich.markdown pulls in markdown-it and pygments (~0.1 s): imported at the first reply,
    not at start-up, so the prompt comes sooner."""
    from rich.markdown import Markdown

    return Markdown(text)


_BYTE_TASKS = ("upload:", "download:")  # the core's task names whose numbers are bytes


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
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TaskProgressColumn(),
        _BytesColumn(),
        console=console,
        auto_refresh=False,
        expand=False,
    )


def _hanging(mark: str, mark_style: str, body: Text) -> RichTable:
    """`mark` then `body`, whose wrapped lines stay indented under the body's first line."""
    grid = RichTable.grid()
    grid.add_column(width=cell_len(mark), no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(mark, style=mark_style), body)
    return grid


class _Tail:
    """The unfinished block of the reply, rendered as Markdown, last lines only."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(_markdown(self.text), options, pad=False)
        limit = max(2, min(TAIL_MAX_LINES, (options.height or console.height) // 2))
        for line in lines[-limit:]:
            yield from _strip_line(line)
            yield Segment.line()
