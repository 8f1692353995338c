"""Line breaking for Chinese and Japanese text in rich.

rich wraps at spaces only: a run of Chinese without spaces is one "word", so a sentence
that follows a space jumps whole to the next line and leaves the line before half empty
(Textualize/rich#2494). In CJK text a line may break between any two characters, except
before closing punctuation (，。）」…) or after opening punctuation (（「…). `install()`
teaches rich's word splitter that rule; Latin words, spaces and everything else wrap as
before. rich looks the splitter up at call time, so replacing it is enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_OPEN = "（「『【《〈〔｛“‘"
_CLOSE = "，。、；：！？）」』】》〉〕｝”’…—～·"
_WORD = re.compile(
    rf"\s*(?:[{_OPEN}]*[{_CJK}][{_CLOSE}]*"  # one CJK character with its punctuation
    rf"|[{_OPEN}]+|[{_CLOSE}]+"  # punctuation on its own
    rf"|[^\s{_CJK}{_OPEN}{_CLOSE}]+[{_CLOSE}]*)\s*"  # anything else, as rich does
)


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, word) for each breakable unit, with the whitespace after it."""
    position = 0
    match = _WORD.match(text, position)
    while match is not None and match.end() > position:
        yield match.start(), match.end(), match.group(0)
        position = match.end()
        match = _WORD.match(text, position)


def install() -> None:
    """Use `words` for every rich wrap in this process (idempotent)."""
    from rich import _wrap

    _wrap.words = words
