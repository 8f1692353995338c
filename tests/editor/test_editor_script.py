"""The local editor answers in the script it was written to, decided by the chat's own detector."""

from __future__ import annotations

import pytest

from agent.messages import revealed_lang
from backend.editor.speak import detect_language


@pytest.mark.parametrize(("text", "expected"), [
    ("動效改成縮小", "zh-Hant"),
    ("动效改成缩小", "zh-Hans"),
    ("第二張照片放久一點", "zh-Hant"),
    ("把标题放到底部", "zh-Hans"),
    ("轉場改成淡入淡出", "zh-Hant"),
    ("make it slower", "en"),
])
def test_the_editor_and_the_chat_read_the_same_script(text: str, expected: str) -> None:
    assert detect_language(text) == expected
    chat = {"zh-Hant": "zh-Hant", "zh": "zh-Hans", "en": "en"}[revealed_lang(text) or "en"]
    assert chat == expected


def test_characters_common_to_both_scripts_keep_the_session_script() -> None:
    # "加入" is written the same in both scripts: the conversation's script decides
    assert detect_language("加入", "zh-Hant") == "zh-Hant"
    assert detect_language("加入", "zh-CN") == "zh-Hans"


@pytest.mark.parametrize(("count", "said"), [(1, "I animated 1 photo with"), (3, "I animated 3 photos with")])
def test_english_replies_count_photos_in_the_singular_and_plural(count: int, said: str) -> None:
    import random

    from backend.editor.speak import Speaker

    reply = Speaker("en", random.Random(1)).say("animate", count=count, motion="zoom in")
    assert said in reply and "(s)" not in reply
