"""What a local backend instance is configured with.

One pydantic model so that `python -m backend`, `nemo-chat --local` and the test fixture all
build the same thing; defaults are the ones a person running it offline wants (15 s
heartbeats like sse-starlette, a few seconds of "generation" so the progress is visible),
tests pass tiny values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def default_data_dir() -> Path:
    """The platform's user data folder (e.g. ~/.local/share/nemo-backend on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("nemo-backend", appauthor=False))


def default_render_workers() -> int:
    """Two renders at once on a 2-core machine, up to 4 on bigger ones.

    x264 already spreads one render over both cores, so two side by side finish the pair in
    about the time of one after the other; what a second worker buys is that a long render of
    one session does not hold every other session's export behind it. Each 1080p render
    holds about 0.5 GB, which is what bounds the count on a small machine.
    """
    return max(2, min(4, (os.cpu_count() or 2) // 2))


class BackendSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    # the editing agent behind /run_sse
    event_family: Literal["adk", "typed"] = "adk"
    no_text_ratio: float = Field(default=0.3, ge=0.0, le=1.0)
    seed: int | None = None
    generation_seconds: float = Field(default=3.0, ge=0.0)
    heartbeat_interval: float = Field(default=15.0, gt=0.0)
    chunk_delay: float = Field(default=0.02, ge=0.0)  # pause between partial text chunks
    # credits
    initial_credits: int = Field(default=100, ge=0)
    edit_cost: int = Field(default=1, ge=0)
    generation_cost: int = Field(default=5, ge=0)
    # tokens
    token_days: float = Field(default=7.0, gt=0)
    tokens_per_ip: int | None = None  # the service allows ~10 per IP per 7 days; off locally
    # the service's one-token-per-client-id-per-7-days rule (HTTP 429). `nemo-chat --local`
    # turns it off: offline there is nothing to protect, and a person who cleared their config
    # folder would otherwise be locked out of their own machine's backend for a week.
    one_token_per_client: bool = True
    # uploads
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    url_fetch_timeout: float = Field(default=15.0, gt=0)  # URL uploads: connect, then each read
    # render jobs
    render_max_height: int | None = None
    render_fps: int | None = None
    require_attribution_for_export: bool = True
    draft_quality: bool = True  # renders (and advertises) `output.quality: draft` previews
    analyse_uploads: bool = True  # find each uploaded photo's subject at once (backend/analysis.py)
    resume_jobs: bool = True  # after a restart: resume interrupted jobs (else mark them failed)
    render_workers: int = Field(default_factory=default_render_workers, ge=1, le=16)
    # what one export may ask for, checked when it is submitted and again before it starts
    # (see backend/limits.py; `python -m backend --help` lists them)
    max_render_seconds: float = Field(default=1800.0, gt=0)
    max_render_segments: int = Field(default=500, ge=1)
    max_render_side: int = Field(default=4096, ge=16)  # pixels, the longer side of the frame
    max_render_fps: int = Field(default=60, ge=1)
    max_text_chars: int = Field(default=500, ge=1)  # per title or caption
    max_render_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_queued_renders: int = Field(default=5, ge=1)  # per session, waiting or running
    # the /_nemo fault hooks: off unless asked for, and then only with the run's token
    test_hooks: bool = False
    test_hooks_token: str | None = Field(default=None, min_length=16, repr=False)

    @classmethod
    def for_tests(cls, data_dir: Path, **overrides: object) -> BackendSettings:
        """Fast, deterministic settings: tiny waits, small renders, every edit answered."""
        values: dict[str, object] = {
            "data_dir": data_dir,
            "no_text_ratio": 0.0,
            "seed": 1234,
            "generation_seconds": 0.05,
            "heartbeat_interval": 0.05,
            "chunk_delay": 0.0,
            "render_max_height": 180,
            "render_fps": 10,
        }
        values.update(overrides)
        return cls.model_validate(values)
