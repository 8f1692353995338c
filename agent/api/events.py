"""Typed items of one `/run_sse` turn, as the wire hands them to the conversation core.

Named `Stream…` where the UI has an event of its own for the same idea (`agent/events.py`
has `TextDelta`, `TextReplace`): these are what the service said, those what a person sees.
The partial/non-partial text rule is applied before these are made (see `payloads.py`), so
the core only appends `StreamText` and swaps in `StreamTextReplace`. An error frame carries
its typed failure (`StreamError.failure`), read with the same code table as a reply.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .envelope import stream_failure
from .errors import NemoError

__all__ = [
    "Heartbeat",
    "MalformedFrame",
    "StateDelta",
    "StreamError",
    "StreamEvent",
    "StreamText",
    "StreamTextReplace",
    "Thought",
    "ToolCall",
    "ToolResult",
]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # built at first use


class StreamText(_Event):
    """New visible text to append to what is shown."""

    kind: Literal["stream_text"] = "stream_text"
    text: str


class StreamTextReplace(_Event):
    """The full text of the step: it replaces what was streamed since the last non-partial event."""

    kind: Literal["stream_text_replace"] = "stream_text_replace"
    text: str


class Thought(_Event):
    """Hidden reasoning: never shown to the person."""

    kind: Literal["thought"] = "thought"
    text: str


class ToolCall(_Event):
    kind: Literal["tool_call"] = "tool_call"
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class ToolResult(_Event):
    kind: Literal["tool_result"] = "tool_result"
    name: str
    result: Any = None
    id: str | None = None


class Heartbeat(_Event):
    """A keep-alive: a `:` comment, an empty `data:` frame, or `{"type": "heartbeat"}`."""

    kind: Literal["heartbeat"] = "heartbeat"
    source: Literal["comment", "empty", "typed"]


class StreamError(_Event):
    """A failure reported inside the stream (`{"error": …}` frame or an `errorCode` event)."""

    kind: Literal["stream_error"] = "stream_error"
    message: str
    code: str | None = None
    details: dict[str, Any] | None = None

    def failure(self) -> NemoError:
        """The typed failure this frame reports (AuthExpired for 1001, NoCredits for 2001, …)."""
        return stream_failure(self.code, self.message)


class StateDelta(_Event):
    kind: Literal["state_delta"] = "state_delta"
    delta: dict[str, Any]


class MalformedFrame(_Event):
    """A frame whose data could not be understood; it was skipped."""

    kind: Literal["malformed_frame"] = "malformed_frame"
    raw: str
    error: str


StreamEvent = Annotated[
    StreamText
    | StreamTextReplace
    | Thought
    | ToolCall
    | ToolResult
    | Heartbeat
    | StreamError
    | StateDelta
    | MalformedFrame,
    Field(discriminator="kind"),
]
