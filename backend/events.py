"""SSE frames for /run_sse, in the two documented families.

ADK (default): Google ADK 2.13's framing byte for byte — `data: <compact camelCase JSON>\\n\\n`,
raw UTF-8, `None` fields left out, `actions` with its four empty dicts always present,
`invocationId` "e-<uuid4>", `author`, `id` (shared by a streamed step's chunks and its
aggregate, as in 2.10+), float `timestamp`. With streaming, `partial: true` chunks carry
only new text, then one `partial: false` aggregate repeats the step's whole text with its
function calls. Function responses come as their own event with `role: "user"`.
Typed (publisher's v4.4): {"type": "text"|"tool_call"|"tool_result"|"heartbeat", …}.
Heartbeats (not from stock ADK, from the service's gateway): `: ping` comments and empty
`data:` lines alternately; `{"type": "heartbeat"}` in the typed family.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from backend.editor.apply import Result

AUTHOR = "nemo_agent"


def _frame(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def _actions() -> dict[str, Any]:
    return {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {},
            "requestedToolConfirmations": {}}


def chunks(text: str) -> list[str]:
    """Pieces a model would stream: a few words, or a few characters of Chinese."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    out: list[str] = []
    buf = ""
    for piece in pieces:
        buf += piece
        if len(buf) >= 12:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out or [text]


class AdkFrames:
    family = "adk"

    def __init__(self) -> None:
        self.invocation = f"e-{uuid.uuid4()}"
        self._beat = 0

    def _event(self, content: dict[str, Any] | None, *, partial: bool | None, eid: str,
               calls: bool = False, **extra: Any) -> dict[str, Any]:
        ev: dict[str, Any] = {}
        if content is not None:
            ev["content"] = content
        if partial is not None:
            ev["partial"] = partial
        ev.update(extra)
        ev.update({"invocationId": self.invocation, "author": AUTHOR, "actions": _actions(),
                   "nodeInfo": {"path": f"{AUTHOR}@1"}})
        if calls:
            ev["longRunningToolIds"] = []
        ev["id"] = eid
        ev["timestamp"] = time.time()
        return ev

    def say(self, text: str | None, calls: list[Result], *, streaming: bool) -> list[bytes]:
        eid = str(uuid.uuid4())
        frames: list[bytes] = []
        if text and streaming:
            for piece in chunks(text):
                frames.append(_frame(self._event({"parts": [{"text": piece}], "role": "model"},
                                                 partial=True, eid=eid)))
        parts: list[dict[str, Any]] = [{"text": text}] if text else []
        for call in calls:
            call.args.setdefault("_call_id", f"adk-{uuid.uuid4()}")
            parts.append({"functionCall": {"id": call.args["_call_id"], "args": _public(call.args),
                                           "name": call.call}})
        if parts:
            frames.append(_frame(self._event({"parts": parts, "role": "model"},
                                             partial=False if streaming else None, eid=eid,
                                             calls=bool(calls))))
        return frames

    def respond(self, results: list[Result]) -> list[bytes]:
        parts = [{"functionResponse": {"id": r.args.get("_call_id", f"adk-{uuid.uuid4()}"),
                                       "name": r.call, "response": _response(r)}}
                 for r in results]
        return [_frame(self._event({"parts": parts, "role": "user"}, partial=None,
                                   eid=str(uuid.uuid4())))]

    def heartbeat(self) -> bytes:
        self._beat += 1
        return b": ping\n\n" if self._beat % 2 else b"data:\n\n"

    def error(self, message: str, style: str) -> bytes:
        if style == "event":
            return _frame(self._event(None, partial=None, eid=str(uuid.uuid4()),
                                      errorCode="INTERNAL_ERROR", errorMessage=message))
        body = {"error": f"RuntimeError: {message}",
                "error_details": {"error_type": "RuntimeError", "error_message": message,
                                  "timestamp": time.time()}}
        return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


class TypedFrames:
    family = "typed"

    def say(self, text: str | None, calls: list[Result], *, streaming: bool) -> list[bytes]:
        frames = [_frame({"type": "text", "content": text})] if text else []
        frames += [_frame({"type": "tool_call", "name": c.call, "args": _public(c.args)})
                   for c in calls]
        return frames

    def respond(self, results: list[Result]) -> list[bytes]:
        return [_frame({"type": "tool_result", "name": r.call, "result": _response(r)})
                for r in results]

    def heartbeat(self) -> bytes:
        return _frame({"type": "heartbeat"})

    def error(self, message: str, style: str) -> bytes:
        return _frame({"type": "error", "error": message})


Frames = AdkFrames | TypedFrames


def _public(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if not k.startswith("_")}


def _response(result: Result) -> dict[str, Any]:
    if result.ok:
        return {"status": "success", **{k: v for k, v in result.fields.items() if v is not None}}
    return {"status": "error", "reason": result.say}
