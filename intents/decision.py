"""The router's answer: a small immutable record, cheap to import (no pydantic, no dataclasses)."""

from __future__ import annotations

from typing import NamedTuple

LOCAL_ROUTES = ("export", "credits", "state", "upload", "subtitles", "preview", "open")
ROUTES = (*LOCAL_ROUTES, "sse")


class Decision(NamedTuple):
    """Where one message goes, and why.

    ``route`` is one of ``ROUTES``; ``skip_sse`` is True for the local routes (the seed's
    table); ``paths`` holds media paths/URLs unquoted and unescaped, in order; ``remainder``
    is the instruction left once the paths are taken out ("" when nothing but the paths and
    filler was said). ``evidence`` is the human-readable account that ``/why`` prints;
    ``rule`` is its machine-readable name (an addition to the shared interface) so tests and
    tools can check *why* without parsing prose. ``also`` names further local routes the same
    message asks for, run after ``route``: "export the video and subtitles" is ``export`` with
    ``also=("subtitles",)``.
    """

    route: str
    confidence: float
    evidence: str
    paths: list[str]
    remainder: str
    skip_sse: bool
    rule: str = ""
    also: tuple[str, ...] = ()
