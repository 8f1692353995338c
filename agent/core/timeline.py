"""Reading any draft tolerantly and summarizing it the way the contract prints a timeline.

The service documents only the short keys (`t`, `tt`, `sg`, `d`, `m`); our local backend adds
its own segment keys (see backend/draft.py) and other backends may use longer names. So every
lookup here tries a list of spellings and a missing value never fails: a draft we cannot read
becomes an empty timeline, not a crash. Times are milliseconds unless a key says seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from agent.messages import t

__all__ = [
    "Seg",
    "Track",
    "canvas_text",
    "format_span",
    "media_rows",
    "read_tracks",
    "summarize",
]

_START_MS = ("st", "start", "start_ms", "startTime", "start_time", "s", "offset", "from")
_DUR_MS = ("d", "duration", "dur", "duration_ms", "durationMs", "len", "length")
_END_MS = ("end", "e", "end_ms", "endTime", "end_time", "to")
_START_S = ("start_s", "startSec", "start_sec", "start_seconds")
_DUR_S = ("duration_s", "durationSec", "duration_sec", "duration_seconds")
_END_S = ("end_s", "endSec", "end_sec", "end_seconds")
_TEXT_LABEL = ("text", "content", "words", "caption", "subtitle", "title", "n", "name", "label")
_MEDIA_LABEL = ("n", "name", "title", "label", "filename", "file_name", "fileName", "text")
_SOURCE = ("src", "url", "path", "file", "cdn_url", "source", "media_url")
_VOLUME = ("vol", "volume", "v", "gain")
_TRACK_TYPE = ("tt", "type", "track_type", "trackType", "kind")
_SEGMENTS = ("sg", "segments", "clips", "items", "children")
_TRACKS = ("t", "tracks", "track_list", "trackList")
_MAX_LABEL = 40


@dataclass(frozen=True)
class Seg:
    """One segment, normalized: enough to summarize it and to notice that it changed."""

    key: str
    kind: str  # "video" | "audio" | "text" | "other" (from the track)
    role: str  # "video" | "bgm" | "audio" | "voice" | "title" | "caption" | "text" | "other"
    label: str
    start: int | None  # ms
    end: int | None  # ms
    volume: float | None  # 0..1 (and above: boosted)
    fingerprint: str  # every field, for "something else changed" (effects, transitions…)


@dataclass(frozen=True)
class Track:
    kind: str
    role: str
    segments: tuple[Seg, ...]

    @property
    def start(self) -> int | None:
        starts = [s.start for s in self.segments if s.start is not None]
        return min(starts) if starts else None

    @property
    def end(self) -> int | None:
        ends = [s.end for s in self.segments if s.end is not None]
        return max(ends) if ends else None


# -- small tolerant readers ---------------------------------------------------------------


def _first(obj: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value not in (None, ""):
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("sm").strip() or "x")
        except ValueError:
            return None
    return None


def _ms(obj: Mapping[str, Any], ms_keys: Iterable[str], s_keys: Iterable[str]) -> int | None:
    value = _number(_first(obj, ms_keys))
    if value is not None:
        return round(value)
    value = _number(_first(obj, s_keys))
    return round(value * 1000) if value is not None else None


def _as_mapping(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def _basename(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    path = unquote(urlsplit(value).path) if "://" in value else value
    return os.path.basename(path.rstrip("/\\").replace("\\", "/")) or value


def _shorten(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _kind_of_track(track: Mapping[str, Any]) -> str:
    value = _first(track, _TRACK_TYPE)
    number = _number(value) if not isinstance(value, str) or value.strip().isdigit() else None
    if number is not None:
        return {0: "video", 1: "audio", 7: "text"}.get(int(number), "other")
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
    parts = [obj.get(k) for k in ("role", "n", "name", "label", "purpose", "type", "kind", "track_type")]
    return " ".join(p.lower() for p in parts if isinstance(p, str))


def _segment_role(kind: str, seg: Mapping[str, Any], track: Mapping[str, Any]) -> str:
    words = _words(seg) + " " + _words(track)
    if kind == "text":
        if any(w in words for w in ("caption", "subtitle", "字幕")):
            return "caption"
        if "title" in words or "标题" in words:
            return "title"
        return "text"
    if kind == "audio":
        if any(w in words for w in ("voice", "narrat", "旁白", "配音")):
            return "voice"
        return "bgm"
    return kind


def _label(kind: str, seg: Mapping[str, Any], lang: str) -> str:
    if kind == "text":
        value = _first(seg, _TEXT_LABEL)
    else:
        value = _first(seg, _MEDIA_LABEL)
        if value is None and isinstance(seg.get("gen"), dict):
            style = str(seg["gen"].get("style") or "music")
            value = t(f"music.style.{style}", lang) if style else None
            if value == f"music.style.{style}":
                value = style.title()
        if value is None:
            value = _basename(_first(seg, _SOURCE))
    return _shorten(str(value)) if value not in (None, "") else ""


def read_tracks(draft: Any, lang: str = "en") -> list[Track]:
    """The draft's tracks that have at least one segment, in order, normalized."""
    data = _as_mapping(draft)
    if data is None:
        return []
    tracks: list[Track] = []
    for ti, raw_track in enumerate(_as_list(_first(data, _TRACKS))):
        track = _as_mapping(raw_track)
        if track is None:
            continue
        kind = _kind_of_track(track)
        segs: list[Seg] = []
        cursor = 0
        seen: dict[str, int] = {}
        for si, raw_seg in enumerate(_as_list(_first(track, _SEGMENTS))):
            seg = _as_mapping(raw_seg)
            if seg is None:
                continue
            start = _ms(seg, _START_MS, _START_S)
            dur = _ms(seg, _DUR_MS, _DUR_S)
            end = _ms(seg, _END_MS, _END_S)
            if start is None:
                start = cursor if (dur is not None or end is not None) else None
            if end is None and start is not None and dur is not None:
                end = start + dur
            if end is not None:
                cursor = end
            volume = _number(_first(seg, _VOLUME))
            if volume is not None and volume > 2:
                volume = volume / 100.0  # a percentage
            label = _label(kind, seg, lang)
            ident = seg.get("id") or seg.get("segment_id") or seg.get("uuid")
            if ident not in (None, ""):
                key = f"id:{ident}"
            else:
                base = f"{kind}:{label or si}"
                seen[base] = seen.get(base, 0) + 1
                key = f"{base}#{seen[base]}" if label else f"{kind}:{ti}:{si}"
            segs.append(
                Seg(
                    key=key,
                    kind=kind,
                    role=_segment_role(kind, seg, track),
                    label=label,
                    start=start,
                    end=end,
                    volume=volume,
                    fingerprint=json.dumps(seg, sort_keys=True, default=str),
                )
            )
        if segs:
            roles = {s.role for s in segs}
            role = segs[0].role if len(roles) == 1 else kind
            tracks.append(Track(kind=kind, role=role, segments=tuple(segs)))
    return tracks


