"""Following a render that takes long, stalls, or whose service drops out for a while.

Two things a person must never be left without while a render runs: a sign of life (the
elapsed time, what the service says it is doing, and a word when nothing has moved for a long
time), and patience with the connection (the service restarting or the network dropping for a
few minutes must not end the export: the job goes on over there). `RenderWatch` words the
render's bar and says when it looks stuck; `within_window` makes a call (the job's status, the
download) and keeps making it, with a visible countdown, for `reconnect_window` seconds while
the service cannot be reached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from agent.api import ApiError, DownloadError, RenderJob, ServiceUnreachable

from .context import Context
from .progress import ProgressReporter

__all__ = ["RenderWatch", "clock", "status_within_window", "within_window"]

T = TypeVar("T")

STAGE_MAX = 60  # characters of the service's own words shown in the bar


def clock(ctx: Context, seconds: float) -> str:
    """ "42 s" or "3:07": a duration as the bar shows it."""
    seconds = max(0, int(seconds))
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return ctx.say("media.seconds", seconds=seconds)


class RenderWatch:
    """The render's bar label and the notes said when it does not move."""

    def __init__(self, ctx: Context, started: float) -> None:
        self.ctx = ctx
        self.started = started  # monotonic time of the submit
        self._progress = -1.0
        self._moved_at = time.monotonic()
        self._said_at = time.monotonic()  # the last sign of life given as a line
        self._stuck_said = False

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def label(self, job: RenderJob | None) -> str:
        """ "Rendering… 3:07 · encoding frames" (or waiting for a renderer, while queued)."""
        key = "export.render_queued" if job is not None and job.status == "pending" else (
            "export.rendering")
        text = self.ctx.say(key, elapsed=clock(self.ctx, self.elapsed()))
        stage = (job.stage or "").strip() if job is not None else ""
        if stage:
            text += " · " + (stage if len(stage) <= STAGE_MAX else stage[: STAGE_MAX - 1] + "…")
        return text

    def saw(self, job: RenderJob) -> None:
        """A status reply came: note progress, else give a sign of life or say it looks stuck."""
        now = time.monotonic()
        if job.progress != self._progress:
            self._progress, self._moved_at, self._stuck_said = job.progress, now, False
            self._said_at = now
            return
        settings = self.ctx.settings
        still = now - self._moved_at
        if still >= settings.render_stuck_after and not self._stuck_said:
            self._stuck_said = True
            self._said_at = now
            self.ctx.notice("export.looks_stuck", "warning", still=clock(self.ctx, still),
                            percent=int(job.progress))
        elif now - self._said_at >= settings.still_working_every:
            self._said_at = now
            self.ctx.notice("export.still_at", percent=int(job.progress),
                            label=self.label(job))


def _unreachable(exc: Exception) -> bool:
    """The service did not answer (down, restarting, a dropped connection), not a refusal."""
    if isinstance(exc, ServiceUnreachable):
        return True
    if isinstance(exc, DownloadError):
        return exc.unreachable
    return isinstance(exc, ApiError) and exc.status is not None and exc.status >= 500


async def within_window(
    ctx: Context, call: Callable[[], Awaitable[T]], countdown: Callable[[str], None]
) -> T:
    """`call()`; while the service is out of reach, called again (after 1, 2, 4 … 15 s, with
    `countdown` shown the words of the wait) until `reconnect_window` has passed, then the
    last failure is raised."""
    settings = ctx.settings
    give_up: float | None = None
    attempt = 0
    while True:
        try:
            result = await call()
        except (ServiceUnreachable, ApiError, DownloadError) as exc:
            if not _unreachable(exc):
                raise
            now = time.monotonic()
            if give_up is None:
                give_up = now + settings.reconnect_window
                ctx.notice("export.connection_lost", "warning",
                           window=clock(ctx, settings.reconnect_window))
            if now >= give_up:
                raise
            attempt += 1
            retry_at = min(give_up, now + min(2.0 ** (attempt - 1), 15.0))  # 1, 2, 4 … 15 s
            while (left := retry_at - time.monotonic()) > 0:
                countdown(ctx.say("export.reconnecting", seconds=max(1, round(left)),
                                  left=clock(ctx, give_up - time.monotonic())))
                await asyncio.sleep(min(left, settings.progress_tick))
            continue
        if give_up is not None:
            ctx.notice("export.connection_back", "success")
        return result


async def status_within_window(
    ctx: Context, render_id: str, bar: ProgressReporter, progress: float
) -> RenderJob:
    """The job's status, asked again with a countdown on the render bar while out of reach."""
    return await within_window(
        ctx,
        lambda: ctx.client.render_status(render_id),
        lambda words: bar.update(progress, 100, label=words),
    )
