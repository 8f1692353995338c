"""The agent's voice: which language a message is in, and a template said in it.

Replies are written once in English and Simplified Chinese (replies.json); Traditional Chinese
is the Simplified text with Taiwan wording put in first (视频 → 影片, 积分 → 點數) and then the
character map, so a message typed in 繁體 is answered in 繁體.
"""

from __future__ import annotations

import random
import re
from typing import Any

from backend.editor.vocab import replies
from intents.script import script_of

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# English counts: "1 photo(s)" / "1 photos" read "1 photo", "3 photo(s)" reads "3 photos"
_ONE = re.compile(r"\b1 (photo|clip|credit|segment|track)(?:\(s\)|s)(?!\w)")
_MANY = re.compile(r"\b(\w+)\(s\)")


def detect_language(text: str, session_language: str = "en") -> str:
    """"en", "zh-Hans" or "zh-Hant": the script of the message wins over the session's."""
    session_hant = session_language.lower() in ("zh-tw", "zh-hk", "zh-hant")
    if _CJK.search(text):
        # the one detector the chat uses too (intents/script.py); a message whose characters
        # are the same in both scripts keeps the session's
        script = script_of(text)
        if script is None:
            return "zh-Hant" if session_hant else "zh-Hans"
        return "zh-Hant" if script == "hant" else "zh-Hans"
    if not re.search(r"[A-Za-z]", text) and session_language.lower().startswith("zh"):
        return "zh-Hant" if session_hant else "zh-Hans"
    return "en"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


_FULL_STOPS = "。！？；：）」』”"


class Speaker:
    def __init__(self, language: str, rng: random.Random) -> None:
        self.language = language
        self.rng = rng
        data = replies()
        self.table = data.en if language == "en" else data.zh_hans
        self.names = data.names["en" if language == "en" else "zh-Hans"]
        self.hant = data.hant if language == "zh-Hant" else None
        self.hant_words = data.hant_words

    def name(self, value: Any) -> Any:
        """A display name (motion, position, style…) in the person's language and script; any
        other text (a file name, a person's words) as it is."""
        return self.to_script(self.names[value]) if isinstance(value, str) and value in self.names else value

    def to_script(self, text: str) -> str:
        """Simplified text as the person reads it (Traditional with Taiwan words when they write it)."""
        if not self.hant:
            return text
        for simplified, taiwan in self.hant_words.items():
            text = text.replace(simplified, taiwan)
        return text.translate({ord(k): v for k, v in self.hant.items()})

    def say(self, key: str, **fields: Any) -> str:
        template = self.rng.choice(self.table[key])
        shown = {k: (f"{v:g}" if isinstance(v, float) else self.name(v)) for k, v in fields.items()}
        text = self.to_script(template).format_map(_Blank(shown))
        if self.language == "en":
            text = _MANY.sub(r"\1s", _ONE.sub(r"1 \1", text))
        return text

    def join(self, sentences: list[str]) -> str:
        """Sentences as one reply: Chinese runs on after its full-width stops ("…加到最后。总时长…"),
        where a space would show as a gap; English takes a space."""
        out = ""
        for s in (x.strip() for x in sentences):
            if s:
                out += s if not out or (self.language != "en" and out[-1] in _FULL_STOPS) else " " + s
        return out

    def listing(self, items: list[str]) -> str:
        """Names as the language lists them: "a.jpg, b.jpg", "a.jpg、b.jpg" ("—" for none)."""
        return (", " if self.language == "en" else "、").join(items) or "—"

    def raw(self, key: str, **fields: Any) -> str:
        """A template whose fields are kept as given: a person's words are never converted."""
        template = self.rng.choice(self.table[key])
        return self.to_script(template).format_map(_Blank(fields))


def secs(ms: int | float | None) -> str:
    """3000 → "3", 3500 → "3.5": how a time reads in a reply."""
    return f"{round((ms or 0) / 1000, 2):g}"
