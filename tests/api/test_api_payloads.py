"""ADK and typed payloads become typed events; the partial/non-partial text rule."""

from __future__ import annotations

import json
from typing import Any

from agent.api.events import (
    Heartbeat,
    MalformedFrame,
    StateDelta,
    StreamError,
    StreamText,
    StreamTextReplace,
    Thought,
    ToolCall,
    ToolResult,
)
from agent.api.payloads import PayloadReader
from agent.api.sse import SSEDecoder

ACTIONS = {
    "stateDelta": {},
    "artifactDelta": {},
    "requestedAuthConfigs": {},
    "requestedToolConfirmations": {},
}


def adk(
    parts: list[dict[str, Any]] | None = None, partial: bool | None = None, **extra: Any
) -> bytes:
    """An ADK 2.13-shaped event frame, compact JSON as `adk api_server` writes it."""
    event: dict[str, Any] = {}
    if parts is not None:
        event["content"] = {"parts": parts, "role": "model"}
    if partial is not None:
        event["partial"] = partial
    event.update(
        {
            "invocationId": "e-1",
            "author": "nemo_agent",
            "actions": dict(ACTIONS),
            "id": "x",
            "timestamp": 1.0,
        }
    )
    event.update(extra)
    return (
        b"data: " + json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"
    )


def read(*frames: bytes) -> list[Any]:
    decoder, reader = SSEDecoder(), PayloadReader()
    out: list[Any] = []
    for frame in decoder.feed(b"".join(frames)) + decoder.close():
        out.extend(reader.read(frame))
    return out


def test_streaming_then_identical_aggregate_shows_text_once() -> None:
    events = read(
        adk([{"text": "Hello "}], partial=True),
        adk([{"text": "world"}], partial=True),
        adk([{"text": "Hello world"}], partial=False, finishReason="STOP"),
    )
    assert events == [StreamText(text="Hello "), StreamText(text="world")]


def test_aggregate_that_extends_yields_the_rest() -> None:
    events = read(adk([{"text": "Hel"}], partial=True), adk([{"text": "Hello!"}]))
    assert events == [StreamText(text="Hel"), StreamText(text="lo!")]


def test_aggregate_that_differs_replaces_the_step() -> None:
    events = read(
        adk([{"text": "Draft"}], partial=True), adk([{"text": "Final answer"}], partial=False)
    )
    assert events == [StreamText(text="Draft"), StreamTextReplace(text="Final answer")]


def test_non_streaming_event_is_shown_as_is_and_steps_are_independent() -> None:
    events = read(
        adk([{"text": "One."}]), adk([{"text": "Two"}], partial=True), adk([{"text": "Two."}])
    )
    assert events == [StreamText(text="One."), StreamText(text="Two"), StreamText(text=".")]


def test_function_calls_only_from_non_partial_events() -> None:
    call = {"functionCall": {"id": "adk-1", "name": "edit_multitrack", "args": {"op": "add"}}}
    events = read(
        adk([call], partial=True),
        adk([{"text": "Working"}, call], partial=False),
        adk(
            [
                {
                    "functionResponse": {
                        "id": "adk-1",
                        "name": "edit_multitrack",
                        "response": {"ok": True},
                    }
                }
            ]
        ),
    )
    assert events == [
        StreamText(text="Working"),
        ToolCall(name="edit_multitrack", args={"op": "add"}, id="adk-1"),
        ToolResult(name="edit_multitrack", result={"ok": True}, id="adk-1"),
    ]


def test_thoughts_are_separate_from_text() -> None:
    events = read(
        adk([{"text": "thinking…", "thought": True}], partial=True),
        adk([{"text": "Answer"}], partial=True),
        adk([{"text": "thinking…", "thought": True}, {"text": "Answer"}], partial=False),
    )
    assert events == [Thought(text="thinking…"), StreamText(text="Answer")]


def test_error_frames_of_every_adk_version() -> None:
    events = read(
        b'data: {"error": "RuntimeError: boom", "error_details": {"error_type": "RuntimeError", "error_message": "boom"}}\n\n',
        b'data: {"error": "bad "quoted" thing"}\n\n',  # <= 1.2x f-string frame: invalid JSON
        adk(None, errorCode="SAFETY", errorMessage="blocked", finishReason="SAFETY"),
    )
    assert events[0] == StreamError(
        message="RuntimeError: boom",
        code="RuntimeError",
        details={"error_type": "RuntimeError", "error_message": "boom"},
    )
    assert events[1] == StreamError(message='bad "quoted" thing')
    assert (
        isinstance(events[2], StreamError)
        and events[2].code == "SAFETY"
        and events[2].message == "blocked"
    )


def test_typed_family() -> None:
    events = read(
        b'data: {"type":"text","content":"\xe5\xaf\xbc\xe5\x87\xba "}\n\n',
        b'data: {"type":"text","content":"done"}\n\n',
        b'data: {"type":"tool_call","name":"generate_video_with_seedance","args":{"d":5}}\n\n',
        b'data: {"type":"tool_result","name":"generate_video_with_seedance","result":{"ok":1}}\n\n',
        b'data: {"type":"heartbeat"}\n\n',
        b'data: {"type":"something_new"}\n\n',
    )
    assert events == [
        StreamText(text="导出 "),
        StreamText(text="done"),
        ToolCall(name="generate_video_with_seedance", args={"d": 5}),
        ToolResult(name="generate_video_with_seedance", result={"ok": 1}),
        Heartbeat(source="typed"),
    ]


def test_heartbeats_of_every_form() -> None:
    events = read(
        b": ping\n\n", b"data:\n\n", b"event: ping\n\n", b'data: {"type":"heartbeat"}\n\n'
    )
    assert [e.source for e in events] == ["comment", "empty", "empty", "typed"]


def test_malformed_frame_is_reported_and_the_stream_goes_on() -> None:
    events = read(b"data: {not json\n\n", b"data: [1,2]\n\n", adk([{"text": "still here"}]))
    assert isinstance(events[0], MalformedFrame) and "invalid JSON" in events[0].error
    assert isinstance(events[1], MalformedFrame) and events[1].error == "not a JSON object"
    assert events[2] == StreamText(text="still here")


def test_state_delta_and_artifact_only_frames() -> None:
    events = read(
        adk([{"text": "ok"}], actions={**ACTIONS, "stateDelta": {"draft_version": 3}}),
        adk(None, actions={**ACTIONS, "artifactDelta": {"preview.txt": 0}}),
    )
    assert events == [StreamText(text="ok"), StateDelta(delta={"draft_version": 3})]


def test_shown_text_after_replace() -> None:
    events = read(
        adk([{"text": "First."}]),
        adk([{"text": "Secnd"}], partial=True),
        adk([{"text": "Second."}], partial=False),
    )
    assert events[-1] == StreamTextReplace(text="Second.")
    # the core replaces only the current step: "First." stays
    text, step = "", 0
    for ev in events:
        if isinstance(ev, StreamText):
            text += ev.text
        else:
            text = text[:step] + ev.text
        if ev == events[0]:
            step = len(text)
    assert text == "First.Second."


def test_a_frame_that_breaks_the_json_parser_is_reported_not_fatal() -> None:
    deep = b"data: " + b"[" * 200_000 + b"]" * 200_000 + b"\n\n"  # RecursionError in json
    events = read(deep, b'data: {"type":"text","content":"fine"}\n\n')
    assert isinstance(events[0], MalformedFrame) and events[1] == StreamText(text="fine")
