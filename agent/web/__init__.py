"""The workspace: a local web page of the timeline and the player, live beside the chat.

A consumer of the core's events like the terminal and the transcript: it never calls the
wire. The root (`agent/assemble.py`) starts it with `start_workspace` (`--web`, `/web`);
the page is served by this process on 127.0.0.1 behind a per-run token (`guard.py`),
updated over SSE after every turn (`hub.py`), and its buttons and message box go through
the same conversation as the terminal, one turn at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Workspace, start_workspace

__all__ = ["Workspace", "start_workspace"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
