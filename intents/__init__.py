"""Route a chat message to a local handler or to the backend's agent.

``route(text)`` is pure and deterministic. Importing this package is cheap: the vocabulary
(``intents/data/*.json``, validated by pydantic) is loaded on the first call, or ahead of
time with ``intents.load()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intents.decision import LOCAL_ROUTES, ROUTES, Decision
from intents.router import route

if TYPE_CHECKING:
    from intents.lexicon import Lexicon

__all__ = ["LOCAL_ROUTES", "ROUTES", "Decision", "load", "route"]


def load() -> Lexicon:
    """Load and validate the vocabulary now (otherwise the first ``route`` call does it)."""
    from intents.lexicon import lexicon

    return lexicon()
