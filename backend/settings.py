"""What a local backend instance is configured with.

One pydantic model so that `python -m backend`, `nemo-chat --local` and the test fixture all
build the same thing; defaults are the ones a person running it offline wants (15 s
heartbeats like sse-starlette, a few seconds of "generation" so the progress is visible),
tests pass tiny values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def default_data_dir() -> Path:
    """The platform's user data folder (e.g. ~/.local/share/nemo-backend on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("nemo-backend", appauthor=False))


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
    # render jobs
    render_max_height: int | None = None
    render_fps: int | None = None
    require_attribution_for_export: bool = True
    draft_quality: bool = True  # renders (and advertises) `output.quality: draft` previews
    resume_jobs: bool = True  # after a restart: resume interrupted jobs (else mark them failed)

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
