"""Which Chinese script a text is written in: Simplified, Traditional, or cannot tell.

The one detector for the whole project: the agent uses it to answer in the script the person
writes, and the local backend (which may import ``intents`` but never ``agent``) uses it for
its editor's replies, so the two never disagree within one conversation.

The evidence is characters only one script writes (``data/script.json``, generated from
OpenCC's character tables by ``tools/gen_hant.py``): 這 说 are evidence, 台 后 里 are not
(Traditional writing uses them too). The script with more evidence wins; a text with none,
or as much of each, tells nothing (``None``), and the caller keeps what it knew. Pure: no
I/O beyond reading the package's own data file once.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = ["Script", "is_traditional", "script_of"]

Script = Literal["hans", "hant"]
_DATA = Path(__file__).parent / "data" / "script.json"


@cache
def _evidence() -> tuple[frozenset[str], frozenset[str]]:
    """(characters only Simplified writes, characters only Traditional writes)."""
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    return frozenset(data["simplified_only"]), frozenset(data["traditional_only"])


def script_of(text: str) -> Script | None:
    """"hans" or "hant" when the text shows its script, else None (no Chinese, or a tie)."""
    if text.isascii():
        return None
    simplified, traditional = _evidence()
    hans = hant = 0
    for ch in text:
        if ch in simplified:
            hans += 1
        elif ch in traditional:
            hant += 1
    if hant > hans:
        return "hant"
    if hans > hant:
        return "hans"
    return None


def is_traditional(text: str) -> bool:
    """True when the text is written in Traditional characters (more evidence than Simplified)."""
    return script_of(text) == "hant"
