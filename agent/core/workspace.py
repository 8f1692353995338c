"""What the workspace page shows, built from the same typed state the chat reads.

The page (`agent/web/`) is a consumer like the terminal: it never calls the wire. After a
turn it asks the conversation for a `WorkspaceSnapshot`: the session's typed `Draft` as lanes
of segments in milliseconds, the media list, the credits and the canvas, with the words
already in the person's language (the same tables as `/status`). The local photo behind a
segment travels beside the view (`photos`), never inside it: the page gets a thumbnail URL,
the path stays in this process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.api import DraftSegment, NemoError, SessionNotFound, SessionState
from agent.messages import t

from .context import Context
from .timeline import canvas_text, display_name, media_rows, role_name, summarize

__all__ = ["WorkspaceSnapshot", "WorkspaceView", "workspace_snapshot"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class SegmentView(_View):
    key: str
    label: str
    start_ms: int
    duration_ms: int
    volume_pct: int | None = None
    fade_in_ms: int | None = None
    fade_out_ms: int | None = None
    motion: str | None = None
    transition: str | None = None
    position: str | None = None
    photo: str | None = None  # the media key of the photo it shows (a thumbnail exists)


class TrackView(_View):
    kind: str  # "video" | "audio" | "text" | "other"
    role: str
    title: str  # the role's name in the person's language


class LaneView(TrackView):
    segments: list[SegmentView]


class MediaView(_View):
    key: str
    name: str
    kind: str  # in the person's language
    size: int | None = None  # bytes, when the file is on this machine
    pixels: str = ""  # "1920×1080", "4.0 s"
    photo: bool = False  # a thumbnail can be made


class CreditsView(_View):
    available: int
    frozen: int
    total: int


class WorkspaceView(_View):
    lang: str
    summary: str
    lanes: list[LaneView]
    end_ms: int
    media: list[MediaView]
    credits: CreditsView | None = None
    canvas: str = ""
    canvas_width: int | None = None
    canvas_height: int | None = None


@dataclass(frozen=True)
class WorkspaceSnapshot:
    view: WorkspaceView
    photos: dict[str, Path] = field(default_factory=dict)  # media key → the local file


_PHOTO_TYPES = ("image", "photo", "picture", "img")
_MAX_LABEL = 500


def _segment(seg: DraftSegment, lang: str, photo: str | None) -> SegmentView:
    start = seg.start or 0
    duration = seg.duration if seg.duration is not None else max(0, (seg.end or start) - start)
    return SegmentView(
        key=seg.key,
        # the whole name (the lane clips it, its tooltip shows it): 40 characters are /status's
        label=" ".join(seg.name.split())[:_MAX_LABEL] if seg.name else display_name(seg, lang),
        start_ms=start,
        duration_ms=max(0, duration),
        volume_pct=round(seg.volume * 100) if seg.volume is not None else None,
        fade_in_ms=seg.fade_in,
        fade_out_ms=seg.fade_out,
        motion=seg.motion,
        transition=seg.transition,
        position=seg.position,
        photo=photo,
    )


def build_view(
    state: SessionState, lang: str, local_media: dict[str, Path], credits: CreditsView | None
) -> WorkspaceSnapshot:
    """The view of one state (pure: tests build it from a known draft)."""
    photos: dict[str, Path] = {}
    photo_by_name: dict[str, str] = {}
    media: list[MediaView] = []
    rows = media_rows(state.uploaded, state.generated, lang)
    items = [*state.uploaded, *state.generated]
    for item, (name, kind, pixels) in zip(items, rows, strict=False):
        path = local_media.get(item.name)
        size = None
        is_photo = path is not None and (
            not item.file_type or any(w in item.file_type.lower() for w in _PHOTO_TYPES)
        )
        if path is not None:
            try:
                size = path.stat().st_size
            except OSError:
                is_photo = False
        if is_photo and path is not None:
            photos[item.key] = path
            photo_by_name[item.name] = item.key
        media.append(MediaView(key=item.key, name=name, kind=kind, size=size, pixels=pixels,
                               photo=is_photo))
    lanes: list[LaneView] = []
    draft = state.draft
    for track in draft.tracks if draft is not None else ():
        segments = [
            _segment(seg, lang, photo_by_name.get(seg.name) if track.kind == "video" else None)
            for seg in track.segments
        ]
        lanes.append(LaneView(kind=track.kind, role=track.role,
                              title=role_name(track.role, lang), segments=segments))
    end = max((s.start_ms + s.duration_ms for lane in lanes for s in lane.segments), default=0)
    summary = summarize(draft, lang)
    if not lanes and media:
        summary = t("timeline.empty_with_media", lang)
    canvas = state.canvas
    view = WorkspaceView(
        lang=lang,
        summary=summary,
        lanes=lanes,
        end_ms=end,
        media=media,
        credits=credits,
        canvas=canvas_text(canvas),
        canvas_width=canvas.width if canvas is not None else None,
        canvas_height=canvas.height if canvas is not None else None,
    )
    return WorkspaceSnapshot(view=view, photos=photos)


async def workspace_snapshot(ctx: Context) -> WorkspaceSnapshot | None:
    """The session as the page shows it now; None when the service cannot be read."""
    try:
        state = await ctx.client.state()
    except (NemoError, SessionNotFound):
        return None
    credits: CreditsView | None
    try:
        found = await ctx.client.credits()
        credits = CreditsView(available=found.available, frozen=found.frozen, total=found.total)
    except NemoError:
        credits = None
    return build_view(state, ctx.lang, ctx.local_media, credits)
