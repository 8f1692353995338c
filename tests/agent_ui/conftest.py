"""A scripted stand-in for the conversation core (interfaces §6), for the terminal's tests.

Each message maps to a list of events and a result; a message "slow…" streams until it is
cancelled, like a reply interrupted with Ctrl-C. It records what happened in `log`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from agent import events as ev


class FakeConversation:
    def __init__(self, sink: Callable[[Any], None], *, start_ok: bool = True) -> None:
        self.sink = sink
        self.start_ok = start_ok
        self.pending_render: str | None = None
        self.lang = "en"  # the core settles it; a Chinese message below switches it
        self.log: list[str] = []
        self.closed = False

    async def start(self) -> bool:
        self.sink(ev.Status(text="Connecting..."))
        self.sink(ev.StatusClear())
        if self.start_ok:
            self.sink(ev.Ready(greeting="Ready.", examples=["make a video"]))
        else:
            self.sink(
                ev.Error(
                    code="unreachable",
                    message="Cannot reach the service.",
                    hint="Try nemo-chat --local.",
                )
            )
        return self.start_ok

    async def handle(self, text: str) -> bool:
        self.log.append(f"handle:{text}")
        self.sink(ev.UserMessage(text=text))
        if text == "/quit":
            self.sink(ev.QuitRequested())
            return True
        if text.startswith("fail"):
            self.sink(ev.Error(code="x", message="That failed.", hint="Try again."))
            self.sink(ev.TurnEnd(ok=False))
            return False
        if text.startswith("crash"):
            raise RuntimeError("boom with nmv_usr_SECRET123 inside")
        if text.startswith("slow"):
            try:
                for i in range(1000):
                    self.sink(ev.TextDelta(text=f"word{i} "))
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                self.log.append("cancelled")
                self.sink(ev.Notice(text="Stopped."))
                raise
            return True
        if text.startswith("渲染"):
            self.lang = "zh"
        if text.startswith(("render", "渲染")):
            self.pending_render = "render_1"
            self.sink(ev.Notice(text="Rendering started."))
            return True
        for word in f"You said: {text}".split(" "):
            self.sink(ev.TextDelta(text=word + " "))
            await asyncio.sleep(0)
        self.sink(ev.TextDone())
        self.sink(ev.TurnEnd(ok=True))
        return True

    async def wait_background(self) -> None:
        self.log.append("wait_background")
        await asyncio.sleep(0)

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def fake_conversation() -> type[FakeConversation]:
    return FakeConversation
