"""The draft (the session's timeline), read tolerantly into a typed `Draft`.

The service documents only the short keys (`t` tracks, `tt` track type 0/1/7, `sg` segments,
`d` duration in ms, `m` metadata); our local backend adds its own segment keys (`st`, `n`,
`vol`, `fi`/`fo`, `fx`, `tr`, `pos`…), and other backends use longer names or keep a
segment's details in its `m`. So every lookup tries a list of spellings, in the segment and
then in its `m`, and a missing value never fails: a draft we cannot read becomes an empty
timeline, not a crash. Times are milliseconds unless a key says seconds.

Tolerant reader, strict writer: `Draft.raw` is exactly what the service gave, and that is
what an export sends back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from .tolerant import as_list, as_mapping, basename, first, number

__all__ = ["Canvas", "Draft", "DraftSegment", "DraftTrack", "TrackKind"]

TrackKind = Literal["video", "audio", "text", "other"]

# every spelling of each segment field, most specific first
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "start_ms": ("st", "start", "start_ms", "startTime", "start_time", "s", "offset", "from"),
    "dur_ms": ("d", "duration", "dur", "duration_ms", "durationMs", "len", "length"),
    "end_ms": ("end", "e", "end_ms", "endTime", "end_time", "to"),
    "start_s": ("start_s", "startSec", "start_sec", "start_seconds"),
    "dur_s": ("duration_s", "durationSec", "duration_sec", "duration_seconds"),
    "end_s": ("end_s", "endSec", "end_sec", "end_seconds"),
    # the display name: what a segment says, then (media) the file it shows
    "name": (
        "text", "title", "n", "name", "label", "content", "words", "caption", "subtitle",
        "filename", "file_name", "fileName",
    ),
    "source": ("src", "url", "path", "file", "cdn_url", "source", "media_url"),
    "volume": ("vol", "volume", "v", "gain"),
    "fade_in": ("fi", "fade_in", "fadeIn", "fade_in_ms"),
    "fade_out": ("fo", "fade_out", "fadeOut", "fade_out_ms"),
    "motion": ("fx", "motion", "effect", "animation"),
    "transition": ("tr", "transition"),
    "position": ("pos", "position", "align"),
    "media_kind": ("kind", "media_type", "mediaType", "file_type", "fileType"),
}
# spelling → (field, rank): one pass over a segment's own keys finds every field
_FIELD_OF: dict[str, tuple[str, int]] = {
    spelling: (field, rank)
    for field, spellings in _SPELLINGS.items()
    for rank, spelling in enumerate(spellings)
}
_TRACK_TYPE = ("tt", "type", "track_type", "trackType", "kind")
_SEGMENTS = ("sg", "segments", "clips", "items", "children")
_TRACKS = ("t", "tracks", "track_list", "trackList")
_ROLE_WORDS = ("role", "n", "name", "label", "purpose", "type", "kind", "track_type")


class DraftSegment(NamedTuple):
    """One segment, normalized: enough to show it and to notice that it changed.

    (A NamedTuple: a draft may hold thousands, and it is made four times faster than a
    frozen dataclass.)"""

    key: str  # its id, else kind and name: how the same segment is found in a later draft
    kind: TrackKind  # from the track
    role: str  # "video" | "bgm" | "voice" | "title" | "caption" | "other"
    name: str  # the display name as the draft gives it ("" when it gives none)
    music_style: str | None  # a generated music bed without a name: its style ("lofi", …)
    start: int | None  # ms
    duration: int | None  # ms
    end: int | None  # ms
    volume: float | None  # 0..1 (and above: boosted)
    fade_in: int | None  # ms
    fade_out: int | None  # ms
    motion: str | None  # "zoom_in", "ken_burns", … when the draft says
    transition: str | None  # the transition into this segment ("crossfade", …)
    position: str | None  # where a text sits ("top", "center", "bottom")
    fingerprint: str  # every field, for "something else changed" (effects, transitions…)
    transition_ms: int | None = None  # how long that transition lasts, when the draft says
    media_kind: str | None = None  # "image" | "video" | "audio" when the segment says


class DraftTrack(NamedTuple):
    kind: TrackKind
    role: str
    segments: tuple[DraftSegment, ...]

    @property
    def start(self) -> int | None:
        starts = [s.start for s in self.segments if s.start is not None]
        return min(starts) if starts else None

    @property
    def end(self) -> int | None:
        ends = [s.end for s in self.segments if s.end is not None]
        return max(ends) if ends else None


@dataclass(frozen=True, slots=True)
class Canvas:
    """The picture size: from the state's canvas_config, else from the draft's metadata."""

    width: int | None
    height: int | None
    aspect: str | None

    @classmethod
    def read(cls, value: Any) -> Canvas | None:
        data = as_mapping(value)
        if not data:
            return None
        width, height = number(data.get("width")), number(data.get("height"))
        aspect = first(data, ("aspect", "aspect_ratio", "aspectRatio", "ratio"))
        if not (width and height) and not aspect:
            return None
        sized = bool(width and height)
        return cls(
            width=int(width) if sized and width else None,
            height=int(height) if sized and height else None,
            aspect=str(aspect) if aspect else None,
        )


@dataclass(frozen=True, slots=True)
class Draft:
    """The tracks that have at least one segment, in order, plus the draft's metadata."""

    tracks: tuple[DraftTrack, ...]
    title: str | None
    canvas: Canvas | None
    raw: dict[str, Any]  # exactly as the service sent it: what an export sends back

    @property
    def end(self) -> int | None:
        """Where the last track ends, in ms (None when no segment has a time)."""
        ends = [track.end for track in self.tracks if track.end is not None]
        return max(ends) if ends else None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """In a pydantic model (SessionState) a Draft is only checked to be one: `Draft.read`
        is its reader, and describing its fields to pydantic would cost start-up time."""
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)

    @classmethod
    def read(cls, value: Any) -> Draft | None:
        """A draft from an object or JSON text; None when it is neither."""
        data = as_mapping(value)
        if data is None:
            return None
        meta = as_mapping(data.get("m")) or as_mapping(data.get("meta")) or {}
        title = meta.get("title")
        tracks = (_track(ti, raw) for ti, raw in enumerate(as_list(first(data, _TRACKS))))
        return cls(
            tracks=tuple(track for track in tracks if track is not None),
            title=str(title) if isinstance(title, str | int | float) else None,
            canvas=Canvas.read(meta),
            raw=data,
        )


