"""Where nemo-chat keeps its own files: one data folder (history, the local backend's data).

`NEMO_DATA_DIR` overrides the platform's user data folder so tests and people who keep
everything in one place can move it. The folder is private (0700) and so are the files we make
in it (0600): the history holds what the person typed, the local backend's data their tokens.
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


def private_data_dir() -> Path:
    """The data folder, made if missing and kept 0700 (an older run may have made it 0755)."""
    folder = data_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)  # nemo-chat's own folder, not one of the person's
    return folder


def private_file(path: Path) -> Path:
    """`path` (in our data folder) created 0600 if missing, made 0600 if it was not."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


def history_file() -> Path:
    return data_dir() / "history"


def local_backend_dir() -> Path:
    return data_dir() / "local-backend"
