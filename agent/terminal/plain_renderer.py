"""Lay out core events as plain text for pipes, logs and scripts.

No colour codes, no cursor movement, no spinners. Streamed text is written the moment it
arrives (and flushed), so a reader of the pipe sees the reply as it streams. Transient
things become occasional lines: a status line only when its text changes, a progress line
when a bar starts, at each quarter and when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from agent.messages import t
from agent.terminal import formatting as fmt

if TYPE_CHECKING:
    from agent import events as ev
    from agent.events import Event


class PlainRenderer:
    def __init__(self, out: TextIO, lang: str = "en", *, debug: bool = False) -> None:
        self.out = out
        self.lang = lang
        self.debug = debug
        self.idle = False  # nothing is live in plain text, so the prompt changes nothing
        self._at_line_start = True
        self._step_text = ""  # text streamed in the current step (for TextReplace)
        self._last_status: str | None = None
        self._progress_marks: dict[str, int] = {}

    def __call__(self, event: Event) -> None:
        self.handle(event)

    # -- writing --------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        if not text:
            return
        self.out.write(text)
        self.out.flush()
        self._at_line_start = text.endswith("\n")

    def _line(self, text: str) -> None:
        if not self._at_line_start:
            self._write("\n")
        self._write(text + "\n")

    def _end_text(self) -> None:
        if not self._at_line_start:
            self._write("\n")
        self._step_text = ""

    # -- events ---------------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        lang = self.lang
        if event.kind == "text_delta":
            self._write(event.text)
            self._step_text += event.text
            return
        if event.kind == "text_replace":
            if event.text.startswith(self._step_text):
                self._write(event.text[len(self._step_text) :])
            else:
                self._line(event.text.rstrip("\n"))
            self._step_text = event.text
            return
        if event.kind == "status":
            if event.text != self._last_status:
                self._line(event.text)
            self._last_status = event.text
            return
        if event.kind == "status_clear":
            self._last_status = None
            return
        if event.kind == "progress":
            self._progress(event)
            return
        self._end_text()
        if event.kind == "user_message":
            self._line("> " + event.text.replace("\n", "\n  "))
        elif event.kind == "routed":
            if self.debug:
                self._line(
                    t(
                        "ui.route",
                        lang,
                        route=event.route,
                        confidence=f"{event.confidence:.2f}",
                        evidence=event.evidence,
                    )
                )
        elif event.kind == "ready":
            self._line(event.greeting)
            if event.examples:
                self._line(t("ui.try", lang))
                for example in event.examples:
                    self._line("  - " + example)
        elif event.kind == "notice" or event.kind == "action":
            self._line(event.text)
        elif event.kind == "error":
            self._line(t("ui.error_line", lang, message=event.message))
            if event.hint:
                self._line("  " + event.hint)
        elif event.kind == "table":
            if event.title:
                self._line(event.title)
            self._rows([event.columns, *event.rows] if event.columns else event.rows)
        elif event.kind == "timeline":
            self._line(event.summary)
            self._rows(event.tracks)
            if event.media:
                self._line(t("ui.media", lang))
                self._rows(event.media)
            if event.canvas:
                self._line(t("ui.canvas", lang, canvas=event.canvas))
        elif event.kind == "link":
            self._line(f"{event.label} {event.url}")
        elif event.kind == "media_uploaded":
            details = fmt.media_details(
                event.file_type, event.size, event.width, event.height, event.duration, lang
            )
            self._line(
                t("ui.uploaded", lang, name=event.name) + (f" ({details})" if details else "")
            )
        elif event.kind == "file_saved":
            extra = ", ".join(
                x for x in (fmt.seconds(event.duration, lang), fmt.human_size(event.size)) if x
            )
            self._line(t("ui.saved", lang, path=event.path) + (f" ({extra})" if extra else ""))
        elif event.kind == "preview_ready":  # paths only: no image bytes into a pipe
            self._line(t("preview.sheet", lang, path=event.sheet))
            if event.video:
                self._line(t("preview.video", lang, path=event.video))
        elif event.kind == "turn_end":
            self._last_status = None
            self._progress_marks.clear()

    def _progress(self, event: ev.Progress) -> None:
        """A line when a bar starts, at each quarter it crosses, and when it is done."""
        pct = fmt.percent(event.completed, event.total)
        if event.done:
            if self._progress_marks.pop(event.task, None) != 100:
                self._line(f"{event.label}: 100%" if pct is not None else f"{event.label}: ✓")
            return
        mark = -1 if pct is None else (pct // 25) * 25
        last = self._progress_marks.get(event.task)
        if last is None or mark > last:
            self._progress_marks[event.task] = mark
            if pct is None:
                if last is None:
                    self._line(f"{event.label}…")
            else:
                self._line(f"{event.label}: {mark}%")

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

    def settle(self) -> None:
        self._end_text()

    close = settle

    def note(self, text: str, style: str = "") -> None:
        """One of the terminal's own lines (not a core event)."""
        self._end_text()
        self._line(text)
