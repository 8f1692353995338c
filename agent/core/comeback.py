"""Coming back: the one line that says the last project is still there, and how to open it.

Starting without `--resume` opens a new, empty project; when the last one had photos or a
timeline, the person hears so in their language ("your last project (3 photos, 11 s) is
still there: `nemo-chat --resume`") instead of wondering where their work went.
"""

from __future__ import annotations

from agent.api import SessionState
from agent.messages import t, tn

from .segment_words import seconds_text

__all__ = ["comeback_line"]


def comeback_line(state: SessionState, lang: str) -> str:
    """The line for a last project, or "" when it holds nothing worth coming back to."""
    photos = sum(1 for item in state.uploaded if item.file_type in ("image", ""))
    end = state.draft.end if state.draft is not None else None
    if not photos and not end:
        return ""
    facts = []
    if photos:
        facts.append(tn("status.photos", photos, lang))
    if end:
        facts.append(seconds_text(end, lang))
    return t("status.comeback", lang, facts=t("status.facts_join", lang).join(facts))
