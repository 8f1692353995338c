"""Export: check the draft, submit the render, follow it, download the MP4.

The render id is remembered in the config folder from before the submit until the file is
saved, so Ctrl-C, a closed terminal or a crash leaves a job that `/export` or `--resume` picks
up again (the job lives on the server; the contract says a client must be able to return to
it by its id). A 402 is a plan problem, never a credits one; `report()` says so.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.api import ApiError, DownloadError, DownloadResult, RenderFailed, RenderJob
from agent.events import FileSaved

from .context import Context
from .memory import PendingRender
from .progress import ProgressReporter
from .render_watch import RenderWatch, clock, status_within_window, within_window

__all__ = ["export", "follow_render", "parse_export_words", "pending_render_of_this_session"]


class _ExportWords(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    resolutions: dict[str, list[str]]
    other_formats: list[str]


@cache
def _words() -> tuple[list[tuple[re.Pattern[str], str]], re.Pattern[str]]:
    text = (
        resources.files("agent.core.data").joinpath("export_words.json").read_text(encoding="utf-8")
    )
    data = _ExportWords.model_validate(json.loads(text))
    table: list[tuple[re.Pattern[str], str]] = []
    for value, words in data.resolutions.items():
        for word in words:
            if word.isascii():
                table.append(
                    (re.compile(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", re.I), value)
                )
            else:
                table.append((re.compile(re.escape(word)), value))
    table.sort(key=lambda pair: -len(pair[0].pattern))  # "full hd" before "hd", 超高清 before 高清
    formats = re.compile(
        r"(?<![A-Za-z0-9.])(" + "|".join(map(re.escape, data.other_formats)) + r")(?![A-Za-z0-9])",
        re.I,
    )
    return table, formats


def parse_export_words(text: str) -> tuple[str | None, str | None]:
    """(resolution, another format asked for) from "export 1080p MP4" / "导出 4K 的视频"."""
    table, formats = _words()
    resolution = next((value for pattern, value in table if pattern.search(text)), None)
    other = formats.search(text)
    return resolution, (other.group(1).upper() if other else None)


def _file_name(title: str | None) -> str:
    stem = re.sub(r"[^\w\-]+", "-", (title or "").strip(), flags=re.UNICODE).strip("-")[:40]
    if not stem or stem.lower() == "project":
        stem = "nemo-video"
    return f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.mp4"


def pending_render_of_this_session(ctx: Context) -> PendingRender | None:
    """The remembered render, only when this session started it.

    The config folder may be shared (another run, another person): a render remembered by
    another session is never picked up, so nobody is ever given someone else's video."""
    pending = ctx.memory.pending_render()
    if pending is None or pending.session_id is None:
        return None
    return pending if pending.session_id == ctx.client.session_id else None


async def export(ctx: Context, words: str = "", *, file_name: str | None = None) -> bool:
    """Render the session's draft and save it (as `file_name` in the output folder when given,
    else a name from the title and the time; an existing file is never replaced)."""
    resolution, other = parse_export_words(words)
    if other:
        ctx.notice("export.mp4_only", fmt=other)
    pending = pending_render_of_this_session(ctx)
    if pending is not None:
        ctx.notice("export.resuming")
        outcome = await follow_render(ctx, pending)
        if outcome is not None:
            return outcome
        # the job is gone on the server: make a new one
    state = await ctx.client.state()
    draft = state.draft
    if draft is None or not draft.tracks:
        ctx.error("nothing_to_export", "export.nothing", "export.nothing.hint")
        return False
    end = draft.end
    render = PendingRender(
        id=ctx.client.new_render_id(),
        session_id=ctx.client.session_id,
        resolution=resolution,
        title=draft.title,
        duration=end / 1000.0 if end is not None else None,
        file_name=file_name,
    )
    from .preview import announce_estimate, reuse_preview  # (the preview's cache and speeds)

    if await reuse_preview(ctx, draft, resolution, _file_name(render.title)):
        return True
    ctx.memory.remember_render(render)
    announce_estimate(ctx, f"export-{resolution or 'default'}", render.duration)
    ctx.status("export.submitting")
    try:
        # strict writer: the draft goes back exactly as the service gave it
        await ctx.client.submit_render(draft.raw, render_id=render.id, resolution=resolution)
    except asyncio.CancelledError:
        raise  # it may have started: keep it remembered
    except BaseException:
        ctx.memory.forget_render(render.id)
        raise
    outcome = await follow_render(ctx, render)
    return bool(outcome)


