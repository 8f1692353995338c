"""Our own words, in English and Chinese, kept as data.

Every `<area>.<lang>.json` file in this folder is a flat object of message key → text with
`{placeholders}`. Several files per language let separate parts of the app keep their own
tables. A key missing in one language falls back to English, and a missing key shows itself
as the key (a bug to fix, never a crash).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


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


def lang_of(text: str) -> Lang:
    """The language of a person's message: any CJK ideograph makes it Chinese."""
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            return "zh"
    return "en"
