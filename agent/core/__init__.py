"""The conversation core: routes each message to a handler or the backend, emits typed events.

It never prints: the terminal renders its events, a transcript stores them, tests assert on
them (see agent/events.py). The public face is imported lazily: `agent.core.language` is
needed before the first prompt, the conversation (the wire, pydantic, httpx) only after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .commands import COMMANDS
    from .conversation import Conversation, load_handlers
    from .language import starting_language
    from .settings import ChatSettings
    from .workspace import WorkspaceSnapshot, WorkspaceView

__all__ = [
    "COMMANDS",
    "ChatSettings",
    "Conversation",
    "WorkspaceSnapshot",
    "WorkspaceView",
    "load_handlers",
    "starting_language",
]

_HOMES = {
    "COMMANDS": "commands",
    "ChatSettings": "settings",
    "Conversation": "conversation",
    "load_handlers": "conversation",
    "starting_language": "language",
    "WorkspaceSnapshot": "workspace",
    "WorkspaceView": "workspace",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
