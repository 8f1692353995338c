"""What one export may ask of this machine, checked before any work is done.

A draft is a few hundred bytes of JSON, but `"d": 36000000` in it means ten hours of video:
the render would hold the machine for days and its sound alone would need gigabytes. So the
cost of a render — how long the video is, how many segments and how big a frame, how many
frames a second, how much text to lay out — is read off the draft when the export is
submitted (a 400 with the reason, nothing queued) and again when a job is about to start (a
job stored by an older version or under wider limits fails with the same reason instead of
running). The numbers are settings (`python -m backend --help`).
"""

from __future__ import annotations

from backend.draft import TT_TEXT, Draft
from backend.envelope import message
from backend.settings import BackendSettings


class LimitExceeded(ValueError):
    """The reason, in words a person can act on (from data/messages.json)."""


def clock(seconds: float) -> str:
    """1:00:00, 30:00, 0:05 — how a person reads a video's length."""
    total = int(seconds + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def check_request_size(size: int, settings: BackendSettings) -> None:
    if size > settings.max_render_request_bytes:
        raise LimitExceeded(message("render_request_too_large",
                                    limit_mb=_mb(settings.max_render_request_bytes)))


def check_draft(draft: Draft, frame: tuple[int, int], settings: BackendSettings) -> None:
    """Raise LimitExceeded when rendering `draft` at `frame` (width, height) is over a limit."""
    segments = sum(len(track.sg) for track in draft.t)
    if segments > settings.max_render_segments:
        raise LimitExceeded(message("render_too_many_segments", count=segments,
                                    limit=settings.max_render_segments))
    seconds = (draft.computed_duration() or draft.d) / 1000  # as the renderer reads it
    if seconds > settings.max_render_seconds:
        raise LimitExceeded(message("render_too_long", length=clock(seconds),
                                    limit=clock(settings.max_render_seconds)))
    width, height = frame
    if max(width, height) > settings.max_render_side:
        raise LimitExceeded(message("render_frame_too_large", width=width, height=height,
                                    limit=settings.max_render_side))
    fps = settings.render_fps or draft.m.fps or 30
    if not 1 <= fps <= settings.max_render_fps:
        raise LimitExceeded(message("render_bad_fps", fps=fps, limit=settings.max_render_fps))
    for track in draft.tracks(TT_TEXT):
        for seg in track.sg:
            chars = len(seg.text or "")
            if chars > settings.max_text_chars:
                raise LimitExceeded(message("render_text_too_long", chars=chars,
                                            limit=settings.max_text_chars))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
