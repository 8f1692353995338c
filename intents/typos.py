"""Keyword typos by a transposition-aware edit distance (rapidfuzz's OSA).

rapidfuzz costs ~40 ms to import, so it is imported on the first typo check only: most
messages never get here (they contain a keyword, or are long, or have no candidate word).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _osa() -> Any:
    from rapidfuzz.distance import OSA

    return OSA


def closest_keyword(word: str, targets: dict[str, str]) -> str | None:
    """The one keyword at most one edit (or swap of neighbours) from ``word``, if exactly one."""
    if not 4 <= len(word) <= 12:
        return None
    osa = _osa()
    near = [t for t in targets if abs(len(t) - len(word)) <= 1 and osa.distance(word, t, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else None
