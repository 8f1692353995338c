"""Coming back: starting without --resume says, in one line, that the last project is still
there, and --resume still opens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.events import Timeline

ANIMATE = "turn my photo into a smooth animated video with motion effects"


async def test_the_last_project_is_named_and_resume_still_opens_it(
    make_chat: Any, photo: Path
) -> None:
    first = await make_chat()
    assert await first.say(f"upload {photo}")
    assert await first.say(ANIMATE)
    again = await make_chat()
    line = "Your last project (1 photo, 3 s) is still there: `nemo-chat --resume` opens it again."
    assert again.notices() == [line]
    assert again.client.session_id != first.client.session_id
    back = await make_chat(resume=True)  # the new project was never used: the last one stays last
    assert back.client.session_id == first.client.session_id
    assert await back.say("status")
    assert back.of(Timeline)[0].tracks[0][1] == "beach.png"


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "你上次的项目（1 张照片，3 秒）还在：用 `nemo-chat --resume` 可以接着做。"),
        ("zh-Hant", "你上次的專案（1 張照片，3 秒）還在：用 `nemo-chat --resume` 可以接著做。"),
    ],
)
async def test_the_line_is_in_the_persons_language(
    make_chat: Any, photo: Path, lang: str, line: str
) -> None:
    first = await make_chat(lang=lang)
    assert await first.say(f"上傳 {photo}" if lang == "zh-Hant" else f"上传 {photo}")
    assert await first.say("把照片做成動畫影片" if lang == "zh-Hant" else "把照片做成动画视频")
    again = await make_chat(lang=lang)
    assert line in again.notices()


async def test_nothing_is_said_without_a_last_project_or_when_it_was_empty(
    make_chat: Any,
) -> None:
    first = await make_chat()
    assert first.notices() == []
    again = await make_chat()  # the last session exists but holds nothing
    assert again.notices() == []


async def test_a_used_new_project_becomes_the_last_one(make_chat: Any, photo: Path) -> None:
    first = await make_chat()
    assert await first.say(f"upload {photo}")
    second = await make_chat()
    assert await second.say("status")
    back = await make_chat(resume=True)
    assert back.client.session_id == second.client.session_id
