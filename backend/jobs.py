"""Render jobs: a few workers that turn drafts into MP4s, each render in a child process.

Jobs live in SQLite; what is in memory is only the order (`FairQueue`: round-robin over
sessions). `render_workers` renders run at once (see `settings.default_render_workers`).
Each render runs in `python -m backend.render_child`, so that cancel is a stop within a
second wherever the renderer is (asked on its stdin, killed after `CANCEL_GRACE`), and a
crash or the OOM killer takes the render, not the backend. Once a render has run, one spare
child is kept started, its renderer already imported, waiting on its stdin for the next job
(`_Spares`): Python's start-up and the imports of numpy, OpenCV, PyAV and the renderer delayed
every render (a 30-s draft preview: 1.07 s from a fresh process, 0.81-0.90 s from a spare; a
30-s export 8.5 s against 7.7-7.9 s).

Every start of a job is counted in the store before any work. After a restart, jobs found
`pending` or `processing` are queued again from the start — unless they have already been
started `MAX_ATTEMPTS` times (a render that crashed or was interrupted twice is marked failed
with a reason, not retried at every start forever), or `resume_jobs` is off, or their media
has gone. A job is never lost silently. Limits (backend/limits.py) are checked again just
before a job starts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from backend.draft import ASPECTS, Draft
from backend.envelope import message
from backend.fair_queue import FairQueue
from backend.faults import FaultBoard
from backend.limits import LimitExceeded, check_draft
from backend.render_quality import render_kwargs
from backend.settings import BackendSettings
from backend.store import Store

log = logging.getLogger("backend.jobs")

RESOLUTIONS = {"2160p": 2160, "4k": 2160, "1440p": 1440, "1080p": 1080, "720p": 720,
               "540p": 540, "480p": 480, "360p": 360}
MAX_ATTEMPTS = 2  # starts of one job (a crash or a restart mid-render ends one)
CANCEL_GRACE = 0.5  # seconds a child has to stop on its own before it is killed


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


class _Spares:
    """At most one render child started ahead, waiting for its job (see the module docstring).

    Its stderr goes to a log file of its own, renamed to the job's when the job takes it."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self._lock = threading.Lock()
        self._spare: tuple[subprocess.Popen[bytes], Path] | None = None
        self._closed = False

    @staticmethod
    def _command() -> tuple[list[str], dict[str, str]]:
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        return [sys.executable, "-m", "backend.render_child"], env

    def _spawn(self, log_path: Path) -> subprocess.Popen[bytes]:
        cmd, env = self._command()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as errors:
            return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=errors, env=env,
                                    start_new_session=True)  # Ctrl-C in the terminal is the chat's

    def take(self, log_path: Path) -> subprocess.Popen[bytes]:
        """A child for a job whose stderr goes to `log_path`: the spare if it is alive, else a
        new one. `refill()` when the job is over starts the next spare (started beside the job,
        its imports took CPU from the render: the 30-s draft gained 0.08 s instead of 0.2)."""
        with self._lock:
            spare, self._spare = self._spare, None
        proc = None
        if spare is not None:
            candidate, spare_log = spare
            if candidate.poll() is None:
                with contextlib.suppress(OSError):
                    os.replace(spare_log, log_path)
                    proc = candidate
            if proc is None:
                self._discard(candidate, spare_log)
        if proc is None:
            proc = self._spawn(log_path)
        return proc

    def refill(self) -> None:
        """Start a spare child if there is none (after a render: the next one starts warm)."""
        with self._lock:
            if self._closed or self._spare is not None:
                return
            log_path = self.tmp_dir / f"spare-{time.monotonic_ns()}.log"
            try:
                self._spare = (self._spawn(log_path), log_path)
            except OSError as exc:  # no spare: the next job starts its own child
                log.info("no spare render process (%s)", exc)

    @staticmethod
    def _discard(proc: subprocess.Popen[bytes], log_path: Path) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.close()  # end of file: a waiting child exits on its own
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        log_path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(*spare)


