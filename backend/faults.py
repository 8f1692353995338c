"""Faults on demand, so every recovery path of a client can be tested against a real server.

Set them over HTTP (`POST /_nemo/faults`, `DELETE /_nemo/faults` clears, `GET /_nemo/faults`
lists what is armed) or in-process through `app.state.faults` (a `FaultBoard`:
`.add({...})`, `.clear()`). The `/_nemo/` routes exist only when the backend runs with
`test_hooks` (`python -m backend --test-hooks`) and need the run's token in the
`X-Nemo-Hooks-Token` header; see backend/hooks.py.

The JSON body is one fault object, a list of them, or `{"faults": [...]}`:

    {"route": "run_sse",      which calls it applies to (see ROUTES below; "*" = any route)
     "kind": "error",         what happens (see KINDS below)
     "count": 1,              how many matching calls it affects; null = until cleared
     "skip": 0,               let this many matching calls through first
     ...kind-specific fields}

Each call of a route uses up one `count` of every armed fault that matches it (after that
fault's `skip`), so an "error" and a "delay" armed together both hit the next call; faults
of a kind that means nothing on a route (e.g. "wrapped" on "credits") are used up without
effect. An injected 1001 also revokes the token the call presented, as a real bad token
would be, so the client can get a new one for the same client id.

Other test hooks: `POST /_nemo/credits {"user_id": "anon_…", "available": N}` sets a user's
credits; `POST /_nemo/tokens/expire` expires every token issued so far.

ROUTES: "token" (POST /api/auth/anonymous-token), "session" (POST /api/tasks/me/with-session/
nemo_agent), "run_sse", "upload", "credits", "state", "render_submit" (POST
/api/render/proxy/lambda), "render_status" (GET …/lambda/<id>), "render_cancel",
"render_download" (GET /api/render/proxy/<id>/download), "files" (the cdn_url and output.url
file routes), "*".

KINDS and their fields:
  "error"            reply with an error instead of doing the call.
                     `code` (int, e.g. 1001, 1002, 2001, 4001, 4002, or an HTTP-only code 400,
                     402, 429, 500, 503), `status` (HTTP status; default: 200 for body codes
                     on JSON routes, the code itself for codes 400-599; on run_sse body codes
                     default to 401/404/403/415/413), `message` (text of the envelope),
                     `retry_after` (seconds, sent as the `Retry-After` header; default 1 for
                     429 and 503). Body: {"code": code, "message": message, "data": null}.
  "delay"            wait `seconds` (float) before handling the call normally.
  "drop"             run_sse: close the connection after `after_events` frames (default 1;
                     heartbeats not counted). The turn still finishes on the server.
                     files/render_download: close after `after_bytes` bytes (default 1024).
  "stall"            run_sse: after `after_events` frames (default 1) send nothing at all,
                     not even heartbeats, for `seconds` (null = until the client goes away),
                     then carry on (tests a client's idle timeout).
  "heartbeats_only"  run_sse: send only heartbeats for `seconds` (null = until the client
                     goes away), then close; the message is not processed.
  "malformed"        run_sse: send one broken frame (`raw`, default `data: {"oops": ,}`)
                     after `after_events` frames (default 0), then continue normally.
  "stream_error"     run_sse: after `after_events` frames (default 1) send an in-stream
                     error and end: `style` "frame" = `data: {"error": …, "error_details":
                     {…}}` (default), "event" = an ADK event with errorCode/errorMessage.
                     `message` sets the text. The turn still finishes on the server.
  "temporary_issue"  run_sse: end the turn with an extra text "I encountered a temporary
                     issue…" after the good output.
  "no_text"          run_sse: the turn's edits are applied with no text at all.
  "wrapped"          render_status: reply in the wrapped form {"success": true, "data":
                     {"id", "status", "progress", "outputUrl"}}.
  "stuck"            render_submit: the job stays in "processing" (progress `progress`,
                     default 42) until the faults are cleared or the job is cancelled.
  "ignore_range"     files/render_download: answer 200 with the whole file even when a
                     Range header asks for part of it.

Examples:
    POST /_nemo/faults {"route": "credits", "kind": "error", "code": 1001}
    POST /_nemo/faults {"route": "token", "kind": "error", "code": 429, "retry_after": 1}
    POST /_nemo/faults {"route": "run_sse", "kind": "drop", "after_events": 2}
    POST /_nemo/faults [{"route": "render_status", "kind": "wrapped", "count": null},
                        {"route": "files", "kind": "ignore_range"}]
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Route = Literal["token", "session", "run_sse", "upload", "credits", "state", "render_submit",
                "render_status", "render_cancel", "render_download", "files", "*"]
Kind = Literal["error", "delay", "drop", "stall", "heartbeats_only", "malformed", "stream_error",
               "temporary_issue", "no_text", "wrapped", "stuck", "ignore_range"]

ROUTES: tuple[str, ...] = Route.__args__  # type: ignore[attr-defined]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

BODY_STATUS_ON_SSE = {1001: 401, 1002: 404, 2001: 403, 4001: 415, 4002: 413}


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route: Route
    kind: Kind = "error"
    count: int | None = Field(default=1, ge=1)
    skip: int = Field(default=0, ge=0)
    # error
    code: int | None = None
    status: int | None = Field(default=None, ge=100, le=599)
    message: str | None = None
    retry_after: float | None = Field(default=None, ge=0)
    # delay / heartbeats_only
    seconds: float | None = Field(default=None, ge=0)
    # drop / malformed / stream_error
    after_events: int | None = Field(default=None, ge=0)
    after_bytes: int | None = Field(default=None, ge=0)
    raw: str | None = None
    style: Literal["frame", "event"] = "frame"
    # stuck
    progress: float = Field(default=42.0, ge=0, le=100)

    def http_status(self, *, sse: bool = False) -> int:
        if self.status is not None:
            return self.status
        code = self.code or 500
        if 400 <= code <= 599:
            return code
        return BODY_STATUS_ON_SSE.get(code, 400) if sse else 200

    def retry_after_header(self) -> str | None:
        value = self.retry_after
        if value is None and self.code in (429, 503):
            value = 1
        if value is None:
            return None
        return str(int(value)) if float(value).is_integer() else str(value)


_FAULTS_JSON: TypeAdapter[list[Fault]] = TypeAdapter(list[Fault])


def parse_faults(body: Any) -> list[Fault]:
    """Accept one object, a list, or {"faults": [...]}; raises pydantic.ValidationError."""
    if isinstance(body, dict) and "faults" in body and "route" not in body:
        body = body["faults"]
    if isinstance(body, dict):
        body = [body]
    return _FAULTS_JSON.validate_python(body)


class FaultBoard:
    """The armed faults. Thread-safe: the render worker consults it too.

    Each call of a route consumes one use of every armed fault that matches it (after that
    fault's `skip`), so an "error" and a "delay" on the same route both apply to one call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []
        self._generation = 0

    def add(self, *faults: Fault | dict[str, Any]) -> list[Fault]:
        parsed = [f if isinstance(f, Fault) else Fault.model_validate(f) for f in faults]
        with self._lock:
            self._armed.extend(parsed)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._generation += 1

    @property
    def generation(self) -> int:
        """Bumped by every clear(), so a stuck job knows it may go on."""
        return self._generation

    def armed(self) -> list[Fault]:
        with self._lock:
            return [f.model_copy() for f in self._armed]

    def for_call(self, route: str) -> list[Fault]:
        """The faults that apply to this call of `route`, each consuming one use."""
        hits: list[Fault] = []
        with self._lock:
            for fault in list(self._armed):
                if fault.route not in (route, "*"):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._armed.remove(fault)
                hits.append(fault)
        return hits


def first(faults: list[Fault], *kinds: str) -> Fault | None:
    return next((f for f in faults if f.kind in kinds), None)