# -- formatting ---------------------------------------------------------------------------


def _seconds(ms: int) -> str:
    value = round(ms / 1000.0, 1)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def format_span(
    start: int | None, end: int | None, lang: str, *, key: str = "timeline.span"
) -> str:
    """`0-10s` (the summary) or, with key="diff.span", `0–3 s` (sentences)."""
    if start is None and end is None:
        return ""
    return t(key, lang, start=_seconds(start or 0), end=_seconds(end if end is not None else 0))


def role_name(role: str, lang: str) -> str:
    return t(f"timeline.role.{role}", lang)


def _quoted(seg: Seg) -> bool:
    return seg.kind == "text"


def track_label(track: Track, lang: str, *, quote: str = '"{}"') -> str:
    labels: list[str] = []
    for seg in track.segments:
        text = seg.label or t("timeline.untitled", lang)
        text = quote.format(text) if _quoted(seg) and seg.label else text
        if text not in labels:
            labels.append(text)
    shown = labels[:3]
    out = t("timeline.join", lang).join(shown)
    if len(labels) > 3:
        out += " " + t("timeline.more", lang, n=len(labels) - 3)
    return out


def _volume(track: Track) -> str:
    if track.kind != "audio":
        return ""
    for seg in track.segments:
        if seg.volume is not None:
            return f"{round(seg.volume * 100)}%"
    return ""