# -- reading one track ----------------------------------------------------------------------


def _fields(seg: Mapping[str, Any]) -> dict[str, Any]:
    """The segment's fields by their first non-empty spelling (see `_SPELLINGS`)."""
    found: dict[str, tuple[int, Any]] = {}
    for key, value in seg.items():
        hit = _FIELD_OF.get(key)
        if hit is None or value is None or value == "":
            continue
        field, rank = hit
        best = found.get(field)
        if best is None or rank < best[0]:
            found[field] = (rank, value)
    return {field: value for field, (_, value) in found.items()}


def _ms(fields: Mapping[str, Any], ms_field: str, s_field: str) -> int | None:
    """A time in ms, from its field in ms, else from its field in seconds."""
    value = number(fields.get(ms_field))
    if value is not None:
        return round(value)
    value = number(fields.get(s_field))
    return round(value * 1000) if value is not None else None


def _round(value: float | None) -> int | None:
    return round(value) if value is not None else None


def _kind_of_track(track: Mapping[str, Any]) -> TrackKind:
    value = first(track, _TRACK_TYPE)
    numeric = number(value) if not isinstance(value, str) or value.strip().isdigit() else None
    if numeric is not None:
        kinds: dict[int, TrackKind] = {0: "video", 1: "audio", 7: "text"}
        return kinds.get(int(numeric), "other")
    if isinstance(value, str):
        low = value.lower()
        if any(w in low for w in ("video", "image", "main", "visual", "clip")):
            return "video"
        if any(w in low for w in ("audio", "music", "bgm", "sound", "voice")):
            return "audio"
        if any(w in low for w in ("text", "title", "caption", "subtitle", "sticker")):
            return "text"
    return "other"


def _words(obj: Mapping[str, Any]) -> str:
    parts = (obj.get(k) for k in _ROLE_WORDS)
    return " ".join(p.lower() for p in parts if isinstance(p, str))


