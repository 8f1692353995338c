"""What `--check` compares, and the diff it prints when a replay differs from its recording.

Two lists are compared, each as one text line per item so a unified diff reads naturally:
the requests the client sent (method, path, body or the names and sizes of uploaded files)
and the events the person was shown. Transient things are left out on purpose: status lines
and progress bars (they carry elapsed times and internal task keys), local-time stamps in
file names, and the folder a video was saved in (the replay saves into its own). Streamed
text is joined per reply, so a different split into chunks is not a difference but
different words are.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

SKIPPED_KINDS = frozenset({"status", "status_clear", "progress"})
# local-time stamps in names the agent makes (nemo-video-20261125-222252.mp4, …-2.mp4 when
# two land in the same second)
_STAMP_RE = re.compile(r"(?<!\d)20\d{6}-\d{6}(?:-\d+)?(?![\d-])")


def _steady(value: Any) -> Any:
    if isinstance(value, str):
        return _STAMP_RE.sub("YYYYMMDD-HHMMSS", value)
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def shown(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events that count, normalised (see the module docstring)."""
    out: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("kind")
        if kind in SKIPPED_KINDS:
            continue
        event = _steady(event)
        if kind == "file_saved":
            event = {**event, "path": PurePath(str(event.get("path", ""))).name}
        elif kind == "text_delta" and out and out[-1].get("kind") == "text_delta":
            out[-1] = {
                "kind": "text_delta",
                "text": str(out[-1].get("text", "")) + str(event.get("text", "")),
            }
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


# a number said in seconds or minutes ("check the timeline in 30 s", "每 2 分钟")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(?=\s?(?:s\b|sec|second|min|秒|分钟))")


def _same_but_scaled(recorded: str, replayed: str, speed: float) -> bool:
    """True when the lines differ only in durations, the replayed ones `speed` times shorter."""
    rec_parts = _DURATION_RE.split(recorded)
    live_parts = _DURATION_RE.split(replayed)
    if len(rec_parts) != len(live_parts) or len(rec_parts) < 2:
        return False
    for i, (rec, live) in enumerate(zip(rec_parts, live_parts, strict=True)):
        if i % 2 == 0:
            if rec != live:
                return False
            continue
        want, got = float(rec), float(live) * speed
        if abs(want - got) > max(0.02, 0.05 * want):
            return False
    return True


def reconcile_durations(recorded: list[str], replayed: list[str], speed: float) -> list[str]:
    """The replayed lines, with those that only differ by time compression taken as recorded.

    A replay divides the agent's own waits by `speed`, and some messages name them ("I'll
    check the timeline in 30 s"); those lines are the same behaviour, not a difference.
    """
    if speed == 1:
        return replayed
    out = list(replayed)
    matcher = difflib.SequenceMatcher(a=recorded, b=replayed, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or i2 - i1 != j2 - j1:
            continue
        for offset in range(i2 - i1):
            if _same_but_scaled(recorded[i1 + offset], replayed[j1 + offset], speed):
                out[j1 + offset] = recorded[i1 + offset]
    return out
