"""`python -m backend.render_child`: one render job, in a process of its own.

Why a process and not a thread of the backend: a thread cannot be stopped from outside. A
cancel reached the frame loop at once, but a render busy decoding a 30-minute sound track or
mixing it ran on for 40 s after the person cancelled, and a crash in native code (x264, the C
resampler) or the kernel's OOM killer took the whole backend, and `nemo-chat --local` with it.
A child is asked to stop (a line on its stdin), and killed if it has not within the grace
period; its memory goes back to the system when it ends.

Protocol (JSON lines). stdin: the job (`ChildJob`), then any line, or end of file, means
cancel — so a child whose backend died stops on its own. stdout: `{"progress": p}` lines,
then exactly one of `{"done": {...}}`, `{"failed": reason}`, `{"cancelled": true}`.
Logs and warnings go to stderr, which the backend keeps out of the terminal.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel


class ChildJob(BaseModel):
    draft: dict[str, Any]
    out: Path
    media: dict[str, Path]  # media id -> file: only the session's own uploads
    max_height: int | None = None
    fps: int | None = None
    encoder_options: dict[str, Any] | None = None  # a draft-quality job's cheaper x264 settings
    analysis_dir: Path | None = None  # where photo analyses (subject boxes) outlive the process


def _emit(**item: Any) -> None:
    sys.stdout.write(json.dumps(item) + "\n")
    sys.stdout.flush()


def _watch_stdin(cancel: threading.Event) -> None:
    sys.stdin.buffer.readline()  # a line or end of file: stop
    cancel.set()


def run(job: ChildJob, cancel: threading.Event) -> None:
    try:
        from backend.draft import Draft
        from backend.render import RenderCancelled, RenderError, render_draft
        from backend.render.subject import use_disk_cache
    except Exception as exc:
        from backend.envelope import message

        _emit(failed=message("render_unavailable", reason=str(exc)[:200]))
        return
    use_disk_cache(job.analysis_dir)
    last = [0.0]

    def progress(pct: float) -> None:
        pct = max(0.0, min(99.0, float(pct)))
        if pct - last[0] >= 1.0:
            last[0] = pct
            _emit(progress=round(pct, 1))

    def resolve(src: str) -> Path:
        if src not in job.media:
            raise FileNotFoundError(f"media {src} is not part of this session")
        return job.media[src]

    try:
        result = render_draft(Draft.model_validate(job.draft), resolve, job.out,
                              max_height=job.max_height, fps=job.fps, progress=progress,
                              cancel=cancel, encoder_options=job.encoder_options)
    except RenderCancelled:
        _emit(cancelled=True)
        return
    except RenderError as exc:
        if cancel.is_set():  # whatever broke while stopping, the person asked for a stop
            _emit(cancelled=True)
        else:
            _emit(failed=str(getattr(exc, "reason", exc))[:300])
        return
    _emit(done={"duration": float(result.duration_s), "size": int(result.size_bytes),
                "width": int(result.width), "height": int(result.height)})


def _preload() -> None:
    """Import the renderer and its libraries before the job arrives: a spare child (see
    backend/jobs.py) does this while it waits, so a job starts drawing at once. A failure here
    is reported by `run`, with the job."""
    try:
        import av  # noqa: F401
        import cv2  # noqa: F401
        from PIL import Image  # noqa: F401

        import backend.render.audio
        import backend.render.compose
        import backend.render.encoder
        import backend.render.sound_encoder  # noqa: F401
        from backend.render import render_draft  # noqa: F401
    except Exception:
        pass


def main() -> int:
    import logging
    import os

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s: %(name)s: %(message)s")
    _preload()
    line = sys.stdin.buffer.readline()
    if not line.strip():  # a spare that was never given a job: nothing to do
        return 0
    job = ChildJob.model_validate_json(line)
    cancel = threading.Event()
    threading.Thread(target=_watch_stdin, args=(cancel,), daemon=True).start()
    run(job, cancel)
    sys.stdout.flush()
    os._exit(0)  # do not wait for the renderer's helper threads to wind down


if __name__ == "__main__":
    sys.exit(main())
