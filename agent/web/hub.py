"""The workspace's view of the chat: events in, page updates out over SSE.

The hub is a consumer of the core's events (it sits in the sink beside the renderer and the
recorder). What the conversation says becomes a short activity log; the end of every turn
(silent edits included), an upload or a saved file asks the conversation for a fresh
`WorkspaceSnapshot`, read between turns from the same typed state the chat shows, and every
open page gets it at once. No page polls: each holds one SSE stream, fed from a queue here.

The player plays whichever is newer, the latest preview or the latest export, with its contact
sheet. Those files live in the preview cache folder, shared with other chats: only the files a
`PreviewReady` of this very session named (and that really are inside that folder) are served,
each under a random id the page gets in its state, never a path a request names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agent.messages import t
from agent.preview.cache import ENTRY

if TYPE_CHECKING:
    from agent.core import WorkspaceSnapshot
    from agent.events import Event, PreviewReady

__all__ = ["Hub", "WorkspaceConversation"]

log = logging.getLogger("agent.web")

_LOG_LINES = 40
_QUEUE = 64  # a page that falls this far behind gets the latest state on reconnect instead
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm")
CACHE_TYPES = {".png": "image/png", ".mp4": "video/mp4"}  # a preview's sheet and its video


class WorkspaceConversation(Protocol):
    """What the workspace needs of `agent.core.Conversation`."""

    @property
    def lang(self) -> str: ...

    async def handle(self, text: str, *, source: str = ...) -> bool: ...

    async def workspace(self) -> WorkspaceSnapshot | None: ...


class Hub:
    def __init__(self, conv: WorkspaceConversation, out_dir: Path,
                 preview_dir: Path | None = None) -> None:
        self.conv = conv
        self.out_dir = out_dir.resolve()
        self.preview_dir = preview_dir.resolve() if preview_dir is not None else None
        self.version = 0
        self.view: dict[str, Any] | None = None
        self.photos: dict[str, Path] = {}
        self.export: Path | None = None
        self.export_at = 0  # which came last, the export or the preview: `_seq` when it came
        self.export_sheet: Path | None = None
        self.preview: dict[str, Any] | None = None  # {"video", "sheet", "duration", "draft", "at"}
        self.files: dict[str, Path] = {}  # random id -> a cache file this session's events named
        self._seq = 0
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
                self.export_sheet = None  # its own sheet follows (a PreviewReady without video)
                self._seq += 1
                self.export_at = self._seq
                self._keep_files()
            self.refresh()
        elif isinstance(event, ev.PreviewReady):
            self._on_preview(event)
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

    def _on_preview(self, event: PreviewReady) -> None:
        sheet = self._cache_path(event.sheet)
        if event.video is None:  # the export's own sheet, made after it was saved
            if self.export is not None and sheet is not None:
                self.export_sheet = sheet
        else:
            video = self._cache_path(event.video)
            if video is None:
                return
            self._seq += 1
            self.preview = {"video": video, "sheet": sheet, "duration": event.duration,
                            "draft": _quality(video) != "high", "at": self._seq}
            self._say("success", t("web.preview_ready", self.conv.lang))
        self._keep_files()

    def _cache_path(self, name: str) -> Path | None:
        """A file the core named, if it really is a sheet or video inside the preview cache."""
        if self.preview_dir is None:
            return None
        try:
            path = Path(name).resolve()
            inside = path.is_relative_to(self.preview_dir) and path.is_file()
        except (OSError, ValueError):
            return None
        return path if inside and path.suffix.lower() in CACHE_TYPES else None

    def _keep_files(self) -> None:
        """Ids for the files the state shows now; older ones stop being served."""
        wanted = [self.export_sheet]
        if self.preview is not None:
            wanted += [self.preview["video"], self.preview["sheet"]]
        known = {path: key for key, path in self.files.items()}
        self.files = {known.get(path) or secrets.token_urlsafe(16): path
                      for path in wanted if path is not None}

    def cache_file(self, key: str) -> Path | None:
        """The file behind an id the page was given, or None (never served: a 403)."""
        path = self.files.get(key)
        if path is None or self.preview_dir is None:
            return None
        try:  # still where it was, and still inside the cache (not swapped for a link)
            return path if path.resolve().is_relative_to(self.preview_dir) else None
        except OSError:
            return None

    def _file_url(self, path: Path | None) -> str | None:
        if path is None:
            return None
        key = next((k for k, p in self.files.items() if p == path), None)
        return f"/files/cache/{key}" if key is not None else None

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
        export: dict[str, Any] | None = None
        if self.export is not None and self.export.is_file():
            export = {
                "name": self.export.name,
                "size": self.export.stat().st_size,
                "url": f"/files/export?v={self.export_at}",
                "sheet": self._file_url(self.export_sheet),
                "at": self.export_at,
            }
        preview: dict[str, Any] | None = None
        if self.preview is not None and self.preview["video"].is_file():
            preview = {
                "url": self._file_url(self.preview["video"]),
                "sheet": self._file_url(self.preview["sheet"]),
                "duration": self.preview["duration"],
                "draft": self.preview["draft"],
                "at": self.preview["at"],
            }
        # the player plays whichever came last
        player = None
        if export is not None or preview is not None:
            player = "preview" if export is None or (
                preview is not None and preview["at"] > export["at"]) else "export"
        return {
            "version": self.version,
            "view": self.view,
            "export": export,
            "preview": preview,
            "player": player,
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


def _quality(video: Path) -> str | None:
    """The render quality the preview cache noted beside the video ("draft" or "high")."""
    try:
        meta = json.loads((video.parent / ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    quality = meta.get("quality") if isinstance(meta, dict) else None
    return quality if isinstance(quality, str) else None
