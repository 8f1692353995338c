"""Open a video in the system's player without waiting for it.

`xdg-open` (Linux and the BSDs), `open` (macOS), `start` (Windows, through `os.startfile`).
The player is started in its own session with no terminal attached (its chatter cannot land
in the chat, Ctrl-C in the chat does not reach it) and a daemon thread reaps it when it ends,
so the chat goes on at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["PlayerError", "PlayerMissing", "launch", "player_command"]


class PlayerMissing(Exception):
    """No opener program on this system; `tool` names the one looked for."""

    def __init__(self, tool: str) -> None:
        super().__init__(tool)
        self.tool = tool


class PlayerError(Exception):
    """The opener exists but could not be started."""


def player_command(path: Path, platform: str | None = None) -> list[str] | None:
    """The command that opens `path` with the default application (None on Windows)."""
    platform = platform or sys.platform
    if platform == "darwin":
        return ["open", str(path)]
    if platform.startswith("win"):
        return None  # os.startfile
    return ["xdg-open", str(path)]


def launch(path: Path, platform: str | None = None) -> str:
    """Start the player on `path` and return at once; the tool's name. PlayerMissing/Error."""
    platform = platform or sys.platform
    command = player_command(path, platform)
    if command is None:
        starter = getattr(os, "startfile", None)
        if starter is None:
            raise PlayerMissing("start")
        try:
            starter(str(path))
        except OSError as exc:
            raise PlayerError(exc.strerror or str(exc)) from None
        return "start"
    tool = command[0]
    found = shutil.which(tool)
    if found is None:
        raise PlayerMissing(tool)
    try:
        proc = subprocess.Popen(
            [found, *command[1:]],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise PlayerError(exc.strerror or str(exc)) from None

    def reap() -> None:
        with contextlib.suppress(Exception):
            proc.wait()

    threading.Thread(target=reap, name="nemo-player", daemon=True).start()
    return tool
