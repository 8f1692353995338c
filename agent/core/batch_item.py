"""One batch item: photos → its own session → the person's instruction → one saved video.

The batch (`agent/batch/`) is a consumer of the core, not a second implementation of it: an
item runs the chat's own handlers (upload, relay, export) in a session of its own, over the
batch's one client (`for_another_session`: one connection pool, one token). What the
handlers emit is read here for the item's stage (uploading, editing, rendering n%, saving) and
its failure (the same sentence the chat would say), so the batch shows states, not a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.api.errors import SUPPORTED_FORMATS, NoCredits
from agent.api.uploads import HEIC_EXTS
from agent.events import Error, Event, FileSaved, Link, Progress

from .context import Context
from .failures import report
from .language import session_language
from .memory import RunMemory
from .settings import ChatSettings

if TYPE_CHECKING:
    from agent.api import NemoClient

__all__ = ["IMAGE_EXTENSIONS", "ItemResult", "OnStage", "check_batch_credits", "run_batch_item"]

log = logging.getLogger("agent.core")

# the images among the formats the upload accepts (the skill's list), HEIC converted on upload
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {ext for ext in SUPPORTED_FORMATS if ext in ("jpg", "jpeg", "png", "gif", "webp")}
    | set(HEIC_EXTS)
)

NO_CREDITS = "2001"

# (stage, percent or None): "uploading", "editing", "titling", "rendering", "saving"
OnStage = Callable[[str, float | None], None]


@dataclass
class ItemResult:
    ok: bool
    path: str | None = None
    duration: float | None = None  # of the video, seconds
    code: str = ""  # the failure's code ("2001", "4001", "local_file", …)
    reason: str = ""  # the failure, as the chat would say it
    hint: str = ""
    links: list[str] = field(default_factory=list)

    @property
    def out_of_credits(self) -> bool:
        return self.code == NO_CREDITS


class _ItemEvents:
    """The handlers' events for one item, read for its stage, its file and its failure."""

    def __init__(self, on_stage: OnStage) -> None:
        self.on_stage = on_stage
        self.errors: list[Error] = []
        self.links: list[str] = []
        self.saved: FileSaved | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, Error):
            self.errors.append(event)
        elif isinstance(event, Link):
            self.links.append(event.url)
        elif isinstance(event, FileSaved):
            self.saved = event
        elif isinstance(event, Progress) and event.task == "render":
            total = event.total or 100.0
            self.on_stage("rendering", max(0.0, min(100.0, 100.0 * event.completed / total)))
        elif isinstance(event, Progress) and event.task == "download":
            self.on_stage("saving", None)

    def failed(self, fallback: str) -> ItemResult:
        if self.errors:
            first = self.errors[0]
            return ItemResult(ok=False, code=first.code, reason=first.message, hint=first.hint,
                              links=list(self.links))
        return ItemResult(ok=False, code="failed", reason=fallback, links=list(self.links))


async def run_batch_item(
    client: NemoClient,
    settings: ChatSettings,
    *,
    photos: list[Path],
    instruction: str,
    title: str | None,
    file_name: str,
    on_stage: OnStage,
    lang: str = "en",
) -> ItemResult:
    """Run one item to its saved video (`settings.out_dir / file_name`), or say why not.

    Never raises but CancelledError (a second Ctrl-C): then the item's render is cancelled on
    the server, best effort, and the cancellation goes on."""
    from .export import export
    from .relay import relay
    from .upload import upload

    item_client = client.for_another_session()
    events = _ItemEvents(on_stage)
    ctx = Context(client=item_client, settings=settings, emit=events, memory=RunMemory(),
                  lang=lang)
    try:
        on_stage("uploading", None)
        await item_client.create_session(session_language(lang))
        _, failed = await upload(ctx, [str(p) for p in photos])
        if failed:
            return events.failed(ctx.say("batch.fail.upload"))
        on_stage("editing", None)
        outcome = await relay(ctx, instruction)
        if not outcome.ok:
            return events.failed(ctx.say("batch.fail.edit"))
        if title:
            on_stage("titling", None)
            outcome = await relay(ctx, ctx.say("batch.title_request", title=title))
            if not outcome.ok:
                return events.failed(ctx.say("batch.fail.edit"))
        on_stage("rendering", 0.0)
        if not await export(ctx, "", file_name=file_name) or events.saved is None:
            return events.failed(ctx.say("batch.fail.render"))
    except asyncio.CancelledError:
        await _cancel_render(ctx)
        raise
    except Exception as exc:
        log.debug("batch item failed", exc_info=True)
        report(ctx, exc)
        return events.failed(type(exc).__name__)
    finally:
        ctx.drain_notices()  # the shared client's notices: read, so they never pile up
    saved = events.saved
    return ItemResult(ok=True, path=saved.path, duration=saved.duration)


async def check_batch_credits(
    client: NemoClient, settings: ChatSettings, *, lang: str = "en"
) -> ItemResult | None:
    """Before a batch starts: None when it may (credits left, or the balance unknown), else
    the out-of-credits failure with the way forward (the chat's 2001 message and link).

    The service does not say ahead what an edit costs, so "enough" can only mean "some": a
    batch that runs out part-way stops starting items on the first 2001, and resumes later."""
    events = _ItemEvents(lambda stage, percent: None)
    ctx = Context(client=client, settings=settings, emit=events, memory=RunMemory(), lang=lang)
    try:
        credits = await client.credits()
    except Exception:
        log.debug("credits check failed", exc_info=True)
        return None  # the first item will say what is wrong
    if credits.available > 0:
        return None
    bind = client.user_id
    registered = bind is not None and not bind.startswith("anon_")
    report(ctx, NoCredits(bind_id=bind, registered=registered))
    return events.failed("")


async def _cancel_render(ctx: Context) -> None:
    pending = ctx.memory.pending_render()
    if pending is None:
        return
    with contextlib.suppress(Exception):
        await asyncio.shield(asyncio.wait_for(ctx.client.cancel_render(pending.id), 5.0))
