"""`--json`: every event the core emits as one JSON object per line on stdout, for scripts.

Each line is the event as a transcript stores it (`event_to_json`, the one serialisation)
with a `type` added: the same word as its `kind` (both are kept, so a transcript reader and a
`jq 'select(.type == …)'` both work). A saved file's `path` is absolute. Errors are `error`
events with a stable `code` (the contract's 2001, 402, 4001… or a word: `unreachable`,
`render_failed`). Nothing else reaches stdout: the terminal's own lines (a crash, "a render is
still running") go to stderr as text.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from agent.events import Event


def event_line(event: Event) -> str:
    """The JSON line of one event (no newline)."""
    from agent.events import event_to_json

    data: dict[str, object] = {"type": event.kind, **event_to_json(event)}
    path = data.get("path")
    if event.kind == "file_saved" and isinstance(path, str):
        data["path"] = os.path.abspath(path)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class JsonRenderer:
    """A renderer (see `sink.Renderer`) writing JSON lines to `out` and notes to `err`."""

    def __init__(self, out: TextIO, err: TextIO, lang: str = "en") -> None:
        self.out = out
        self.err = err
        self.lang = lang
        self.idle = False

    def handle(self, event: Event) -> None:
        self.out.write(event_line(event) + "\n")
        self.out.flush()

    def settle(self) -> None:
        pass

    def note(self, text: str, style: str = "") -> None:
        self.err.write(text + "\n")
        self.err.flush()
