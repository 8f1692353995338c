"""How the conversation behaves: language, where videos go, and how patient it is.

The defaults are the skill document's (30-s render polls, a "still working" line every two
minutes, broken-stream checks at 30 s then every 60 s, five times); tests pass tiny values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ChatSettings"]


class ChatSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    lang: Literal["en", "zh", "zh-Hant"] | None = None  # --lang: fixed; None: the messages decide
    locale_lang: Literal["en", "zh", "zh-Hant"] = "en"  # ours until a message shows theirs
    out_dir: Path = Field(default_factory=Path.cwd)
    poll_interval: float = Field(30.0, gt=0)  # NEMO_POLL_INTERVAL
    first_poll: float = Field(2.0, gt=0)  # then doubling up to poll_interval: quick renders show quickly
    render_timeout: float = Field(900.0, gt=0)  # then stop waiting; the job keeps running
    still_working_every: float = Field(120.0, gt=0)
    broken_stream_first_check: float = Field(30.0, ge=0)
    broken_stream_every: float = Field(60.0, ge=0)
    broken_stream_checks: int = Field(5, ge=1)
    # a render that has not moved for this long is said to look stuck
    render_stuck_after: float = Field(300.0, gt=0)
    # while following a render, the service may be out of reach this long (a restart, a
    # dropped connection) before the export gives up: as long as a dropped stream is waited for
    reconnect_window: float = Field(270.0, ge=0)
    progress_tick: float = Field(1.0, gt=0)  # elapsed-time updates between render polls (the bar's clock)
    resume: bool = False

    @classmethod
    def from_env(cls, **overrides: Any) -> ChatSettings:
        """NEMO_POLL_INTERVAL, NEMO_RECONNECT_WINDOW and NEMO_OUTPUT_DIR (read here only), then explicit overrides
        (CLI flags win)."""
        values: dict[str, Any] = {}
        poll = os.environ.get("NEMO_POLL_INTERVAL", "").strip()
        if poll:
            try:
                if float(poll) > 0:
                    values["poll_interval"] = float(poll)
            except ValueError:
                pass
        window = os.environ.get("NEMO_RECONNECT_WINDOW", "").strip()
        if window:
            try:
                if float(window) >= 0:
                    values["reconnect_window"] = float(window)
            except ValueError:
                pass
        out = os.environ.get("NEMO_OUTPUT_DIR", "").strip()
        if out:
            values["out_dir"] = Path(out).expanduser()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def make_out_dir(self) -> None:
        """Create the folder videos are saved in: the one place that does (at start, to
        report a folder that cannot be made before any work, and again before a download
        in case it was removed meanwhile). Raises OSError."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
