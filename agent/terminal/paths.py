"""Where nemo-chat keeps its own files: one data folder (history, the local backend's data).

`NEMO_DATA_DIR` overrides the platform's user data folder so tests and people who keep
everything in one place can move it.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "nemo-chat"


def data_dir() -> Path:
    override = os.environ.get("NEMO_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_file() -> Path:
    return data_dir() / "history"


def local_backend_dir() -> Path:
    return data_dir() / "local-backend"