def _role(kind: TrackKind, seg: Mapping[str, Any], track_words: str) -> str:
    words = _words(seg) + " " + track_words
    if kind == "text":  # a text is a title unless it says it is a caption (the seed's example)
        if any(w in words for w in ("caption", "subtitle", "字幕")):
            return "caption"
        return "title"
    if kind == "audio":
        if any(w in words for w in ("voice", "narrat", "旁白", "配音")):
            return "voice"
        return "bgm"
    return kind


def _detail(value: Any, key: str) -> str | None:
    """`{"motion": "zoom_in"}` or `"zoom_in"` → "zoom_in"."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get(key) or value.get("type") or value.get("name")
    return str(value) if isinstance(value, str | int | float) and value != "" else None


def _transition_ms(value: Any) -> int | None:
    """`{"type": "crossfade", "d": 500}` → 500 (ms); a bare name or no length → None."""
    if not isinstance(value, dict):
        return None
    ms = number(first(value, ("d", "duration", "duration_ms", "ms")))
    if ms is None:
        seconds = number(first(value, ("duration_s", "seconds")))
        ms = seconds * 1000 if seconds is not None else None
    return round(ms) if ms is not None else None


def _name_and_style(seg: Mapping[str, Any], fields: Mapping[str, Any]) -> tuple[str, str | None]:
    name = fields.get("name")
    if name is not None:
        return " ".join(str(name).split()), None
    gen = seg.get("gen")
    if isinstance(gen, dict):
        return "", str(gen.get("style") or "music")
    return basename(fields.get("source")), None


def _track(ti: int, raw_track: Any) -> DraftTrack | None:
    track = as_mapping(raw_track)
    if track is None:
        return None
    kind = _kind_of_track(track)
    track_words = _words(track)
    segs: list[DraftSegment] = []
    cursor = 0
    seen: dict[str, int] = {}
    for si, raw_seg in enumerate(as_list(first(track, _SEGMENTS))):
        own = as_mapping(raw_seg)
        if own is None:
            continue
        meta = as_mapping(own.get("m"))
        seg = {**meta, **own} if meta else own  # the segment's own keys win over its `m`
        fields = _fields(seg)
        start = _ms(fields, "start_ms", "start_s")
        dur = _ms(fields, "dur_ms", "dur_s")
        end = _ms(fields, "end_ms", "end_s")
        if start is None:
            start = cursor if (dur is not None or end is not None) else None
        if end is None and start is not None and dur is not None:
            end = start + dur
        if dur is None and start is not None and end is not None:
            dur = end - start
        if end is not None:
            cursor = end
        volume = number(fields.get("volume"))
        if volume is not None and volume > 2:
            volume = volume / 100.0  # a percentage
        name, style = _name_and_style(seg, fields)
        label = name or (style or "").title()
        ident = seg.get("id") or seg.get("segment_id") or seg.get("uuid")
        if ident not in (None, ""):
            key = f"id:{ident}"
        else:
            base = f"{kind}:{label or si}"
            seen[base] = seen.get(base, 0) + 1
            key = f"{base}#{seen[base]}" if label else f"{kind}:{ti}:{si}"
        segs.append(
            DraftSegment(
                key=key,
                kind=kind,
                role=_role(kind, seg, track_words),
                name=name,
                music_style=style,
                start=start,
                duration=dur,
                end=end,
                volume=volume,
                fade_in=_round(number(fields.get("fade_in"))),
                fade_out=_round(number(fields.get("fade_out"))),
                motion=_detail(fields.get("motion"), "motion"),
                transition=_detail(fields.get("transition"), "type"),
                position=_detail(fields.get("position"), "position"),
                fingerprint=json.dumps(own, sort_keys=True, default=str),
                transition_ms=_transition_ms(fields.get("transition")),
                media_kind=_detail(fields.get("media_kind"), "type"),
            )
        )
    if not segs:
        return None
    roles = {s.role for s in segs}
    role = segs[0].role if len(roles) == 1 else kind
    return DraftTrack(kind=kind, role=role, segments=tuple(segs))
