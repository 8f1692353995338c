"""The person's language, settled here and nowhere else.

`--lang` fixes it. Otherwise it starts as the first `-m` message's language, else the
locale's, and follows the first message that shows one (a slash command or a bare path
shows none); a resumed Chinese session speaks Chinese until then. The conversation owns
one `Language`; the composition root asks `starting_language` what the terminal's first
lines use, and the terminal follows the conversation's `lang` from then on.

This module imports only the message tables, so the first prompt does not wait for it.
"""

from __future__ import annotations

from agent.messages import LANGS, Lang, locale_lang, revealed_lang

__all__ = ["Language", "session_language", "starting_language"]


def starting_language(fixed: str | None, first_message: str | None = None) -> Lang:
    """What our lines use before the person has written anything."""
    if fixed in LANGS:
        return fixed
    revealed = revealed_lang(first_message) if first_message else None
    return revealed or locale_lang()


def session_language(lang: str) -> str:
    """The language a backend session is created in ("zh-CN" or "en")."""
    return "zh-CN" if lang.startswith("zh") else "en"


class Language:
    """The current language and whether the person has shown theirs yet."""

    def __init__(self, fixed: str | None, start: str) -> None:
        self.current: str = fixed or start
        self.known = fixed is not None  # --lang, or a message that showed one

    def hear(self, text: str) -> None:
        """A message from the person: the first one that shows a language settles it."""
        if self.known:
            return
        revealed = revealed_lang(text)
        if revealed is not None:
            self.current = revealed
            self.known = True

    def resumed(self, session_lang: str | None) -> None:
        """A resumed session was in Chinese: speak Chinese until a message says otherwise."""
        if not self.known and session_lang == "zh-CN":
            self.current = "zh"
