"""The read-only handlers: what a person reads back (the credits, the timeline)."""

from __future__ import annotations

from agent.api import SessionState
from agent.events import Table, Timeline
from agent.messages import t

from .context import Context
from .status_table import heading, segment_columns, segment_rows
from .timeline import canvas_text, media_rows, summarize

__all__ = ["show_credits", "show_state", "timeline_event"]


async def show_credits(ctx: Context) -> bool:
    credits = await ctx.client.credits()
    ctx.credits = credits.available  # the next turn's balance is compared with this one
    ctx.emit(
        Table(
            title=ctx.say("credits.title"),
            columns=[
                ctx.say("credits.available"),
                ctx.say("credits.frozen"),
                ctx.say("credits.total"),
            ],
            rows=[[str(credits.available), str(credits.frozen), str(credits.total)]],
        )
    )
    return True


def timeline_event(state: SessionState, lang: str, *, full: bool = True) -> Timeline:
    """The timeline once: a heading, then the table (a header row, one row per segment)."""
    draft = state.draft
    tracks = draft.tracks if draft is not None else ()
    media = media_rows(state.uploaded, state.generated, lang)
    if draft is None or not tracks:
        summary = summarize(draft, lang)
        if media:  # photos are here already: the next step is asking for the video
            summary = t("timeline.empty_with_media", lang)
        return Timeline(summary=summary, media=media if full else [],
                        canvas=canvas_text(state.canvas) if full else "")
    return Timeline(
        summary=heading(draft, lang),
        columns=segment_columns(lang),
        tracks=segment_rows(tracks, lang),
        media=media if full else [],
        canvas=canvas_text(state.canvas) if full else "",
    )


async def show_state(ctx: Context, *, full: bool = True) -> bool:
    """The timeline summary; with `full`, also the uploaded media and the canvas."""
    state = await ctx.client.state()
    event = timeline_event(state, ctx.lang, full=full)
    if event == ctx.last_timeline:  # the same timeline is right above: not twice in a row
        ctx.notice("state.as_above")
        return True
    ctx.emit(event)
    return True
