"""Render jobs: a worker thread that turns a draft into an MP4 with `backend.render`.

One worker (the machine may have two cores, and x264 uses both). Jobs live in SQLite; the
queue in memory is only the order. After a restart, jobs found `pending` or `processing`
are queued again from the start (or marked failed with a reason when `resume_jobs` is off,
or when their media has gone), so a job is never lost silently. The renderer is imported
when the first job runs: if it cannot be imported the job fails with that reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from backend.draft import ASPECTS, Draft
from backend.envelope import message
from backend.faults import FaultBoard
from backend.render_quality import render_kwargs
from backend.settings import BackendSettings
from backend.store import Store

log = logging.getLogger("backend.jobs")

RESOLUTIONS = {"2160p": 2160, "4k": 2160, "1440p": 1440, "1080p": 1080, "720p": 720,
               "540p": 540, "480p": 480, "360p": 360}


def output_size(aspect: str, resolution: str | None, meta: dict[str, Any]) -> tuple[int, int]:
    """Frame size from the draft's aspect and the requested resolution (short side)."""
    base_w, base_h = ASPECTS.get(aspect, ASPECTS["16:9"])
    short = RESOLUTIONS.get((resolution or "").lower())
    if short is None:
        w, h = int(meta.get("width") or base_w), int(meta.get("height") or base_h)
        if (w >= h) == (base_w >= base_h) and w > 0 and h > 0:
            return w - w % 2, h - h % 2
        short = min(base_w, base_h)
    if base_w == base_h:
        return short, short
    long = round(short * max(base_w, base_h) / min(base_w, base_h))
    long -= long % 2
    return (long, short) if base_w > base_h else (short, long)


class JobRunner:
    def __init__(self, settings: BackendSettings, store: Store, faults: FaultBoard,
                 renders_dir: Path, uploads_dir: Path) -> None:
        self.settings = settings
        self.store = store
        self.faults = faults
        self.renders_dir = renders_dir
        self.uploads_dir = uploads_dir
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._cancel: dict[str, threading.Event] = {}
        self._stuck: dict[str, tuple[int, float]] = {}  # id -> (fault generation, progress)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._recover()
        self._thread = threading.Thread(target=self._run, name="nemo-render", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for event in list(self._cancel.values()):
            event.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _recover(self) -> None:
        for job in self.store.jobs_with_status("pending", "processing"):
            if self.settings.resume_jobs:
                self.store.update_job(job["render_id"], status="pending", progress=0.0)
                self._enqueue(job["render_id"])
            else:
                self.store.update_job(job["render_id"], status="failed",
                                      error=message("render_interrupted"))

    # -- requests from routes ------------------------------------------------------------------
    def submit(self, render_id: str, *, stuck_progress: float | None = None) -> None:
        if stuck_progress is not None:
            self._stuck[render_id] = (self.faults.generation, stuck_progress)
        self._enqueue(render_id)

    def _enqueue(self, render_id: str) -> None:
        self._cancel[render_id] = threading.Event()
        self._queue.put(render_id)

    def cancel(self, render_id: str) -> None:
        job = self.store.job(render_id)
        if job is None or job["status"] in ("completed", "failed"):
            return
        event = self._cancel.get(render_id)
        if event is not None:
            event.set()
        if job["status"] == "pending":
            self.store.update_job(render_id, status="failed", error=message("render_cancelled"))

    # -- the worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            render_id = self._queue.get()
            if render_id is None:
                return
            try:
                self._render(render_id)
            except Exception as exc:  # the worker must survive anything a job does
                log.info("render %s failed unexpectedly: %r", render_id, exc, exc_info=True)
                self.store.update_job(render_id, status="failed", error=str(exc)[:300])
            finally:
                self._cancel.pop(render_id, None)
                self._stuck.pop(render_id, None)

    def _wait_if_stuck(self, render_id: str, cancel: threading.Event) -> None:
        if render_id not in self._stuck:
            return
        generation, progress = self._stuck[render_id]
        self.store.update_job(render_id, status="processing", progress=progress)
        while (self.faults.generation == generation and not cancel.is_set()
               and not self._stopping.is_set()):
            time.sleep(0.05)

    def _render(self, render_id: str) -> None:
        job = self.store.job(render_id)
        if job is None or job["status"] != "pending":
            return
        cancel = self._cancel.setdefault(render_id, threading.Event())
        self.store.update_job(render_id, status="processing", progress=0.0)
        self._wait_if_stuck(render_id, cancel)
        if self._stopping.is_set():
            return  # stays "processing": resumed by the next start
        if cancel.is_set():
            self.store.update_job(render_id, status="failed", error=message("render_cancelled"))
            return
        try:
            from backend.render import RenderCancelled, RenderError, render_draft
        except Exception as exc:
            self.store.update_job(render_id, status="failed",
                                  error=message("render_unavailable", reason=str(exc)[:200]))
            return
        draft = Draft.model_validate(json.loads(job["draft"]))
        width, height = output_size(draft.m.aspect, job["resolution"], draft.m.model_dump())
        draft.m.width, draft.m.height = width, height
        out = self.renders_dir / f"{render_id}.mp4"
        self.renders_dir.mkdir(parents=True, exist_ok=True)
        last = [0.0]

        def progress(pct: float) -> None:
            pct = max(0.0, min(99.0, float(pct)))
            if pct - last[0] >= 1.0:
                last[0] = pct
                self.store.update_job(render_id, progress=round(pct, 1))

        def resolve(src: str) -> Path:
            row = self.store.media(src)
            if row is None or row["session_id"] != job["session_id"] or row["generated"]:
                raise FileNotFoundError(f"media {src} is not part of this session")
            return self.uploads_dir / str(row["stored"])

        try:
            quality = render_kwargs(job["resolution"], draft.m.fps,
                                    self.settings.render_max_height, self.settings.render_fps)
            result = render_draft(draft, resolve, out, progress=progress, cancel=cancel,
                                  **quality)
        except RenderCancelled:
            with contextlib.suppress(OSError):
                out.unlink(missing_ok=True)
            if not self._stopping.is_set():
                self.store.update_job(render_id, status="failed",
                                      error=message("render_cancelled"))
            return
        except RenderError as exc:
            self.store.update_job(render_id, status="failed",
                                  error=str(getattr(exc, "reason", exc))[:300])
            return
        self.store.update_job(render_id, status="completed", progress=100.0, output=out.name,
                              duration=float(result.duration_s), size=int(result.size_bytes),
                              width=int(result.width), height=int(result.height))
