"""Our own words, in English and Chinese, kept as data.

Every `<area>.<lang>.json` file in this folder is a flat object of message key → text with
`{placeholders}`. Several files per language let separate parts of the app keep their own
tables. A key missing in one language falls back to English, and a missing key shows itself
as the key (a bug to fix, never a crash).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib import resources
from typing import Literal

Lang = Literal["en", "zh", "zh-Hant"]
LANGS: tuple[Lang, ...] = ("en", "zh", "zh-Hant")


@cache
def table(lang: str) -> dict[str, str]:
    if lang == "zh-Hant":  # the Chinese messages, in Traditional characters (see hant.json)
        return {key: to_hant(text) for key, text in table("zh").items()}
    merged: dict[str, str] = {}
    folder = resources.files(__package__)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = entry.name
        if name.endswith(f".{lang}.json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()
            ):
                raise ValueError(f"{name}: expected an object of strings")
            merged.update(data)
    return merged


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled."""
    text = table(lang).get(key) or table("en").get(key) or key
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return text


def lang_of(text: str) -> Literal["en", "zh"]:
    """The language of a person's message: any CJK ideograph makes it Chinese."""
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            return "zh"
    return "en"


@cache
def _hant() -> tuple[dict[str, str], re.Pattern[str] | None, dict[int, str], frozenset[str]]:
    data = json.loads(resources.files(__package__).joinpath("hant.json").read_text(encoding="utf-8"))
    phrases: dict[str, str] = data["phrases"]
    pairs: str = data["chars"]
    chars = {ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}
    words = sorted(phrases, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, words))) if words else None
    return phrases, pattern, chars, frozenset(data["traditional"])


def to_hant(text: str) -> str:
    """`text` (Simplified) in Traditional characters: phrases first (回复 回覆), then characters."""
    phrases, pattern, chars, _ = _hant()
    if pattern is not None:
        text = pattern.sub(lambda m: phrases[m.group(0)], text)
    return text.translate(chars)


def is_traditional(text: str) -> bool:
    """Written in Traditional characters: at least one character only Traditional writing uses."""
    return not _hant()[3].isdisjoint(text)


_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters running: a word, not "1080p"
_PATHLIKE = re.compile(r"[/\\]|^~|\.[A-Za-z0-9]{2,5}$")


def revealed_lang(text: str) -> Lang | None:
    """The language a message shows, or None when it shows none (a slash command, a path).

    Until a message shows one, our lines stay in the locale's language: a person on a Chinese
    desktop who starts with `/credits` or drops in a photo is not switched to English.
    """
    if lang_of(text) == "zh":
        return "zh-Hant" if is_traditional(text) else "zh"
    if text.lstrip().startswith("/"):
        return None
    words = [w for w in text.split() if not _PATHLIKE.search(w)]
    return "en" if any(_WORD.search(w) for w in words) else None


def locale_lang() -> Lang:
    """The language of the person's locale (LC_ALL, LC_MESSAGES, LANG): zh_* is Chinese."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").lower()
        if value:
            if not value.startswith("zh"):
                return "en"
            # zh_TW, zh_HK, zh_MO and zh_Hant* write Traditional characters
            return "zh-Hant" if value[3:5] in ("tw", "hk", "mo") or "hant" in value else "zh"
    return "en"