class JobRunner:
    def __init__(self, settings: BackendSettings, store: Store, faults: FaultBoard,
                 renders_dir: Path, uploads_dir: Path) -> None:
        self.settings = settings
        self.store = store
        self.faults = faults
        self.renders_dir = renders_dir
        self.uploads_dir = uploads_dir
        self._queue = FairQueue()
        self._cancel: dict[str, threading.Event] = {}
        self._stuck: dict[str, tuple[int, float]] = {}  # id -> (fault generation, progress)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._spares = _Spares(self.settings.data_dir / "tmp")
        self.last_child_pid: int | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._recover()
        for n in range(self.settings.render_workers):
            thread = threading.Thread(target=self._run, name=f"nemo-render-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for event in list(self._cancel.values()):
            event.set()
        self._queue.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._spares.close()

    def _recover(self) -> None:
        for job in self.store.jobs_with_status("pending", "processing"):
            if not self.settings.resume_jobs:
                self.store.update_job(job["render_id"], status="failed",
                                      error=message("render_interrupted"))
            elif int(job["attempts"] or 0) >= MAX_ATTEMPTS:
                self.store.update_job(job["render_id"], status="failed",
                                      error=message("render_gave_up"))
            else:
                self.store.update_job(job["render_id"], status="pending", progress=0.0)
                self._enqueue(job["render_id"], job["session_id"])

    # -- requests from routes ------------------------------------------------------------------
    def submit(self, render_id: str, session_id: str, *,
               stuck_progress: float | None = None) -> None:
        if stuck_progress is not None:
            self._stuck[render_id] = (self.faults.generation, stuck_progress)
        self._enqueue(render_id, session_id)

    def _enqueue(self, render_id: str, session_id: str) -> None:
        self._cancel[render_id] = threading.Event()
        self._queue.put(session_id, render_id)

    def cancel(self, render_id: str) -> None:
        job = self.store.job(render_id)
        if job is None or job["status"] in ("completed", "failed"):
            return
        event = self._cancel.get(render_id)
        if event is not None:
            event.set()
        if job["status"] == "pending":
            self.store.update_job(render_id, status="failed", error=message("render_cancelled"))

    # -- the workers -----------------------------------------------------------------------------
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
        attempt = self.store.start_job(render_id)  # counted before any work
        self._wait_if_stuck(render_id, cancel)
        if self._stopping.is_set():
            return  # stays "processing": resumed by the next start
        if cancel.is_set():
            self.store.update_job(render_id, status="failed", error=message("render_cancelled"))
            return
        draft = Draft.model_validate(json.loads(job["draft"]))
        frame = output_size(draft.m.aspect, job["resolution"], draft.m.model_dump())
        try:
            check_draft(draft, frame, self.settings)
        except LimitExceeded as exc:
            self.store.update_job(render_id, status="failed", error=str(exc))
            return
        draft.m.width, draft.m.height = frame
        self.renders_dir.mkdir(parents=True, exist_ok=True)
        out = self.renders_dir / f"{render_id}.mp4"
        # a draft-quality job (a preview) is drawn smaller and encoded cheaper: render_quality.py
        quality = render_kwargs(job["resolution"], draft.m.fps,
                                self.settings.render_max_height, self.settings.render_fps)
        spec = {"draft": draft.to_wire(), "out": str(out), "media": self._media(draft, job),
                # subject boxes found in one render's process serve the next (a preview, then
                # its export): render/subject.py
                "analysis_dir": str(self.settings.data_dir / "analysis"), **quality}  # Backend.analysis_dir
        outcome = self._run_child(render_id, spec, cancel)
        if "done" in outcome:
            done = outcome["done"]
            self.store.update_job(render_id, status="completed", progress=100.0,
                                  output=out.name, duration=float(done["duration"]),
                                  size=int(done["size"]), width=int(done["width"]),
                                  height=int(done["height"]))
        elif self._stopping.is_set():
            return  # stays "processing": resumed by the next start (if it has a start left)
        elif "cancelled" in outcome or cancel.is_set():
            self.store.update_job(render_id, status="failed", error=message("render_cancelled"))
        elif "failed" in outcome:
            self.store.update_job(render_id, status="failed", error=str(outcome["failed"])[:300])
        elif attempt < MAX_ATTEMPTS:  # the child died: one more try, from the start
            self.store.update_job(render_id, status="pending", progress=0.0)
            self._enqueue(render_id, str(job["session_id"]))
        else:
            self.store.update_job(render_id, status="failed",
                                  error=message("render_crashed", reason=outcome["crashed"]))

    def _media(self, draft: Draft, job: dict[str, Any]) -> dict[str, str]:
        """The files the draft names that are this session's own uploads (nothing else)."""
        found: dict[str, str] = {}
        for track in draft.t:
            for seg in track.sg:
                if not seg.src or seg.src in found:
                    continue
                row = self.store.media(seg.src)
                if row is not None and row["session_id"] == job["session_id"] \
                        and not row["generated"]:
                    found[seg.src] = str(self.uploads_dir / str(row["stored"]))
        return found

    # -- the child process ---------------------------------------------------------------------
    def _run_child(self, render_id: str, spec: dict[str, Any],
                   cancel: threading.Event) -> dict[str, Any]:
        """Run one render in `backend.render_child`; its last word, or {"crashed": why}."""
        log_path = self.settings.data_dir / "tmp" / f"{render_id}.log"
        outcome: dict[str, Any] = {}
        proc = self._spares.take(log_path)
        self.last_child_pid = proc.pid  # which process rendered (tests: the spare was used)
        assert proc.stdin is not None and proc.stdout is not None
        finished = threading.Event()
        watchdog = threading.Thread(target=self._watchdog, name="render-watchdog",
                                    args=(proc, cancel, finished), daemon=True)
        watchdog.start()
        try:
            with contextlib.suppress(OSError):  # a child that died at once: see below
                proc.stdin.write(json.dumps(spec).encode("utf-8") + b"\n")
                proc.stdin.flush()
            self._read_child(render_id, proc.stdout, outcome)
            code = proc.wait()
        finally:
            finished.set()
            watchdog.join()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.stdout.close()
            if not self._stopping.is_set():
                self._spares.refill()
        out = Path(spec["out"])
        for part in out.parent.glob(f".{out.name}.*.part"):  # a killed child leaves its .part
            part.unlink(missing_ok=True)
        if not outcome:
            tail = log_path.read_bytes()[-2000:].decode("utf-8", "replace")
            log.info("render %s: the render process ended with %s: %s", render_id, code, tail)
            outcome["crashed"] = (f"signal {-code}" if code < 0 else f"exit status {code}")
        log_path.unlink(missing_ok=True)
        return outcome

    def _read_child(self, render_id: str, stdout: IO[bytes], outcome: dict[str, Any]) -> None:
        for raw in stdout:
            try:
                item = json.loads(raw)
            except ValueError:
                continue  # not ours (a library that printed): ignored
            if not isinstance(item, dict):
                continue
            if "progress" in item:
                self.store.update_job(render_id, progress=float(item["progress"]))
            elif item.keys() & {"done", "failed", "cancelled"}:
                outcome.clear()
                outcome.update(item)

    @staticmethod
    def _watchdog(proc: subprocess.Popen[bytes], cancel: threading.Event,
                  finished: threading.Event) -> None:
        """On cancel (or stop): ask the child to stop, and kill it if it has not in time."""
        while not finished.is_set():
            if cancel.wait(0.05):
                break
        else:
            return
        if proc.poll() is not None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.write(b"cancel\n")
            proc.stdin.flush()
        try:
            proc.wait(CANCEL_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
