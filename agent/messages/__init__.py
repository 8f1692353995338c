"""Our own words, in English and Chinese, kept as data.

Every `<area>.<lang>.json` file in this folder is a flat object of message key → text with
`{placeholders}`. Several files per language let separate parts of the app keep their own
tables. The `<area>.zh-Hant.json` files are generated from the `<area>.zh.json` ones by
`tools/gen_hant.py` (OpenCC, Taiwan wording; a test fails when they are stale): edit the
Simplified text, then run the tool. A key missing in one language falls back to English, and
a missing key shows itself as the key (a bug to fix, never a crash).
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


def tn(key: str, count: int, lang: str = "en", /, **values: object) -> str:
    """The message `key` for `count` things, `{count}` filled: "1 link", "3 links".

    `key` holds the general form ("{count} links"); `key.one`, where a language has one, the
    form for exactly one ("{count} link"). Chinese has no plural forms, so its tables need
    only `key`.
    """
    if count == 1 and f"{key}.one" in table(lang):
        key = f"{key}.one"
    return t(key, lang, count=count, **values)


def lang_of(text: str) -> Literal["en", "zh"]:
    """The language of a person's message: any CJK ideograph makes it Chinese."""
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            return "zh"
    return "en"


_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters running: a word, not "1080p"
_PATHLIKE = re.compile(r"[/\\]|^~|\.[A-Za-z0-9]{2,5}$")


def revealed_lang(text: str) -> Lang | None:
    """The language a message shows, or None when it shows none (a slash command, a path).

    Until a message shows one, our lines stay in the locale's language: a person on a Chinese
    desktop who starts with `/credits` or drops in a photo is not switched to English.
    """
    if lang_of(text) == "zh":
        from intents.script import is_traditional  # the one detector, shared with the backend

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