def track_rows(tracks: list[Track], lang: str) -> list[list[str]]:
    return [
        [
            str(i),
            role_name(tr.role, lang),
            track_label(tr, lang),
            format_span(tr.start, tr.end, lang),
            _volume(tr),
        ]
        for i, tr in enumerate(tracks, 1)
    ]


def summarize(draft: Any, lang: str = "en") -> str:
    """`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) …`."""
    tracks = read_tracks(draft, lang)
    if not tracks:
        return t("timeline.empty", lang)
    items: list[str] = []
    for index, role, label, span, volume in track_rows(tracks, lang):
        details = t("timeline.detail_join", lang).join(x for x in (span, volume) if x)
        key = "timeline.item" if details else "timeline.item_bare"
        items.append(t(key, lang, index=index, role=role, label=label, details=details))
    header_key = "timeline.header_one" if len(tracks) == 1 else "timeline.header"
    return t("timeline.summary", lang, header=t(header_key, lang, count=len(tracks)), items=" ".join(items))


# -- media and canvas ---------------------------------------------------------------------


def _media_row(item: Any, lang: str, generated: bool) -> list[str] | None:
    data = _as_mapping(item)
    if data is None:
        return [_shorten(str(item)), "", ""] if isinstance(item, str) and item else None
    name = _first(data, ("filename", "file_name", "fileName", "name", "title", "n"))
    name = (
        _shorten(str(name))
        if name
        else _basename(_first(data, _SOURCE)) or str(data.get("id") or "")
    )
    kind = str(_first(data, ("file_type", "fileType", "type", "kind", "media_type")) or "")
    kind_text = t(f"media.type.{kind}", lang) if kind else ""
    if kind_text.startswith("media.type."):
        kind_text = kind
    if generated:
        kind_text = t("media.generated", lang, kind=kind_text or t("media.type.media", lang))
    width, height = _number(data.get("width")), _number(data.get("height"))
    duration = _number(_first(data, ("duration", "duration_s", "dur")))
    details: list[str] = []
    if width and height:
        details.append(f"{int(width)}×{int(height)}")
    if duration:
        details.append(t("media.seconds", lang, seconds=f"{duration:.1f}"))
    return [name, kind_text, ", ".join(details)]


def media_rows(video_infos: Any, generated_media: Any, lang: str = "en") -> list[list[str]]:
    rows: list[list[str]] = []
    for generated, items in ((False, video_infos), (True, generated_media)):
        for item in _as_list(items):
            row = _media_row(item, lang, generated)
            if row is not None:
                rows.append(row)
    return rows


def canvas_text(canvas: Any, draft: Any = None) -> str:
    """`1920×1080 (16:9)` from canvas_config, else from the draft's metadata."""
    sources = [_as_mapping(canvas)]
    d = _as_mapping(draft)
    if d is not None:
        sources.append(_as_mapping(d.get("m")) or _as_mapping(d.get("meta")))
    for src in sources:
        if not src:
            continue
        width, height = _number(src.get("width")), _number(src.get("height"))
        aspect = _first(src, ("aspect", "aspect_ratio", "aspectRatio", "ratio"))
        if width and height:
            size = f"{int(width)}×{int(height)}"
            return f"{size} ({aspect})" if aspect else size
        if aspect:
            return str(aspect)
    return ""
