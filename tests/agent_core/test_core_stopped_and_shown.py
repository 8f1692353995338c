"""Two things that read wrong in a run (issue 17 §4): an edit stopped with Ctrl-C that still
landed on the server, and the same timeline printed twice in a row after a "type status" hint."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agent.events import TextDelta, Timeline

ANIMATE = "turn my photo into a smooth animated video with motion effects"


async def test_after_a_stopped_edit_the_next_message_says_what_really_changed(
    make_chat: Any, photo: Path, tmp_path: Path
) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    slow = start_local_backend(BackendSettings.for_tests(tmp_path / "slow", chunk_delay=0.05))
    try:
        chat = await make_chat(base_url=slow.url)
        assert await chat.say(f"upload {photo}")
        assert await chat.say(ANIMATE)
        task = asyncio.create_task(chat.say('add a title "Hello there"'))
        for _ in range(500):
            await asyncio.sleep(0.005)
            if chat.of(TextDelta):
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        notices = chat.notices()
        assert "Stopped." in notices
        assert any("check what changed before your next message" in n for n in notices)
        await asyncio.sleep(1.0)  # the server finishes the edit it was given
        assert await chat.say("credits")
        said = chat.notices()
        assert said[0] == "The request you stopped still reached the editor. It changed:"
        assert any("Hello there" in n for n in said[1:])
        assert await chat.say("credits")  # said once, not at every message
        assert not any("stopped" in n for n in chat.notices())
    finally:
        slow.stop()


async def test_a_stopped_request_that_changed_nothing_says_so(make_chat: Any, photo: Path,
                                                              ) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    chat.fault(route="run_sse", kind="heartbeats_only", seconds=None)
    task = asyncio.create_task(chat.say("add upbeat music"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    chat.backend.faults.clear()
    assert await chat.say("credits")
    # not "changed nothing": the editor may still be working on it when the next message goes
    assert chat.notices()[0].startswith("So far the request you stopped has not changed the timeline")


async def test_status_right_after_the_hinted_timeline_does_not_print_it_again(
    make_chat: Any, photo: Path
) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)
    assert await chat.say('add a title "Hello"')  # "Type “status” to review…": shown for you
    assert chat.of(Timeline), chat.kinds()
    assert await chat.say("status")
    assert not chat.of(Timeline)
    assert chat.notices() == ["The timeline is as shown just above; nothing changed since."]
    assert await chat.say("credits")
    assert await chat.say("status")  # something else was shown since: the timeline again
    assert chat.of(Timeline)
