"""Credits are never a surprise: after a turn that changed the balance, the new balance is
shown (a silent edit too); a turn that cost nothing shows nothing; one request a turn."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ANIMATE = "turn my photo into a smooth animated video with motion effects"
BALANCE = re.compile(r"^Credits: (\d+) left \(was (\d+)\)\.$")


def balance_notices(chat: Any) -> list[tuple[int, int]]:
    found = [BALANCE.match(text) for text in chat.notices()]
    return [(int(m[1]), int(m[2])) for m in found if m]


async def test_a_turn_that_cost_credits_shows_the_balance(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    start = (await chat.client.credits()).available
    await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)
    now = (await chat.client.credits()).available
    assert now < start
    assert balance_notices(chat) == [(now, start)]


async def test_a_silent_edit_shows_the_balance_too(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    await chat.say(ANIMATE)
    before = (await chat.client.credits()).available
    chat.fault(route="run_sse", kind="no_text")
    assert await chat.say('add a title "Urban Dreams"')
    after = (await chat.client.credits()).available
    assert after < before
    assert balance_notices(chat) == [(after, before)]


async def test_a_question_costs_nothing_and_says_nothing_about_credits(
    make_chat: Any, photo: Path
) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    await chat.say(ANIMATE)
    before = (await chat.client.credits()).available
    assert await chat.say("how long is my video now?")
    assert (await chat.client.credits()).available == before
    assert balance_notices(chat) == []


async def test_one_balance_request_a_turn_after_the_first(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    await chat.say(ANIMATE)  # the first turn reads the balance before (beside the state) and after
    assert len(chat.wire.sent("GET", "/api/credits")) == 2
    await chat.say("make each photo 4 seconds")
    assert len(chat.wire.sent("GET", "/api/credits")) == 3
