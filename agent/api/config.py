"""Settings of the wire: where to connect, who we are, how patient to be.

Read once from the environment (`ApiConfig.from_env`); tests pass tiny timeouts as overrides.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from agent.config_file import config_dir as config_folder

__all__ = ["DEFAULT_API_URL", "DEFAULT_WEB_URL", "SKILL_SOURCE", "ApiConfig", "detect_platform"]

DEFAULT_API_URL = "https://mega-api-prod.nemovideo.ai"
DEFAULT_WEB_URL = "https://nemovideo.com"
SKILL_SOURCE = "best-image-to-video-ai"


def detect_platform(install_path: Path | None = None, home: Path | None = None) -> str:
    """`SKILL_SOURCE` if set; else from where we are installed (clawhub, cursor); else unknown."""
    env = os.environ.get("SKILL_SOURCE", "").strip()
    if env:
        return env
    here = (install_path or Path(__file__)).resolve()
    home = home or Path.home()
    for folder, name in ((home / ".clawhub", "clawhub"), (home / ".cursor" / "skills", "cursor")):
        try:
            here.relative_to(folder.resolve())
        except ValueError:
            continue
        return name
    return "unknown"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


class ApiConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str
    web_url: str
    config_dir: Path
    token: SecretStr | None = None
    client_id: str | None = None
    # a backend on this machine: a client id per address, derived from the stored one (the
    # root sets it for a loopback API, see `Credentials._sent_id`)
    client_id_per_address: bool = False
    platform: str = "unknown"
    rate_limit_wait: float = 30.0  # 429 on the token call
    retry_base: float = 0.5
    retry_cap: float = 8.0
    max_retries: int = 2
    retry_after_cap: float = 60.0  # a longer Retry-After is reported, not waited for
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # ordinary (non-streaming) calls
    sse_idle_timeout: float = 120.0  # no bytes at all
    sse_heartbeat_only_timeout: float = 600.0
    sse_total_timeout: float = 900.0
    sse_max_line: int = 8 * 1024 * 1024
    download_resume_attempts: int = 3

    @classmethod
    def from_env(cls, base_url: str | None = None, **overrides: Any) -> ApiConfig:
        token = _env("NEMO_TOKEN")
        values: dict[str, Any] = {
            "base_url": (base_url or _env("NEMO_API_URL") or DEFAULT_API_URL).rstrip("/"),
            "web_url": (_env("NEMO_WEB_URL") or DEFAULT_WEB_URL).rstrip("/"),
            "config_dir": config_folder(),  # NEMO_CONFIG_DIR, XDG_CONFIG_HOME, ~/.config
            "token": SecretStr(token) if token else None,
            "client_id": _env("NEMO_CLIENT_ID"),
            "platform": detect_platform(),
        }
        values.update(overrides)
        if isinstance(values.get("token"), str):
            values["token"] = SecretStr(values["token"])
        return cls(**values)
