"""The timeline summary, the way the contract prints it, from the wire's typed draft.

`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) …`, plus
the rows of the track, media and canvas tables. Reading the draft is the wire's business
(`agent/api/draft.py`); here are only the words, in the person's language.
"""

from __future__ import annotations

from agent.api import Canvas, Draft, DraftSegment, DraftTrack, MediaItem
from agent.messages import t

__all__ = [
    "canvas_text",
    "display_name",
    "format_span",
    "media_rows",
    "summarize",
    "track_rows",
]

_MAX_LABEL = 40


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def display_name(seg: DraftSegment, lang: str) -> str:
    """The segment's name as shown (shortened); a music bed without one: its style's name."""
    if seg.name:
        return _shorten(seg.name)
    style = seg.music_style
    if not style:
        return ""
    named = t(f"music.style.{style}", lang)
    return named if named != f"music.style.{style}" else style.title()


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


def track_label(track: DraftTrack, lang: str, *, quote: str = '"{}"') -> str:
    labels: list[str] = []
    for seg in track.segments:
        name = display_name(seg, lang)
        text = name or t("timeline.untitled", lang)
        text = quote.format(text) if seg.kind == "text" and name else text
        if text not in labels:
            labels.append(text)
    shown = labels[:3]
    out = t("timeline.join", lang).join(shown)
    if len(labels) > 3:
        out += " " + t("timeline.more", lang, n=len(labels) - 3)
    return out


def _volume(track: DraftTrack) -> str:
    if track.kind != "audio":
        return ""
    for seg in track.segments:
        if seg.volume is not None:
            return f"{round(seg.volume * 100)}%"
    return ""


def track_rows(tracks: tuple[DraftTrack, ...], lang: str) -> list[list[str]]:
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


def summarize(draft: Draft | None, lang: str = "en") -> str:
    """`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) …`."""
    tracks = draft.tracks if draft is not None else ()
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


def _media_row(item: MediaItem, lang: str, generated: bool) -> list[str]:
    kind = item.file_type
    kind_text = t(f"media.type.{kind}", lang) if kind else ""
    if kind_text.startswith("media.type."):
        kind_text = kind
    if generated:
        kind_text = t("media.generated", lang, kind=kind_text or t("media.type.media", lang))
    details: list[str] = []
    if item.width and item.height:
        details.append(f"{item.width}×{item.height}")
    if item.duration:
        details.append(t("media.seconds", lang, seconds=f"{item.duration:.1f}"))
    return [_shorten(item.name), kind_text, ", ".join(details)]


def media_rows(
    uploaded: list[MediaItem], generated: list[MediaItem], lang: str = "en"
) -> list[list[str]]:
    return [_media_row(item, lang, False) for item in uploaded] + [
        _media_row(item, lang, True) for item in generated
    ]


def canvas_text(canvas: Canvas | None) -> str:
    """`1920×1080 (16:9)`, `1920×1080`, `9:16`, or "" when the size is not known."""
    if canvas is None:
        return ""
    if canvas.width and canvas.height:
        size = f"{canvas.width}×{canvas.height}"
        return f"{size} ({canvas.aspect})" if canvas.aspect else size
    return canvas.aspect or ""
