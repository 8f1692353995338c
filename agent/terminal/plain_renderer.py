"""Lay out core events as plain text for pipes, logs and scripts.

No colour codes, no cursor movement, no spinners. Streamed text is written the moment it
arrives (and flushed), so a reader of the pipe sees the reply as it streams. Transient
things become occasional lines: a status line only when its text changes, a progress line
when a bar starts, at each quarter and when it ends.

Results (the reply, tables, the timeline, links, what was uploaded and saved) go to `out`;
everything else (the greeting, echoes, statuses, progress, notices, errors) to `err`, so
`nemo-chat -m export > log` keeps the results and `2>/dev/null` leaves only them. With
`quiet`, only results and errors are written. A replay passes one stream for both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from agent.messages import t
from agent.terminal import formatting as fmt
from agent.terminal.event_renderer import EventRenderer

if TYPE_CHECKING:
    from agent import events as ev
    from agent.events import Event


class PlainRenderer(EventRenderer):
    def __init__(
        self,
        out: TextIO,
        lang: str = "en",
        *,
        debug: bool = False,
        err: TextIO | None = None,
        quiet: bool = False,
    ) -> None:
        super().__init__(lang, debug=debug)
        self.out = out
        self.err = err if err is not None else out
        self.quiet = quiet
        self._at_line_start = True  # of `out` (where streamed text goes)
        self._err_at_line_start = True
        self._step_text = ""  # text streamed in the current step (for TextReplace)
        self._last_status: str | None = None
        self._progress_marks: dict[str, int] = {}

    # -- writing --------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        if not text:
            return
        self.out.write(text)
        self.out.flush()
        self._at_line_start = text.endswith("\n")
        if self.err is self.out:
            self._err_at_line_start = self._at_line_start

    def _line(self, text: str) -> None:
        """A result line (stdout)."""
        if not self._at_line_start:
            self._write("\n")
        self._write(text + "\n")

    def _info(self, text: str, *, error: bool = False) -> None:
        """A line that is not a result (stderr); with `quiet`, only errors are written.

        Streamed text on stdout ends its line first: a status between two steps of a reply is
        a pause, and the next step starts on a line of its own (as it did when both streams
        were one)."""
        if not self._at_line_start:
            self._write("\n")
        if self.quiet and not error:
            return
        if self.err is self.out:
            self._line(text)
            return
        self.err.write(text + "\n")
        self.err.flush()

    def _end_text(self) -> None:
        if not self._at_line_start:
            self._write("\n")
        self._step_text = ""

    # -- streamed -------------------------------------------------------------------------
    def end_text(self, event: Event) -> None:
        self._end_text()

    def text_delta(self, event: ev.TextDelta) -> None:
        self._write(event.text)
        self._step_text += event.text

    def text_replace(self, event: ev.TextReplace) -> None:
        if event.text.startswith(self._step_text):
            self._write(event.text[len(self._step_text) :])
        else:
            self._line(event.text.rstrip("\n"))
        self._step_text = event.text

    def status(self, event: ev.Status) -> None:
        if event.text != self._last_status:
            self._info(event.text)
        self._last_status = event.text

    def status_clear(self, event: ev.StatusClear) -> None:
        self._last_status = None

    def progress(self, event: ev.Progress) -> None:
        """A line when a bar starts, at each quarter it crosses, and when it is done."""
        pct = fmt.percent(event.completed, event.total)
        if event.done:
            if event.failed:  # "nope.jpg not uploaded" (the error follows): no tick, no 100%
                self._progress_marks.pop(event.task, None)
                self._info(event.label)
            elif self._progress_marks.pop(event.task, None) != 100:
                self._info(f"{event.label}: 100%" if pct is not None else f"{event.label}: ✓")
            return
        mark = -1 if pct is None else (pct // 25) * 25
        last = self._progress_marks.get(event.task)
        if last is None or mark > last:
            self._progress_marks[event.task] = mark
            if pct is None:
                if last is None:
                    self._info(f"{event.label}…")
            else:
                self._info(f"{event.label}: {mark}%")

    # -- lines ----------------------------------------------------------------------------
    def user_message(self, event: ev.UserMessage) -> None:
        self._info("> " + event.text.replace("\n", "\n  "))

    def routed(self, event: ev.Routed) -> None:
        if self.debug:
            self._info(self.route_line(event))

    def ready(self, event: ev.Ready) -> None:
        self._info(event.greeting)
        if event.examples:
            self._info(t("ui.try", self.lang))
            for example in event.examples:
                self._info("  - " + example)

    def notice(self, event: ev.Notice) -> None:
        self._info(event.text)

    def action(self, event: ev.Action) -> None:
        self._info(event.text)

    def error(self, event: ev.Error) -> None:
        self._info(t("ui.error_line", self.lang, message=event.message), error=True)
        if event.hint:
            self._info("  " + event.hint, error=True)

    def table(self, event: ev.Table) -> None:
        if event.title:
            self._line(event.title)
        self._rows([event.columns, *event.rows] if event.columns else event.rows)

    def timeline(self, event: ev.Timeline) -> None:
        self._line(self.timeline_heading(event))
        self._rows([event.columns, *event.tracks] if event.tracks and event.columns else event.tracks)
        if event.media:
            self._line(t("ui.media", self.lang))
            self._rows(event.media)
        if event.canvas:
            self._line(t("ui.canvas", self.lang, canvas=event.canvas))

    def link(self, event: ev.Link) -> None:
        self._line(f"{event.label} {event.url}")

    def media_uploaded(self, event: ev.MediaUploaded) -> None:
        details = self.media_line(event)
        self._line(
            t("ui.uploaded", self.lang, name=event.name) + (f" ({details})" if details else "")
        )

    def file_saved(self, event: ev.FileSaved) -> None:
        extra = ", ".join(self.saved_facts(event))
        self._line(t("ui.saved", self.lang, path=event.path) + (f" ({extra})" if extra else ""))

    def preview_ready(self, event: ev.PreviewReady) -> None:
        """The paths only: no image bytes into a pipe."""
        self._line(t("preview.sheet", self.lang, path=event.sheet))
        if event.video:
            self._line(t("preview.video", self.lang, path=event.video))

    def turn_end(self, event: ev.TurnEnd) -> None:
        self._last_status = None
        self._progress_marks.clear()

    def _rows(self, rows: list[list[str]]) -> None:
        from rich.cells import cell_len

        if not rows:
            return
        widths = [0] * max(len(r) for r in rows)
        for row in rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], cell_len(cell))
        for row in rows:
            cells = [c + " " * (widths[i] - cell_len(c)) for i, c in enumerate(row)]
            self._line("  " + "  ".join(cells).rstrip())

    # -- the terminal's own ----------------------------------------------------------------
    def settle(self) -> None:
        self._end_text()

    close = settle

    def note(self, text: str, style: str = "") -> None:
        """One of the terminal's own lines (not a core event; red: a failure)."""
        self._end_text()
        self._info(self.clean(text), error=style == "red")
