"""The conversation core: routes each message to a handler or the backend, emits typed events.

It never prints: the terminal renders its events, a transcript stores them, tests assert on
them (see agent/events.py). The public face is imported lazily: `agent.core.language` is
needed before the first prompt, the conversation (the wire, pydantic, httpx) only after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch_item import IMAGE_EXTENSIONS, ItemResult, check_batch_credits, run_batch_item
    from .commands import COMMANDS
    from .conversation import Conversation, load_handlers
    from .language import starting_language
    from .settings import ChatSettings
    from .workspace import WorkspaceSnapshot, WorkspaceView

__all__ = [
    "COMMANDS",
    "IMAGE_EXTENSIONS",
    "ChatSettings",
    "Conversation",
    "ItemResult",
    "WorkspaceSnapshot",
    "WorkspaceView",
    "check_batch_credits",
    "load_handlers",
    "run_batch_item",
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
    "IMAGE_EXTENSIONS": "batch_item",
    "ItemResult": "batch_item",
    "run_batch_item": "batch_item",
    "check_batch_credits": "batch_item",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
