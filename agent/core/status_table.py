"""The `status` table: a header row, then one row per segment, every setting a person can ask
to change.

Photos and clips in timeline order with their time, length, motion and transition; each title
and caption on its own row (a title and a caption are never merged) with its words, time and
position; music with its own range, volume and fades. The renderers lay the rows out (a
folded table on a terminal, one line per row in a pipe); here are only the words.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from agent.api import Draft, DraftSegment, DraftTrack
from agent.messages import t

from .segment_words import (
    fades_text,
    motion_text,
    position_text,
    seconds_text,
    span_text,
    transition_text,
    volume_text,
)
from .timeline import display_name

__all__ = ["heading", "row_role", "segment_columns", "segment_rows"]

_IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp"})


def heading(draft: Draft, lang: str) -> str:
    """`Timeline, 8 s in all:` (the table says the rest)."""
    return t("status.heading", lang, length=seconds_text(draft.end or 0, lang))


def segment_columns(lang: str) -> list[str]:
    return [t(f"status.col.{name}", lang) for name in ("track", "what", "time", "length", "details")]


def row_role(seg: DraftSegment) -> str:
    """The word a row starts with: a photo or a clip on the video track, else the role."""
    if seg.role == "video":
        kind = (seg.media_kind or "").lower()
        if kind == "image" or (not kind and PurePosixPath(seg.name).suffix.lower() in _IMAGE_SUFFIXES):
            return "photo"
        return "clip"
    return seg.role


def _what(seg: DraftSegment, lang: str) -> str:
    name = display_name(seg, lang)
    if seg.kind == "text" and name:
        return t("status.quoted", lang, text=name)
    return name


def _details(seg: DraftSegment, lang: str) -> str:
    if seg.kind == "video":
        parts = [motion_text(seg, lang), transition_text(seg, lang)]
    elif seg.kind == "text":
        parts = [position_text(seg, lang), fades_text(seg, lang)]
    elif seg.kind == "audio":
        parts = [volume_text(seg, lang), fades_text(seg, lang)]
    else:
        parts = [motion_text(seg, lang), position_text(seg, lang), volume_text(seg, lang)]
    return t("status.detail_join", lang).join(p for p in parts if p)


def segment_rows(tracks: tuple[DraftTrack, ...], lang: str) -> list[list[str]]:
    """One row per segment: [track, what, time, length, details]; numbered within a role
    when it has more than one ("Photo 2", "Caption 1")."""
    segments = [seg for track in tracks for seg in track.segments]
    roles = [row_role(seg) for seg in segments]
    counts = {role: roles.count(role) for role in roles}
    seen: dict[str, int] = {}
    rows: list[list[str]] = []
    for seg, role in zip(segments, roles, strict=True):
        seen[role] = seen.get(role, 0) + 1
        named = t(f"status.role.{role}", lang)
        if named.startswith("status.role."):
            named = t("status.role.other", lang)
        label = t("status.numbered", lang, role=named, n=seen[role]) if counts[role] > 1 else named
        rows.append(
            [
                label,
                _what(seg, lang),
                span_text(seg.start, seg.end, lang),
                seconds_text(seg.duration, lang),
                _details(seg, lang),
            ]
        )
    return rows
