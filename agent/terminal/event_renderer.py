"""What the rich and the plain renderer share: one method per event kind, picked from a table.

A renderer overrides the kinds it shows; the rest are ignored (e.g. the plain renderer has
no live region to clear). Streamed kinds (text, status, progress) go on as they are; any
other kind first ends the text that was streaming (`end_text`), so a table never lands in
the middle of a sentence. The words both renderers put around events are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.messages import t
from agent.terminal import formatting as fmt
from agent.terminal.untrusted import clean, clean_event

if TYPE_CHECKING:
    from agent import events as ev
    from agent.events import Event

STREAMED = frozenset({"text_delta", "text_replace", "status", "status_clear", "progress"})


class EventRenderer:
    def __init__(self, lang: str = "en", *, debug: bool = False) -> None:
        self.lang = lang
        self.debug = debug
        self.idle = False  # True while the prompt is on screen
        self._handlers: dict[str, Callable[[Any], None]] = {
            "text_delta": self.text_delta,
            "text_replace": self.text_replace,
            "text_done": self.text_done,
            "status": self.status,
            "status_clear": self.status_clear,
            "progress": self.progress,
            "user_message": self.user_message,
            "routed": self.routed,
            "ready": self.ready,
            "notice": self.notice,
            "action": self.action,
            "error": self.error,
            "table": self.table,
            "timeline": self.timeline,
            "link": self.link,
            "media_uploaded": self.media_uploaded,
            "file_saved": self.file_saved,
            "preview_ready": self.preview_ready,
            "turn_end": self.turn_end,
            "quit": self.quit,
        }

    def __call__(self, event: Event) -> None:
        self.handle(event)

    def handle(self, event: Event) -> None:
        event = clean_event(event)  # nothing from outside reaches the terminal raw
        if event.kind not in STREAMED:
            self.end_text(event)
        handler = self._handlers.get(event.kind)
        if handler is not None:
            handler(event)

    # -- the kinds (each renderer overrides what it shows) ---------------------------------
    def end_text(self, event: Event) -> None: ...
    def text_delta(self, event: ev.TextDelta) -> None: ...
    def text_replace(self, event: ev.TextReplace) -> None: ...
    def text_done(self, event: ev.TextDone) -> None: ...
    def status(self, event: ev.Status) -> None: ...
    def status_clear(self, event: ev.StatusClear) -> None: ...
    def progress(self, event: ev.Progress) -> None: ...
    def user_message(self, event: ev.UserMessage) -> None: ...
    def routed(self, event: ev.Routed) -> None: ...
    def ready(self, event: ev.Ready) -> None: ...
    def notice(self, event: ev.Notice) -> None: ...
    def action(self, event: ev.Action) -> None: ...
    def error(self, event: ev.Error) -> None: ...
    def table(self, event: ev.Table) -> None: ...
    def timeline(self, event: ev.Timeline) -> None: ...
    def link(self, event: ev.Link) -> None: ...
    def media_uploaded(self, event: ev.MediaUploaded) -> None: ...
    def file_saved(self, event: ev.FileSaved) -> None: ...
    def preview_ready(self, event: ev.PreviewReady) -> None: ...
    def turn_end(self, event: ev.TurnEnd) -> None: ...
    def quit(self, event: ev.QuitRequested) -> None: ...

    @staticmethod
    def clean(text: str) -> str:
        """A line of the terminal's own that may quote outside text (an error's), made safe."""
        return clean(text)

    # -- words around events ---------------------------------------------------------------
    def route_line(self, event: ev.Routed) -> str:
        """What `--debug` shows of where a message went and why."""
        return t("ui.route", self.lang, route=event.route,
                 confidence=f"{event.confidence:.2f}", evidence=event.evidence)

    def timeline_heading(self, event: ev.Timeline) -> str:
        """The line above the track table: "Timeline (2 tracks):". The event's one-line
        summary repeats the table, so it is shown only when there is no table (an empty
        timeline); scripts and transcripts still have it in the event."""
        if not event.tracks or event.columns:  # with columns the summary is the heading
            return event.summary
        n = len(event.tracks)
        return t("timeline.header_one" if n == 1 else "timeline.header", self.lang, count=n)

    def media_line(self, event: ev.MediaUploaded) -> str:
        return fmt.media_details(event.file_type, event.size, event.width, event.height,
                                 event.duration, self.lang)

    def saved_facts(self, event: ev.FileSaved) -> list[str]:
        """The saved video's length and size, those that are known."""
        return [x for x in (fmt.seconds(event.duration, self.lang), fmt.human_size(event.size))
                if x]
