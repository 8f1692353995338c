"""What `--check` compares, and the diff it prints when a replay differs from its recording.

Two lists are compared, each as one text line per item so a unified diff reads naturally:
the requests the client sent (method, path, body or the names and sizes of uploaded files)
and the events the person was shown. Transient things are left out on purpose: status lines
(they carry elapsed times), progress bars until they finish, and the folder a video was saved
in (the replay saves into its own). Streamed text is joined per reply, so a different split
into chunks is not a difference but different words are.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

SKIPPED_KINDS = frozenset({"status", "status_clear"})


def shown(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events that count, normalised (see the module docstring)."""
    out: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("kind")
        if kind in SKIPPED_KINDS:
            continue
        if kind == "progress":
            if not event.get("done"):
                continue
            event = {"kind": "progress", "task": event.get("task"), "label": event.get("label"), "done": True}
        elif kind == "file_saved":
            event = {**event, "path": PurePath(str(event.get("path", ""))).name}
        elif kind == "text_delta" and out and out[-1].get("kind") == "text_delta":
            out[-1] = {"kind": "text_delta", "text": str(out[-1].get("text", "")) + str(event.get("text", ""))}
            continue
        out.append(dict(event))
    return out


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_lines(events: Iterable[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for event in events:
        kind = str(event.get("kind"))
        if kind in ("text_delta", "text_replace"):
            label = "text" if kind == "text_delta" else "text (replaced)"
            for piece in str(event.get("text", "")).split("\n"):
                lines.append(f"{label}: {piece}")
            continue
        rest = {k: v for k, v in event.items() if k != "kind"}
        lines.append(f"{kind}: {_compact(rest)}" if rest else kind)
    return lines


def request_lines(requests: Iterable[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for req in requests:
        line = f"{req.get('method')} {req.get('path')}"
        if req.get("files"):
            names = ", ".join(f"{f.get('name')} ({f.get('size')} B)" for f in req["files"])
            line += f" files: {names}"
        elif req.get("request") is not None:
            line += " " + _compact(req["request"])
        lines.append(line)
    return lines


def diff(recorded: list[str], replayed: list[str], what: str) -> list[str]:
    return list(
        difflib.unified_diff(
            recorded,
            replayed,
            fromfile=f"recorded {what}",
            tofile=f"replayed {what}",
            lineterm="",
            n=2,
        )
    )
