"""Where events go: the renderer for this output (rich or plain), then the recorder.

One sink is handed to the conversation core; it renders each event and feeds the
transcript recorder, and notices the two things the loop must know: `/quit`, and a reader
of our stdout that went away (`nemo-chat … | head`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agent.events import Event


class Renderer(Protocol):
    lang: str
    idle: bool

    def handle(self, event: Event) -> None: ...

    def settle(self) -> None: ...

    def note(self, text: str, style: str = ...) -> None: ...


def make_renderer(*, rich: bool, lang: str, debug: bool) -> Renderer:
    if rich:
        from rich.console import Console

        from agent.terminal.rich_renderer import RichRenderer

        # force_terminal: under patch_stdout sys.stdout is a proxy that is not a tty
        console = Console(force_terminal=True, highlight=False, soft_wrap=False)
        return RichRenderer(console, lang, debug=debug)
    from agent.terminal.plain_renderer import PlainRenderer

    return PlainRenderer(sys.stdout, lang, debug=debug)


class Sink:
    """The one event sink handed to the core: renderer first, then the recorder."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.extra: list[Callable[[Any], None]] = []
        self.quit = False
        self.output_closed = False
        self._language: Callable[[], str] | None = None

    def follow_language(self, language: Callable[[], str]) -> None:
        """Our own lines use the conversation's language (the core settles it) from now on."""
        self._language = language
        self.renderer.lang = language()

    def __call__(self, event: Event) -> None:
        if self._language is not None:
            self.renderer.lang = self._language()
        if event.kind == "quit":
            self.quit = True
        if not self.output_closed:
            try:
                self.renderer.handle(event)
            except BrokenPipeError:
                # the reader of our stdout went away (`| head`): stop writing, keep quiet
                self.output_closed = True
                with contextlib.suppress(OSError):
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
        for extra in self.extra:
            extra(event)