async def follow_render(ctx: Context, render: PendingRender) -> bool | None:
    """Poll until done, then download. None = the server no longer knows this job.

    The first polls come sooner (first_poll, doubling up to poll_interval) so that a render
    that takes seconds is not waited on for the full 30-s interval. The bar tells the elapsed
    time and the service's words; a render that does not move is said to (`RenderWatch`); a
    service out of reach is waited for (`status_within_window`).
    """
    settings = ctx.settings
    ctx.clear_status()  # the render's own bar says what is happening from here on
    started = time.monotonic() - max(0.0, time.time() - render.started_at)  # shown: since submit
    give_up = time.monotonic() + settings.render_timeout  # this wait, not the job's whole life
    watch = RenderWatch(ctx, started)
    bar = ProgressReporter(ctx.emit, "render", watch.label(None))
    job: RenderJob | None = None
    polls = 0
    while True:
        try:
            job = await status_within_window(ctx, render.id, bar, job.progress if job else 0.0)
        except ApiError as exc:
            if exc.status == 404 or exc.code == 404:
                ctx.memory.forget_render(render.id)
                ctx.notice("export.job_gone")
                return None
            raise
        bar.update(job.progress, 100, label=watch.label(job))
        if job.status == "completed":
            break
        if job.status in ("failed", "cancelled"):
            ctx.memory.forget_render(render.id)
            bar.done(job.progress, label=ctx.say("export.render_failed_label"), failed=True)
            raise RenderFailed(reason=job.error or job.status)
        watch.saw(job)
        if time.monotonic() >= give_up:
            ctx.notice("export.still_rendering", "warning")
            return False
        # wait for the next poll, telling the time meanwhile
        wait = min(settings.poll_interval, settings.first_poll * 2**polls)
        polls += 1
        next_poll = time.monotonic() + wait
        while (left := next_poll - time.monotonic()) > 0:
            await asyncio.sleep(min(left, settings.progress_tick))
            bar.update(job.progress, 100, label=watch.label(job))
    bar.done(100, label=ctx.say("export.rendered", elapsed=clock(ctx, watch.elapsed())))
    from .preview import remember_speed  # for the next "about 9 s"

    remember_speed(ctx, f"export-{render.resolution or 'default'}", render.duration,
                   watch.elapsed())
    return await _download(ctx, render, job)


async def _download(ctx: Context, render: PendingRender, job: RenderJob) -> bool:
    out_dir: Path = ctx.settings.out_dir
    await asyncio.to_thread(ctx.settings.make_out_dir)
    name = render.file_name or _file_name(render.title)
    bar = ProgressReporter(
        ctx.emit, "download", ctx.say("export.downloading", name=name)
    )
    bar.update(0, job.size)

    def on_progress(done: int, total: int | None) -> None:
        bar.update(done, total)

    async def fetch() -> DownloadResult:
        bar.update(0, label=ctx.say("export.downloading", name=name))  # after a countdown too
        if job.url:
            try:
                return await ctx.client.download(
                    job.url, out_dir, name=name, on_progress=on_progress
                )
            except DownloadError:
                pass  # the signed URL may have expired: the service's own route
        return await ctx.client.download_render(
            render.id, out_dir, name=name, on_progress=on_progress
        )

    try:
        # a service out of reach (a restart) is waited for, as while the render ran
        result = await within_window(ctx, fetch, lambda words: bar.update(0, label=words))
    except DownloadError:
        bar.done(0, label=ctx.say("export.download_failed_label"), failed=True)
        raise
    bar.done(result.size)
    ctx.memory.forget_render(render.id)
    duration = job.duration if job.duration is not None else render.duration
    ctx.emit(FileSaved(path=str(result.path), size=result.size, duration=duration))
    from .preview import export_sheet  # the thumbnail strip of the real file

    await export_sheet(ctx, result.path)
    return True
