"""Opening the workspace from the chat: `--web` (piped: the address on stderr), `/web`, and a
reply that says "open the timeline panel"."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from agent.core.translate import PlannedAction
from agent.events import Notice

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?t=([A-Za-z0-9_-]{22,})")


@pytest.mark.slow
def test_piped_web_prints_the_address_on_stderr_only(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_DATA_DIR=str(tmp_path / "data"),
               NEMO_CACHE_DIR=str(tmp_path / "cache"),
               NEMO_LOCAL_SETTINGS=json.dumps({"generation_seconds": 0.05}))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "agent", "--local", "--web", "--no-browser",
         "--out", str(tmp_path / "out"), "-m", "credits"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = URL.search(done.stderr)
    assert found, done.stderr
    assert "?t=" not in done.stdout  # the token stays off the reply stream
    assert "available" in done.stdout  # and the chat went on as usual
    assert "Traceback" not in done.stderr


async def test_slash_web_opens_the_workspace_once(web_chat: Callable[..., Awaitable[Any]]) -> None:
    chat = await web_chat()
    chat.conv.workspace_opener = None
    assert not await chat.conv.handle("/web")
    assert any(isinstance(e, Notice) and "not available" in e.text for e in chat.events)

    opened: list[int] = []

    async def opener() -> bool:
        opened.append(1)
        return True

    chat.conv.workspace_opener = opener
    assert await chat.conv.handle("/web")
    assert opened == [1]


async def test_the_timeline_panel_phrase_offers_the_workspace(
    web_chat: Callable[..., Awaitable[Any]],
) -> None:
    chat = await web_chat()
    opened: list[int] = []

    async def opener() -> bool:
        opened.append(1)
        return True

    chat.conv.workspace_opener = opener
    from agent.core.translate import StreamTranslator

    for reply in ("Open the timeline panel to review the tracks.", "打开时间线面板查看。"):
        translator = StreamTranslator()
        translator.feed(reply)
        translator.finish()
        (action,) = translator.actions  # what the relay would run after this reply
        await chat.conv._run_action(action)
    await chat.conv._run_action(PlannedAction(kind="credits", rule="en.credits.button"))
    assert opened == [1, 1]  # the panel phrases, not the credits button


async def test_a_message_from_the_page_waits_for_the_turn_running(
    web_chat: Callable[..., Awaitable[Any]],
) -> None:
    from agent.events import TurnEnd, UserMessage

    chat = await web_chat()
    first = asyncio.create_task(chat.conv.handle("what can you do"))
    while not chat.workspace.hub.busy:  # the terminal's turn has begun
        await asyncio.sleep(0.001)
    assert not first.done()
    assert chat.workspace.hub.send("credits") is True  # the page is told it waits
    assert await first
    for _ in range(200):
        if sum(isinstance(e, TurnEnd) for e in chat.events) == 2:
            break
        await asyncio.sleep(0.02)
    order = [e for e in chat.events if isinstance(e, UserMessage | TurnEnd)]
    assert [type(e).__name__ for e in order] == ["UserMessage", "TurnEnd", "UserMessage", "TurnEnd"]
    assert order[2].text == "credits"  # type: ignore[union-attr]
