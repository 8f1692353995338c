"""The conversation core: routes each message to a handler or the backend, emits typed events.

It never prints: the terminal renders its events, a transcript stores them, tests assert on
them (see agent/events.py).
"""

from .conversation import Conversation
from .settings import ChatSettings

__all__ = ["ChatSettings", "Conversation"]
