"""The render qualities this backend offers: `high` (the export) and `draft` (a quick preview).

The contract's export request carries `output.quality` ("high" is the only value it shows).
This backend also accepts `"draft"`: the same composition and the same motion, drawn smaller
(height ≤ 360), at a lower frame rate that divides the draft's own (30 → 15, 24 → 12) so every
draft frame falls on an export frame and shows exactly what the export shows at that moment,
and encoded with a cheaper x264 setting. The state reply advertises it (`data.render`), so a
client asks for a draft only from a backend that said it renders one; the service never sees
the value. A backend started with `draft_quality=False` behaves like the service: no advert,
and a `"draft"` request is rendered at full quality.

The jobs table keeps the request in its `resolution` column: a draft job is stored as `draft`
(no schema change, and a restarted backend resumes it at the same quality).
"""

from __future__ import annotations

from typing import Any

DRAFT = "draft"
HIGH = "high"
DRAFT_MAX_HEIGHT = 360
DRAFT_MAX_FPS = 15
DRAFT_MIN_FPS = 8  # below this a preview stutters: take the cap instead of an exact divisor
# Why 360 lines and CRF 26 (measured on the bench's 30-s timeline, bench/bench_preview.py, on a
# shared 2-core machine): at 540p15 the draft took 0.17-0.19 of the export's time (x264 is most
# of it; the music mix, AAC and photo decoding add ~0.5 CPU-s whatever the size); at 360p15
# 0.12-0.14. CRF 26 instead of the export's 20 takes another ~20 % off x264 (fewer bits to
# code); ultrafast (no CABAC) was no faster on these frames and wrote files 3x larger.
# The sound: AAC at 24 kHz, 48 kb/s. FFmpeg's AAC encoder took 0.77 CPU-s per 30 s of the bench's
# music at the export's 48 kHz / 160 kb/s, more than x264 spends on the 360p frames, and the
# sound became the draft's critical path; at 24 kHz: 0.49 s at 96 kb/s, 0.42 at 64, 0.14 at 48
# (its quantiser search ends sooner at a lower target; white noise: 0.22 / 0.16 / 0.14 / 0.12).
# A 24-kHz track keeps everything below ~11 kHz: enough to judge the music and its level.
# the draft's sound: at 24 kHz / 48 kb/s FFmpeg's "fast" AAC coder takes 0.14 CPU-s per 30 s
# of the bench's music against twoloop's 0.25 (at the export's 48 kHz it is the other way round)
DRAFT_ENCODER: dict[str, Any] = {"preset": "veryfast", "crf": 26, "audio_rate": 24000,
                                 "audio_bitrate": 48_000, "audio_coder": "fast"}


def advertised(enabled: bool) -> dict[str, Any] | None:
    """What the state reply says about render qualities (None: say nothing, like the service)."""
    if not enabled:
        return None
    return {"qualities": [HIGH, DRAFT],
            "draft": {"max_height": DRAFT_MAX_HEIGHT, "max_fps": DRAFT_MAX_FPS}}


def requested(output: object, enabled: bool) -> str | None:
    """The `resolution` column value for a submit's `output`: `draft`, or its resolution."""
    if not isinstance(output, dict):
        return None
    if enabled and output.get("quality") == DRAFT:
        return DRAFT
    wanted = output.get("resolution")
    return wanted if isinstance(wanted, str) else None


def draft_fps(export_fps: int) -> int:
    """The largest rate ≤ 15 that divides the export's, so draft frames are export frames."""
    export_fps = max(1, int(export_fps))
    if export_fps <= DRAFT_MAX_FPS:
        return export_fps
    for rate in range(DRAFT_MAX_FPS, DRAFT_MIN_FPS - 1, -1):
        if export_fps % rate == 0:
            return rate
    return DRAFT_MAX_FPS


def render_kwargs(stored: str | None, draft_fps_of: int, max_height: int | None,
                  fps: int | None) -> dict[str, Any]:
    """`render_draft` keywords for a job: the backend's caps, tightened for a draft."""
    if stored != DRAFT:
        return {"max_height": max_height, "fps": fps}
    export_fps = fps or draft_fps_of or 30
    height = DRAFT_MAX_HEIGHT if max_height is None else min(max_height, DRAFT_MAX_HEIGHT)
    return {"max_height": height, "fps": draft_fps(export_fps),
            "encoder_options": dict(DRAFT_ENCODER)}
