"""The workspace's view of the chat: events in, page updates out over SSE.

The hub is a consumer of the core's events (it sits in the sink beside the renderer and the
recorder). What the conversation says becomes a short activity log; the end of every turn
(silent edits included), an upload or a saved file asks the conversation for a fresh
`WorkspaceSnapshot`, read between turns from the same typed state the chat shows, and every
open page gets it at once. No page polls: each holds one SSE stream, fed from a queue here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agent.messages import t

if TYPE_CHECKING:
    from agent.core import WorkspaceSnapshot
    from agent.events import Event

__all__ = ["Hub", "WorkspaceConversation"]

log = logging.getLogger("agent.web")

_LOG_LINES = 40
_QUEUE = 64  # a page that falls this far behind gets the latest state on reconnect instead
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm")


class WorkspaceConversation(Protocol):
    """What the workspace needs of `agent.core.Conversation`."""

    @property
    def lang(self) -> str: ...

    async def handle(self, text: str, *, source: str = ...) -> bool: ...

    async def workspace(self) -> WorkspaceSnapshot | None: ...


class Hub:
    def __init__(self, conv: WorkspaceConversation, out_dir: Path) -> None:
        self.conv = conv
        self.out_dir = out_dir.resolve()
        self.version = 0
        self.view: dict[str, Any] | None = None
        self.photos: dict[str, Path] = {}
        self.export: Path | None = None
        self.busy = False
        self.status = ""
        self.log: deque[dict[str, str]] = deque(maxlen=_LOG_LINES)
        self._reply = ""
        self._subs: set[asyncio.Queue[str | None]] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._again = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False
        self._last_activity = 0.0
        self.turn_ended_at: float | None = None  # monotonic: the delay a test measures

    # -- events in --------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception:  # the page must never break the chat
            log.debug("workspace event failed", exc_info=True)

    def _on_event(self, event: Event) -> None:
        from agent import events as ev

        if isinstance(event, ev.UserMessage):
            self.busy = True
            self._say("you", event.text)
        elif isinstance(event, ev.TextDelta):
            self._reply += event.text
        elif isinstance(event, ev.TextReplace):
            self._reply = event.text
        elif isinstance(event, ev.TextDone):
            self._flush_reply()
        elif isinstance(event, ev.Notice):
            self._say(event.level, event.text)
        elif isinstance(event, ev.Action):
            self._say("info", event.text)
        elif isinstance(event, ev.Error):
            self._say("error", event.message + (f" {event.hint}" if event.hint else ""))
        elif isinstance(event, ev.Status):
            self._flush_reply()  # a new step of the reply starts after the work it announces
            self.status = event.text
            self._activity()
        elif isinstance(event, ev.StatusClear):
            self.status = ""
            self._activity()
        elif isinstance(event, ev.Progress):
            share = event.completed / event.total if event.total else None
            self.status = event.label + (f" {share:.0%}" if share is not None else "")
            if event.done:
                self.status = ""
            self._throttled_activity()
        elif isinstance(event, ev.FileSaved):
            path = Path(event.path)
            self._say("success", t("web.saved", self.conv.lang, name=path.name))
            if path.suffix.lower() in VIDEO_SUFFIXES and self.allowed(path):
                self.export = path
            self.refresh()
        elif isinstance(event, ev.MediaUploaded | ev.Timeline):
            self.refresh()
        elif isinstance(event, ev.TurnEnd):
            self.busy = False
            self.status = ""
            self._flush_reply()
            self.turn_ended_at = time.monotonic()
            self._activity()
            self.refresh()

    def _flush_reply(self) -> None:
        if self._reply.strip():
            self._say("agent", self._reply.strip())
        self._reply = ""

    def _say(self, who: str, text: str) -> None:
        self.log.append({"who": who, "text": text[:2000]})
        self._activity()

    # -- what a page gets -------------------------------------------------------------------
    def allowed(self, path: Path) -> bool:
        """Only files inside the chat's output folder are served from it."""
        try:
            return path.resolve().is_relative_to(self.out_dir)
        except OSError:
            return False

    def state_message(self) -> dict[str, Any]:
        export = None
        if self.export is not None and self.export.is_file():
            export = {
                "name": self.export.name,
                "size": self.export.stat().st_size,
                "url": f"/files/export?v={self.version}",
            }
        return {
            "version": self.version,
            "view": self.view,
            "export": export,
            # The hook for the preview (agent/core/preview.py, not merged yet): when the core
            # reports a preview MP4 and its contact sheet, serve them like the export (a route
            # per file, checked against the preview cache) and put their URLs here as
            # {"video": ..., "sheet": ...}; the page shows the sheet beside the player.
            "preview": None,
        }

    def activity_message(self) -> dict[str, Any]:
        return {"busy": self.busy, "status": self.status, "log": list(self.log)}

    def _frame(self, name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    def _publish(self, frame: str) -> None:
        for queue in list(self._subs):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:  # a stalled page: close its stream, it reconnects
                self._subs.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.get_nowait()
                    queue.put_nowait(None)

    def _activity(self) -> None:
        self._last_activity = time.monotonic()
        self._publish(self._frame("activity", self.activity_message()))

    def _throttled_activity(self) -> None:
        """Progress comes many times a second: the page needs a few of them."""
        if time.monotonic() - self._last_activity >= 0.25:
            self._activity()

    # -- refreshing the state ---------------------------------------------------------------
    def refresh(self) -> None:
        """Read the state again soon (once, however many events ask while it runs)."""
        if self.closed:
            return
        if self._refresh is not None and not self._refresh.done():
            self._again = True
            return
        try:
            self._refresh = asyncio.get_running_loop().create_task(self._read())
        except RuntimeError:  # no loop (an event from another thread): skip
            return

    async def _read(self) -> None:
        while True:
            self._again = False
            try:
                snapshot = await self.conv.workspace()
            except Exception:
                log.debug("workspace snapshot failed", exc_info=True)
                snapshot = None
            if snapshot is not None:
                self.view = snapshot.view.model_dump(mode="json")
                self.photos = dict(snapshot.photos)
                self.version += 1
                self._publish(self._frame("state", self.state_message()))
            if not self._again or self.closed:
                return

    # -- pages ------------------------------------------------------------------------------
    async def stream(self) -> Any:
        """One page's SSE stream: the current state and activity, then every change."""
        queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=_QUEUE)
        self._subs.add(queue)
        try:
            yield "retry: 1000\n\n"
            yield self._frame("state", self.state_message())
            yield self._frame("activity", self.activity_message())
            while True:
                try:
                    frame = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if frame is None:
                    return
                yield frame
        finally:
            self._subs.discard(queue)

    def send(self, text: str) -> bool:
        """A message from the page, handled after whatever turn runs now; True if one runs."""
        waiting = self.busy
        task = asyncio.get_running_loop().create_task(self._handle(text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return waiting

    async def _handle(self, text: str) -> None:
        try:
            await self.conv.handle(text, source="web")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.debug("workspace message failed", exc_info=True)

    async def aclose(self) -> None:
        self.closed = True
        for queue in list(self._subs):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        tasks = [t for t in (self._refresh, *self._tasks) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
