"""Lay out core events on a terminal with rich: Markdown replies, tables, lines.

Streaming follows one rule: what is printed is never printed again. Finished Markdown
blocks are committed once (see `markdown_split`); the live region (`live_region`) holds
only the unfinished tail of the reply, the progress bars and a spinner. When the prompt is
on screen (`idle`), nothing goes live: events are printed as static lines above the prompt
(prompt_toolkit's `patch_stdout`).

Colours: only the terminal's default foreground, `dim`, `bold` and the basic ANSI hues,
which terminal themes tune for both dark and light backgrounds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.style import Style
from rich.table import Table as RichTable
from rich.text import Text

from agent.messages import t
from agent.terminal import cjk_wrap
from agent.terminal.event_renderer import EventRenderer
from agent.terminal.live_region import LiveRegion
from agent.terminal.markdown_split import split_finished
from agent.terminal.rich_lines import Lines, is_blank, markdown, strip_line

if TYPE_CHECKING:
    from agent import events as ev
    from agent.events import Event

_NOTICE_STYLES = {"info": "dim", "success": "green", "warning": "yellow"}


class RichRenderer(EventRenderer):
    """The event sink for a terminal. Call `close()` (or `settle()`) when a turn ends."""

    def __init__(self, console: Console, lang: str = "en", *, debug: bool = False) -> None:
        super().__init__(lang, debug=debug)
        cjk_wrap.install()  # Chinese wraps between characters, not only at spaces
        self.console = console
        self.live = LiveRegion(console, lambda: self.lang)
        self._step_committed = ""  # committed text of the current step (for TextReplace)
        self._reply_started = False  # a block of this reply was already committed
        self._greeted = False  # the Ready greeting was shown
        # called when work behind the prompt moves (the REPL redraws its bottom bar)
        self.on_activity: Callable[[], None] | None = None

    def handle(self, event: Event) -> None:
        super().handle(event)
        self.live.sync(self.idle)

    # -- text -----------------------------------------------------------------------------
    @property
    def _pending(self) -> str:
        """Streamed text not yet committed: the live region shows it as the reply's tail."""
        return self.live.tail

    @_pending.setter
    def _pending(self, text: str) -> None:
        self.live.tail = text

    def end_text(self, event: Event) -> None:
        if event.kind not in ("routed", "user_message"):  # a debug line; shown at the prompt
            self._flush_text()

    def text_delta(self, event: ev.TextDelta) -> None:
        self._add_text(event.text)

    def text_replace(self, event: ev.TextReplace) -> None:
        if event.text.startswith(self._step_committed):
            self._pending = ""
            self._add_text(event.text[len(self._step_committed) :])
        else:
            # what is on screen cannot be taken back: show the corrected text in full
            self._pending = ""
            self._commit_markdown(event.text)
            self._step_committed = event.text

    def _add_text(self, text: str) -> None:
        finished, self._pending = split_finished(self._pending + text)
        if finished.strip():
            self._commit_markdown(finished)
        self._step_committed += finished

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
        lines = self.console.render_lines(markdown(text), self.console.options, pad=False)
        while lines and is_blank(lines[0]):
            lines.pop(0)
        while lines and is_blank(lines[-1]):
            lines.pop()
        if not lines:
            return
        if self._reply_started:
            lines.insert(0, [])
        self._reply_started = True
        self._print(Lines(strip_line(line) for line in lines))

    # -- the live region ------------------------------------------------------------------
    def status(self, event: ev.Status) -> None:
        self._end_step()  # a status between texts is a pause: the text before it is done
        if self.idle and not self._greeted and event.text != self.live.status:
            # connecting behind the first prompt: a dim line, as nothing can be live
            self._print(Text(event.text, style="dim"))
        self.live.set_status(event.text)

    def status_clear(self, event: ev.StatusClear) -> None:
        self.live.set_status(None)

    def progress(self, event: ev.Progress) -> None:
        if self.live.progress(event) and self.idle and self.on_activity is not None:
            self.on_activity()

    def activity(self) -> str | None:
        """What still runs while the prompt waits (a render followed in the background):
        "Rendering… 12 s  45%" for the prompt's bottom bar, else None."""
        return self.live.bar_text("render") if self.idle else None

    def turn_end(self, event: ev.TurnEnd) -> None:
        self.settle()

    def quit(self, event: ev.QuitRequested) -> None:
        self.settle()

    def settle(self) -> None:
        """End of a turn (or Ctrl-C): commit pending text, clear the live region."""
        self._flush_text()
        self.live.clear()
        self.live.stop()

    close = settle

    def note(self, text: str, style: str = "dim") -> None:
        """One of the terminal's own lines (not a core event): dim unless told otherwise."""
        self._flush_text()
        self._print(Text(self.clean(text), style=style))

    # -- static lines ---------------------------------------------------------------------
    def _print(self, renderable: RenderableType) -> None:
        self.console.print(renderable, overflow="fold")

    def routed(self, event: ev.Routed) -> None:
        if self.debug:
            self._print(Text(self.route_line(event), style="dim"))

    def ready(self, event: ev.Ready) -> None:
        self._greeted = True
        self._print(Text(event.greeting, style="bold"))
        if event.examples:
            self._print(Text(t("ui.try", self.lang), style="dim"))
            for example in event.examples:
                self._print(_hanging("  • ", "dim", Text(example, style="cyan")))

    def notice(self, event: ev.Notice) -> None:
        self._print(Text(event.text, style=_NOTICE_STYLES[event.level]))

    def error(self, event: ev.Error) -> None:
        self._print(_hanging("✗ ", "bold red", Text(event.message, style="red")))
        if event.hint:
            self._print(Padding(Text(event.hint), (0, 0, 0, 2)))

    def action(self, event: ev.Action) -> None:
        self._print(Text.assemble(("→ ", "cyan"), (event.text, "cyan")))

    def table(self, event: ev.Table) -> None:
        self._print(_table(event.title, event.columns, event.rows))

    def timeline(self, event: ev.Timeline) -> None:
        self._print(Text(self.timeline_heading(event), style="bold"))
        if event.tracks:
            self._print(_timeline_table(event.columns, event.tracks))
        if event.media:
            self._print(_table(t("ui.media", self.lang), [], event.media))
        if event.canvas:
            self._print(Text(t("ui.canvas", self.lang, canvas=event.canvas), style="dim"))

    def link(self, event: ev.Link) -> None:
        link = Style(underline=True, link=event.url)  # never parsed as a style string
        self._print(Text.assemble((event.label + " ", ""), (event.url, link)))

    def media_uploaded(self, event: ev.MediaUploaded) -> None:
        self._print(Text.assemble(("✓ ", "green"), (event.name, "bold"),
                                  ("  " + self.media_line(event), "dim")))

    def file_saved(self, event: ev.FileSaved) -> None:
        from agent.terminal.preview_view import file_link

        extra = " · ".join(self.saved_facts(event))
        self._print(
            Text.assemble(
                ("✓ ", "green"),
                # the path as an OSC 8 hyperlink (rich writes it only to a terminal)
                (t("ui.saved", self.lang, path=event.path), f"bold link {file_link(event.path)}"),
                ("  " + extra if extra else "", "dim"),
            )
        )

    def preview_ready(self, event: ev.PreviewReady) -> None:
        from agent.terminal.preview_view import show_preview

        self.live.stop()  # image bytes go straight to the terminal: nothing may redraw
        show_preview(self.console, event, self.lang)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> RichTable:
    # Text, not str: rich would read "[…]" in a file name or a title as markup
    table = RichTable(
        title=Text(title, style="bold") if title else None,
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
        table.add_column(Text(columns[i] if i < len(columns) else ""), overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _timeline_table(columns: list[str], rows: list[list[str]]) -> RichTable:
    """The status table: a header row; on a narrow terminal the words and details wrap inside
    their columns while the role, time and length stay on one line each."""
    table = RichTable(
        show_header=bool(columns), header_style="bold", box=None, pad_edge=False,
        padding=(0, 2, 0, 0),
    )
    width = max([len(columns), *(len(r) for r in rows)])
    for i in range(width):
        wraps = i in (1, width - 1)  # what it is, and its details
        table.add_column(
            Text(columns[i] if i < len(columns) else "", no_wrap=True),
            overflow="fold", no_wrap=not wraps,
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: "[…]" in a name is not markup
    return table


def _hanging(mark: str, mark_style: str, body: Text) -> RichTable:
    """`mark` then `body`, whose wrapped lines stay indented under the body's first line."""
    grid = RichTable.grid()
    grid.add_column(width=cell_len(mark), no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(mark, style=mark_style), body)
    return grid
