"""The typed events the conversation core emits: one stream, three consumers.

The terminal renders them, a transcript stores them (`event_to_json`, read back with
`event_from_json`: the one serialisation), tests assert on them. The core never
prints; everything a person sees is one of these. Text in events is already in the person's
language (the core looks it up in the message tables), so a renderer only lays it out and a
replay can compare what was shown word for word.
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    # defer_build: each event's validator is built when it is first used, not at import
    # (most kinds never occur before the greeting; building all of them cost ~20 ms there)
    model_config = ConfigDict(frozen=True, defer_build=True)


class UserMessage(_Event):
    kind: Literal["user_message"] = "user_message"
    text: str


class Routed(_Event):
    """Where a message went and why (what `/why` prints)."""

    kind: Literal["routed"] = "routed"
    route: str
    confidence: float
    evidence: str
    paths: list[str] = Field(default_factory=list)


class Status(_Event):
    """A transient line ("Connecting...", "working on the timeline…"); replaced by the next."""

    kind: Literal["status"] = "status"
    text: str


class StatusClear(_Event):
    kind: Literal["status_clear"] = "status_clear"


class Ready(_Event):
    kind: Literal["ready"] = "ready"
    greeting: str
    examples: list[str] = Field(default_factory=list)


class TextDelta(_Event):
    """Assistant text as it streams (already GUI-translated)."""

    kind: Literal["text_delta"] = "text_delta"
    text: str


class TextReplace(_Event):
    """The backend's final text of a step differs from what streamed: show this instead."""

    kind: Literal["text_replace"] = "text_replace"
    text: str


class TextDone(_Event):
    """The assistant's reply block is complete (render any pending Markdown now)."""

    kind: Literal["text_done"] = "text_done"


class Notice(_Event):
    kind: Literal["notice"] = "notice"
    text: str
    level: Literal["info", "success", "warning"] = "info"


class Error(_Event):
    """A failure the person meets: what happened and what to do next, in their language."""

    kind: Literal["error"] = "error"
    code: str
    message: str
    hint: str = ""


class Table(_Event):
    kind: Literal["table"] = "table"
    title: str
    columns: list[str]
    rows: list[list[str]]


class Timeline(_Event):
    """A heading (or, for an empty timeline, what to do first), then a table: `columns` is
    its header row and `tracks` one row per segment."""

    kind: Literal["timeline"] = "timeline"
    summary: str
    columns: list[str] = Field(default_factory=list)
    tracks: list[list[str]] = Field(default_factory=list)
    media: list[list[str]] = Field(default_factory=list)
    canvas: str = ""


class Progress(_Event):
    """Upload, render or download progress; `task` groups the updates of one bar."""

    kind: Literal["progress"] = "progress"
    task: str
    label: str
    completed: float
    total: float | None = None
    done: bool = False
    failed: bool = False  # with `done`: the bar ended without finishing (an error follows)


class Link(_Event):
    kind: Literal["link"] = "link"
    label: str
    url: str


class MediaUploaded(_Event):
    kind: Literal["media_uploaded"] = "media_uploaded"
    name: str
    file_type: str
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None


class FileSaved(_Event):
    kind: Literal["file_saved"] = "file_saved"
    path: str
    size: int
    duration: float | None = None


class PreviewReady(_Event):
    """A preview to look at: a contact sheet (PNG) and, where made, the preview video (MP4).

    Both live in the cache folder (never the export folder); `times` are the tiles' times in
    seconds. Text consumers print the paths; a terminal that shows images shows the sheet.
    """

    kind: Literal["preview_ready"] = "preview_ready"
    sheet: str
    video: str | None = None
    duration: float | None = None
    times: list[float] = Field(default_factory=list)
    cached: bool = False


class Action(_Event):
    """An automatic action announced before it runs (a GUI phrase translated into a step)."""

    kind: Literal["action"] = "action"
    text: str


class TurnEnd(_Event):
    kind: Literal["turn_end"] = "turn_end"
    ok: bool = True


class QuitRequested(_Event):
    kind: Literal["quit"] = "quit"


Event = Annotated[
    UserMessage
    | Routed
    | Status
    | StatusClear
    | Ready
    | TextDelta
    | TextReplace
    | TextDone
    | Notice
    | Error
    | Table
    | Timeline
    | Progress
    | Link
    | MediaUploaded
    | FileSaved
    | PreviewReady
    | Action
    | TurnEnd
    | QuitRequested,
    Field(discriminator="kind"),
]

@functools.cache
def event_adapter() -> TypeAdapter[Event]:
    """The validator of any event (built at first use: only replays and tests read events)."""
    return TypeAdapter(Event)


def event_to_json(event: _Event) -> dict[str, object]:
    """An event as a transcript line's payload (plain JSON types, every field written)."""
    return event.model_dump(mode="json")


def event_from_json(data: object) -> Event:
    """A transcript line's payload as its typed event; pydantic's ValidationError if it is none."""
    return event_adapter().validate_python(data)
