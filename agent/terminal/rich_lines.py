"""Markdown laid out by rich as lines, without the padding rich adds on the right.

Shared by the renderer (finished blocks, printed once) and the live region (the unfinished
tail): both print pre-rendered lines, so copying text from the terminal keeps no trailing
spaces and nothing is laid out twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment


def markdown(text: str) -> RenderableType:
    """rich.markdown pulls in markdown-it and pygments (~0.1 s): imported at the first reply,
    not at start-up, so the prompt comes sooner."""
    from rich.markdown import Markdown

    return Markdown(text)


def strip_line(line: list[Segment]) -> list[Segment]:
    """Drop the padding rich adds to the right of a line (copying text keeps no spaces)."""
    out = list(line)
    while out:
        seg = out[-1]
        if seg.control or (seg.style is not None and seg.style.bgcolor is not None):
            break
        stripped = seg.text.rstrip(" ")
        if stripped:
            out[-1] = Segment(stripped, seg.style, seg.control)
            break
        out.pop()
    return out


def is_blank(line: list[Segment]) -> bool:
    """Nothing visible: no text and no background (a code block's padding is visible)."""
    return not any(
        seg.text.strip() or (seg.style is not None and seg.style.bgcolor is not None)
        for seg in line
    )


class Lines:
    """Pre-rendered lines printed as they are (no second layout pass)."""

    def __init__(self, lines: Iterable[list[Segment]]) -> None:
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()
