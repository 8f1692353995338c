"""Turn SSE frames of either payload family into typed stream events.

ADK events (`content.parts[]`, `partial`, `errorCode`, `actions.stateDelta`) and the typed
family (`{"type": "text" | "tool_call" | "tool_result" | "heartbeat"}`) both arrive here. The
text rule that works across ADK versions lives in `TextAssembler`: partial events carry only
new text; a non-partial event repeats the whole step, so it yields nothing when it repeats what
was streamed, the rest when it extends it, and a `StreamTextReplace` when it differs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .events import (
    Heartbeat,
    MalformedFrame,
    StateDelta,
    StreamError,
    StreamEvent,
    StreamText,
    StreamTextReplace,
    Thought,
    ToolCall,
    ToolResult,
)
from .sse import SSEFrame

__all__ = ["PayloadReader", "TextAssembler"]

# ADK <= 1.2x wrote its error frame with an f-string: quotes inside are not escaped.
_LEGACY_ERROR = re.compile(r'^\{\s*"error"\s*:\s*"(?P<msg>.*)"\s*\}\s*$', re.S)
_HEARTBEAT_EVENTS = {"ping", "heartbeat", "keepalive", "keep-alive"}


class TextAssembler:
    """The partial/non-partial rule for one channel (visible text, or thoughts)."""

    def __init__(self) -> None:
        self.live = ""  # text streamed by partial events since the last non-partial one

    def partial(self, text: str) -> str:
        self.live += text
        return text

    def final(self, text: str) -> tuple[str, str] | None:
        """("delta", rest) | ("replace", full) | None when it only repeats what was shown."""
        live, self.live = self.live, ""
        if not live:
            return ("delta", text) if text else None
        if text == live:
            return None
        if text.startswith(live):
            return ("delta", text[len(live) :])
        return ("replace", text)


class PayloadReader:
    def __init__(self) -> None:
        self.text = TextAssembler()
        self.thought = TextAssembler()

    def read(self, frame: SSEFrame) -> list[StreamEvent]:
        """The events in one frame; a frame we cannot make sense of is reported, not fatal."""
        try:
            return self._read(frame)
        except Exception as exc:  # an odd shape inside valid JSON (e.g. args of a wrong type)
            return [
                MalformedFrame(
                    raw=frame.data[:2000], error=f"unexpected shape ({type(exc).__name__})"
                )
            ]

    def _read(self, frame: SSEFrame) -> list[StreamEvent]:
        if frame.kind == "comment":
            return [Heartbeat(source="comment")]
        if frame.kind == "nodata":
            return [Heartbeat(source="empty")]
        if frame.event.lower() in _HEARTBEAT_EVENTS:
            return [Heartbeat(source="typed")]
        data = frame.data
        if not data.strip():
            return [Heartbeat(source="empty")]
        try:
            obj = json.loads(data)
        except json.JSONDecodeError as exc:
            legacy = _LEGACY_ERROR.match(data)
            if legacy:
                return [StreamError(message=legacy.group("msg"))]
            if frame.event.lower() == "error":
                return [StreamError(message=data.strip())]
            return [MalformedFrame(raw=data[:2000], error=f"invalid JSON: {exc.msg}")]
        if not isinstance(obj, dict):
            return [MalformedFrame(raw=data[:2000], error="not a JSON object")]
        if frame.event.lower() == "error" and "error" not in obj:
            obj = {"error": obj.get("message") or obj.get("msg") or data}
        if "error" in obj and "author" not in obj and "content" not in obj:
            return [self._stream_error(obj)]
        if isinstance(obj.get("type"), str):
            return self._typed(obj)
        return self._adk(obj)

    # -- the two families ---------------------------------------------------------------------
    @staticmethod
    def _stream_error(obj: dict[str, Any]) -> StreamError:
        err = obj.get("error")
        details = obj.get("error_details") if isinstance(obj.get("error_details"), dict) else None
        code = None
        if isinstance(err, dict):
            code = err.get("code") or err.get("type")
            message = err.get("message") or err.get("msg") or json.dumps(err, ensure_ascii=False)
        else:
            message = str(err)
        if details and not code:
            code = details.get("error_type")
        return StreamError(message=str(message), code=str(code) if code else None, details=details)

    def _typed(self, obj: dict[str, Any]) -> list[StreamEvent]:
        kind = obj["type"].lower()
        if kind == "heartbeat" or kind == "ping":
            return [Heartbeat(source="typed")]
        if kind == "text":
            text = obj.get("content", obj.get("text", ""))
            if not isinstance(text, str) or not text:
                return []
            if obj.get("partial") is False:
                return self._final_text(text)
            return [StreamText(text=self.text.partial(text))]
        if kind == "thought":
            text = obj.get("content", obj.get("text", ""))
            return [Thought(text=text)] if isinstance(text, str) and text else []
        if kind == "tool_call":
            return [
                ToolCall(
                    name=str(obj.get("name", "")),
                    args=_args(obj.get("args")),
                    id=_id(obj.get("id")),
                )
            ]
        if kind == "tool_result":
            return [
                ToolResult(
                    name=str(obj.get("name", "")), result=obj.get("result"), id=_id(obj.get("id"))
                )
            ]
        if kind == "error":
            return [
                self._stream_error(
                    {"error": obj.get("content") or obj.get("message") or obj.get("error") or ""}
                )
            ]
        return []  # an unknown kind: newer server, nothing we can show

    def _adk(self, obj: dict[str, Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        partial = obj.get("partial") is True
        content = obj.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        texts: list[str] = []
        thoughts: list[str] = []
        calls: list[StreamEvent] = []
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict):
                continue
            text = part.get("text")
            if isinstance(text, str) and text:
                (thoughts if part.get("thought") is True else texts).append(text)
            call = part.get("functionCall")
            if isinstance(call, dict) and not partial:
                calls.append(
                    ToolCall(
                        name=str(call.get("name", "")),
                        args=_args(call.get("args")),
                        id=_id(call.get("id")),
                    )
                )
            resp = part.get("functionResponse")
            if isinstance(resp, dict):
                calls.append(
                    ToolResult(
                        name=str(resp.get("name", "")),
                        result=resp.get("response"),
                        id=_id(resp.get("id")),
                    )
                )
        if thoughts:
            joined = "".join(thoughts)
            if partial:
                out.append(Thought(text=self.thought.partial(joined)))
            else:
                decided = self.thought.final(joined)
                if decided:
                    out.append(Thought(text=decided[1]))
        if texts:
            joined = "".join(texts)
            out.extend(
                [StreamText(text=self.text.partial(joined))] if partial else self._final_text(joined)
            )
        out.extend(calls)
        if obj.get("errorCode") or obj.get("errorMessage"):
            code = obj.get("errorCode")
            out.append(
                StreamError(
                    message=str(obj.get("errorMessage") or code),
                    code=str(code) if code else None,
                    details={"finishReason": obj["finishReason"]}
                    if obj.get("finishReason")
                    else None,
                )
            )
        actions = obj.get("actions")
        delta = actions.get("stateDelta") if isinstance(actions, dict) else None
        if isinstance(delta, dict) and delta:
            out.append(StateDelta(delta=delta))
        return out

    def _final_text(self, text: str) -> list[StreamEvent]:
        decided = self.text.final(text)
        if decided is None:
            return []
        how, value = decided
        return [StreamText(text=value)] if how == "delta" else [StreamTextReplace(text=value)]


def _args(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {"value": value}
        return parsed if isinstance(parsed, dict) else {"value": parsed}
    return {} if value is None else {"value": value}


def _id(value: Any) -> str | None:
    return None if value is None else str(value)
