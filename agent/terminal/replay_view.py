"""`nemo-chat replay FILE`: the recorded session drawn again, the way it looked.

The replayed events go to the terminal's own renderer (rich on a terminal, plain text in a
pipe), which is settled when a turn ends, as the chat does before its prompt. What runs the
replay is handed in by the composition root: this module knows events, not transcripts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from agent.messages import t
from agent.terminal.untrusted import clean

if TYPE_CHECKING:
    from agent.events import Event
    from agent.terminal.sink import Renderer


class ReplayOutcome(Protocol):
    @property
    def problem(self) -> str | None: ...

    @property
    def ok(self) -> bool: ...


Show = Callable[["Event"], None]


def replay_renderer(out: TextIO, lang: str) -> Renderer:
    """The terminal's own renderer, so a replay looks the way the session did."""
    if out.isatty():
        from rich.console import Console

        from agent.terminal.rich_renderer import RichRenderer

        return RichRenderer(Console(file=out), lang)
    from agent.terminal.plain_renderer import PlainRenderer

    return PlainRenderer(out, lang)


def shown_by(renderer: Renderer) -> Show:
    """Feed the renderer; settle it when a turn ends (as the terminal does before its prompt)."""

    def show(event: Event) -> None:
        renderer.handle(event)
        if event.kind == "turn_end":
            renderer.settle()

    return show


def watch(
    run: Callable[[Show], Coroutine[Any, Any, ReplayOutcome]],
    *,
    out: TextIO,
    lang: str,
    file: str,
    path: str,
    created: str,
    version: str,
    speed: float,
) -> int:
    """Show one replay (`file` its name, `path` where it is); 0 when it went as recorded,
    1 when it differed or could not finish."""
    # the header's fields come from the transcript file: outside text like any other
    print(clean(t("transcripts.replay.header", lang, file=file, created=created,
                  version=version, speed=f"{speed:g}")), file=out)
    renderer = replay_renderer(out, lang)
    result = asyncio.run(run(shown_by(renderer)))
    renderer.settle()
    if result.problem is not None:
        print(t(f"transcripts.check.{result.problem}", lang), file=out)
        return 1
    print(t("transcripts.replay.done", lang), file=out)
    if not result.ok:
        print(clean(t("transcripts.replay.differs", lang, file=path)), file=out)
        return 1
    return 0
