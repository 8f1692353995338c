"""The local renderer: a draft and its media in, a 1080p H.264/AAC MP4 out.

`render_draft()` plans the timeline to the frame (`plan.py`), mixes the sound in numpy a second at
a time, music set by loudness (`audio.py`, `loudness.py`, `music.py`), draws every frame as I420 planes with float-precision motion
(`pictures.py`, `motion.py`, `text.py`, `compose.py`) and hands them to PyAV's x264 encoder,
in process, the sound compressed beside them (`encoder.py`, `sound_encoder.py`, which says why not the imageio-ffmpeg binary). The MP4 is written to a
hidden `.part` file in the output folder and renamed into place, so a reader never sees half a
file; on failure or cancel the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from backend.draft import Draft, Segment

from .errors import RenderCancelled, RenderError

__all__ = ["RenderCancelled", "RenderError", "RenderResult", "render_draft"]

log = logging.getLogger(__name__)


class RenderResult(BaseModel):
    path: Path
    duration_s: float
    size_bytes: int
    width: int
    height: int
    fps: int
    warnings: list[str] = Field(default_factory=list)  # e.g. no CJK font for Chinese text
    seconds: float = 0.0  # wall time the render took


def _resolver(resolve: Callable[[str], Path]) -> Callable[[Segment], Path]:
    cache: dict[str, Path] = {}

    def resolve_path(seg: Segment) -> Path:
        label = seg.n or seg.id or "a segment"
        if not seg.src:
            raise RenderError(f"{label}: the segment names no media file")
        if seg.src in cache:
            return cache[seg.src]
        try:
            path = Path(resolve(seg.src))
        except Exception as exc:
            raise RenderError(f"{label}: its media ({seg.src}) cannot be found ({exc})") from None
        if not path.is_file():
            raise RenderError(f"{label}: its media file is missing ({seg.src})")
        cache[seg.src] = path
        return path

    return resolve_path


def _check_inputs(draft_plan: object, resolve_path: Callable[[Segment], Path]) -> None:
    """Fail before encoding anything when a file is missing, damaged or of the wrong kind."""
    from backend.media import MediaError, probe

    from .plan import Plan

    assert isinstance(draft_plan, Plan)
    for shot in draft_plan.shots:
        seg = shot.seg
        label = seg.n or seg.id or f"shot {shot.index + 1}"
        try:
            info = probe(resolve_path(seg))
        except MediaError as exc:
            raise RenderError(f"{label}: {exc.reason}") from None
        if info.kind == "audio":
            raise RenderError(f"{label}: is a sound file, not a picture or a clip")
        seg.kind = info.kind  # trust the bytes over the draft's label
    for seg in draft_plan.sounds:
        if seg.gen is not None and not seg.src:
            continue
        label = seg.n or seg.id or "the music"
        try:
            info = probe(resolve_path(seg))
        except MediaError as exc:
            raise RenderError(f"{label}: {exc.reason}") from None
        if info.kind == "image":
            raise RenderError(f"{label}: is a picture, not a sound file")


def render_draft(
    draft: Draft,
    resolve: Callable[[str], Path],
    out_path: Path,
    *,
    max_height: int | None = None,
    fps: int | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    encoder_options: Mapping[str, Any] | None = None,
) -> RenderResult:
    """Render `draft` to `out_path` (MP4). Raises RenderError (RenderCancelled on cancel).

    `encoder_options` go to `Encoder` (`preset`, `crf`): a draft-quality preview is faster."""
    from .audio import build_mix
    from .compose import draw_frames
    from .encoder import Encoder, temp_name
    from .plan import make_plan

    started = time.monotonic()
    out_path = Path(out_path)
    draft = draft.model_copy(deep=True)
    plan = make_plan(draft, max_height=max_height, fps=fps)
    resolve_path = _resolver(resolve)
    _check_inputs(plan, resolve_path)
    if not out_path.parent.is_dir():
        raise RenderError(f"the output folder {out_path.parent} does not exist")

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    def report(pct: float) -> None:
        if progress is not None:
            with contextlib.suppress(Exception):
                progress(pct)

    part = temp_name(out_path)
    warnings: list[str] = []
    encoder: Encoder | None = None
    # the music's loudness is measured on its own thread while the first frames are drawn (numpy
    # releases the GIL); then the encoder mixes and compresses the sound on a thread of its own
    # (sound_encoder.py), beside the picture
    mixer = ThreadPoolExecutor(1, thread_name_prefix="render-mix")
    try:
        report(0.0)
        mix = mixer.submit(build_mix, plan, resolve_path, cancelled)
        c = plan.canvas
        encoder = Encoder(part, c.width, c.height, c.fps, mix, cancel, **(encoder_options or {}))
        draw_frames(plan, resolve_path, encoder, warnings, report, cancel, span=(0.0, 99.0))
        encoder.finish()
        os.replace(part, out_path)
    except RenderError:
        raise
    except OSError as exc:
        raise RenderError(f"the video could not be written ({exc.strerror or exc})") from None
    except Exception as exc:  # a bug, not the person's input: keep the job from hanging
        log.exception("render of %s failed", out_path.name)
        raise RenderError(f"the renderer failed unexpectedly ({type(exc).__name__}: {exc})") from exc
    finally:
        if encoder is not None:
            encoder.close()
        mixer.shutdown(wait=True)  # the mix heeds `cancelled` and ends with the render
        with contextlib.suppress(OSError):
            part.unlink()
    for w in warnings:
        log.warning("render %s: %s", out_path.name, w)
    report(100.0)
    return RenderResult(
        path=out_path,
        duration_s=plan.canvas.duration_s,
        size_bytes=out_path.stat().st_size,
        width=plan.canvas.width,
        height=plan.canvas.height,
        fps=plan.canvas.fps,
        warnings=warnings,
        seconds=round(time.monotonic() - started, 3),
    )
