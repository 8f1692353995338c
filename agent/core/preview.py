"""Preview: a quick look at the timeline before exporting it (`/preview`, "预览一下").

The draft is rendered at the backend's draft quality where its state reply offers one (the
local backend: 360p, 15 fps, seconds instead of tens of seconds), else as a normal export
render (the service, where export is free). The MP4 goes to the preview cache, never the export
folder; a contact sheet of it is made there, and `PreviewReady` names both. The cache is keyed
by a hash of the draft: asking again for an unchanged timeline answers at once, and an export
of a timeline whose preview was a full render saves that file instead of rendering again
(`reuse_preview`). Failures say what happened in the person's language: an empty timeline, a
failed or stuck render (the export's words), a full cache disk, a video that cannot be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

from agent.api import ApiError, DownloadError, Draft, RenderFailed, RenderJob
from agent.events import FileSaved, PreviewReady
from agent.preview.cache import SHEET, VIDEO, CacheEntry, CacheError, PreviewCache, draft_key
from agent.preview.sampler import SampleError
from agent.preview.speed import RenderSpeed, remaining

from .context import Context
from .progress import ProgressReporter

__all__ = ["announce_estimate", "export_sheet", "preview", "remember_speed", "reuse_preview"]

log = logging.getLogger("agent.core.preview")

DRAFT, HIGH = "draft", "high"
FIRST_POLL = 0.25  # seconds, then doubling up to the export's poll interval
MAX_LEARNED_WAIT = 1800.0  # seconds
MIN_ANNOUNCED = 5.0  # seconds: a shorter wait is over before the words are read


class _Stopped(Exception):
    """The preview ended without a video (already reported): nothing may be cached."""


def _elapsed(ctx: Context, seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return ctx.say("media.seconds", seconds=seconds)


def _key(ctx: Context, draft: Draft, quality: str) -> str:
    return draft_key(draft.raw, quality=quality, backend=ctx.client.config.base_url)


def _draft_seconds(draft: Draft) -> float | None:
    end = draft.end
    return end / 1000.0 if end is not None else None


def announce_estimate(ctx: Context, kind: str, duration: float | None) -> None:
    """"This should take about 9 s." before a render, once this backend has made one (and
    only for a wait worth announcing)."""
    guess = RenderSpeed().estimate(ctx.client.config.base_url, kind, duration)
    if guess is not None and guess >= MIN_ANNOUNCED:
        ctx.notice("render.estimate", seconds=_elapsed(ctx, guess))


def remember_speed(ctx: Context, kind: str, duration: float | None, seconds: float) -> None:
    if seconds <= MAX_LEARNED_WAIT:  # a render picked up again hours later says nothing of speed
        RenderSpeed().record(ctx.client.config.base_url, kind, duration, seconds)


def _ready(ctx: Context, entry: CacheEntry, *, cached: bool) -> None:
    meta = entry.meta
    duration = meta.get("duration")
    ctx.emit(
        PreviewReady(
            sheet=str(entry.sheet),
            video=str(entry.video) if entry.video.is_file() else None,
            duration=float(duration) if isinstance(duration, int | float) else None,
            times=[float(t) for t in meta.get("times", []) if isinstance(t, int | float)],
            cached=cached,
        )
    )


async def preview(ctx: Context, cache: PreviewCache | None = None) -> bool:
    state = await ctx.client.state()
    draft = state.draft
    if draft is None or not draft.tracks:
        ctx.error("nothing_to_preview", "preview.nothing", "preview.nothing.hint")
        return False
    cache = cache or PreviewCache()
    quality = DRAFT if DRAFT in state.render_qualities else HIGH
    key = _key(ctx, draft, quality)
    entry = await asyncio.to_thread(cache.get, key)
    if entry is not None:
        ctx.notice("preview.cached")
        _ready(ctx, entry, cached=True)
        return True
    try:
        with cache.staging(key) as folder:
            if quality == HIGH:
                ctx.notice("preview.full_render")
            await _build(ctx, draft, quality, folder, cache)
    except _Stopped:
        return False
    except CacheError as exc:
        ctx.clear_status()
        ctx.error(f"preview_{exc.reason}", f"preview.{exc.reason}", f"preview.{exc.reason}.hint",
                  folder=str(exc.folder))
        return False
    except SampleError as exc:
        ctx.clear_status()
        ctx.error("preview_undecodable", "preview.undecodable", "preview.undecodable.hint",
                  reason=exc.reason)
        return False
    ctx.clear_status()
    entry = await asyncio.to_thread(cache.get, key)
    if entry is None:  # evicted at once: a cache bound smaller than one preview
        ctx.error("preview_no_space", "preview.no_space", "preview.no_space.hint",
                  folder=str(cache.root))
        return False
    _ready(ctx, entry, cached=False)
    return True


async def _build(ctx: Context, draft: Draft, quality: str, folder: Path,
                 cache: PreviewCache) -> None:
    from agent.preview.contact import contact_sheet

    render_id = ctx.client.new_render_id()
    duration = _draft_seconds(draft)
    announce_estimate(ctx, f"preview-{quality}", duration)
    ctx.status("preview.submitting")
    started = time.monotonic()
    # strict writer: the draft goes back exactly as the service gave it
    await ctx.client.submit_render(draft.raw, render_id=render_id, quality=quality)
    job = await _follow(ctx, render_id)
    remember_speed(ctx, f"preview-{quality}", duration, time.monotonic() - started)
    video = folder / VIDEO
    await _download(ctx, render_id, job, folder)
    ctx.status("preview.sampling")
    sheet = await asyncio.to_thread(contact_sheet, video, folder / SHEET)
    cache.write_meta(folder, {
        "video": True, "quality": quality, "render_id": render_id, "created": time.time(),
        "duration": job.duration if job.duration is not None else sheet.video.duration,
        "times": sheet.times, "size": video.stat().st_size,
    })


async def _follow(ctx: Context, render_id: str) -> RenderJob:
    """Poll the render like an export does (sooner polls first), with its own bar."""
    settings = ctx.settings
    ctx.clear_status()
    started = time.monotonic()
    give_up = started + settings.render_timeout
    bar = ProgressReporter(ctx.emit, "preview", ctx.say("preview.rendering", elapsed=_elapsed(ctx, 0)))
    polls = 0
    while True:
        try:
            job = await ctx.client.render_status(render_id)
        except ApiError as exc:
            if exc.status == 404 or exc.code == 404:
                ctx.error("preview_job_gone", "preview.job_gone", "preview.job_gone.hint")
                raise _Stopped from None
            raise
        elapsed = time.monotonic() - started
        left = remaining(elapsed, job.progress)  # the estimate, corrected as it runs
        label = (ctx.say("preview.rendering", elapsed=_elapsed(ctx, elapsed)) if left is None else
                 ctx.say("preview.rendering_left", elapsed=_elapsed(ctx, elapsed),
                         left=_elapsed(ctx, max(1.0, left))))
        bar.update(job.progress, 100, label=label)
        if job.status == "completed":
            bar.done(100, label=ctx.say("preview.rendered",
                                        elapsed=_elapsed(ctx, time.monotonic() - started)))
            return job
        if job.status in ("failed", "cancelled"):
            bar.done(job.progress, label=ctx.say("preview.render_failed_label"))
            raise RenderFailed(reason=job.error or job.status)
        if time.monotonic() >= give_up:
            bar.done(job.progress, label=ctx.say("preview.render_failed_label"))
            with contextlib.suppress(Exception):
                await ctx.client.cancel_render(render_id)
            ctx.error("preview_stuck", "preview.still_rendering", "preview.still_rendering.hint")
            raise _Stopped
        # sooner than an export's first polls: a draft takes seconds, not a minute
        wait = min(settings.poll_interval, min(FIRST_POLL, settings.first_poll) * 2**polls)
        polls += 1
        await asyncio.sleep(max(0.0, min(wait, give_up - time.monotonic())))


async def _download(ctx: Context, render_id: str, job: RenderJob, folder: Path) -> None:
    bar = ProgressReporter(ctx.emit, "preview-download", ctx.say("preview.downloading"))
    bar.update(0, job.size)

    def on_progress(done: int, total: int | None) -> None:
        bar.update(done, total)

    try:
        if job.url:
            try:
                result = await ctx.client.download(job.url, folder, name=VIDEO,
                                                   on_progress=on_progress)
            except DownloadError:
                result = await ctx.client.download_render(render_id, folder, name=VIDEO,
                                                          on_progress=on_progress)
        else:
            result = await ctx.client.download_render(render_id, folder, name=VIDEO,
                                                      on_progress=on_progress)
    except DownloadError:
        bar.done(0, label=ctx.say("export.download_failed_label"))
        raise
    bar.done(result.size)


async def reuse_preview(ctx: Context, draft: Draft, resolution: str | None,
                        name: str, cache: PreviewCache | None = None) -> bool:
    """Export: save the cached full-quality preview of this very draft instead of rendering.

    Only a preview rendered as a normal export qualifies (a backend without draft quality),
    and only when the export asks for no particular resolution. The file is copied to a
    `.part` name in the export folder and renamed: the cache keeps its copy.
    """
    if resolution:
        return False
    cache = cache or PreviewCache()
    entry = await asyncio.to_thread(cache.get, _key(ctx, draft, HIGH))
    if entry is None or not entry.video.is_file():
        return False
    out_dir: Path = ctx.settings.out_dir
    ctx.notice("export.reused_preview")
    target = out_dir / name

    def copy() -> int:
        nonlocal target
        out_dir.mkdir(parents=True, exist_ok=True)
        n = 1
        while target.exists():  # never over a file that is there already
            target = out_dir / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            shutil.copyfile(entry.video, part)
            os.replace(part, target)
        finally:
            with contextlib.suppress(OSError):
                part.unlink()
        return target.stat().st_size

    size = await asyncio.to_thread(copy)
    duration = entry.meta.get("duration")
    ctx.emit(FileSaved(path=str(target), size=size,
                       duration=float(duration) if isinstance(duration, int | float) else None))
    return True


async def export_sheet(ctx: Context, video: Path, cache: PreviewCache | None = None) -> bool:
    """After an export: the contact sheet of the saved file itself, kept in the preview cache.

    The export has succeeded whatever happens here: a sheet that cannot be made (an unreadable
    file, a full cache disk) is left out without a word beyond the debug log.
    """
    from agent.preview.contact import contact_sheet

    cache = cache or PreviewCache()
    try:
        info = await asyncio.to_thread(video.stat)
        key = "export-" + draft_key({"file": str(video.resolve()), "size": info.st_size,
                                     "mtime": info.st_mtime_ns}, quality="export", backend="")[:24]
        ctx.status("preview.sampling")
        with cache.staging(key) as folder:
            sheet = await asyncio.to_thread(contact_sheet, video, folder / SHEET)
            cache.write_meta(folder, {"video": False, "export": str(video), "created": time.time(),
                                      "duration": sheet.video.duration, "times": sheet.times})
    except (OSError, CacheError, SampleError):
        log.debug("no contact sheet for %s", video, exc_info=True)
        ctx.clear_status()
        return False
    ctx.clear_status()
    entry = await asyncio.to_thread(cache.get, key)
    if entry is None:
        return False
    _ready(ctx, entry, cached=False)
    return True
