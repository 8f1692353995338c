"""The one Simplified/Traditional detector the agent and the local backend share."""

from __future__ import annotations

import pytest

from intents.script import is_traditional, script_of


@pytest.mark.parametrize(("text", "script"), [
    ("导出", "hans"),
    ("匯出", "hant"),
    ("動效已改為縮小", "hant"),
    ("动效已改为缩小", "hans"),
    ("把我的照片做成影片", None),  # nothing here is written differently: cannot tell
    ("上傳 ~/Pictures/beach.jpg，做成影片", "hant"),
    ("台北的后院里", None),  # 台 后 里 are Traditional characters too, not evidence
    ("加一個標題「城市之梦」", "hant"),  # one slip of the IME does not outvote the rest
    ("export 1080p", None),
    ("", None),
])
def test_a_text_shows_its_script_or_none(text: str, script: str | None) -> None:
    assert script_of(text) == script
    assert is_traditional(text) is (script == "hant")


def test_the_editor_reply_seen_in_issue_17_reads_as_simplified() -> None:
    # the local editor answered this inside a Traditional conversation: the detector must
    # call it Simplified, so a check on a whole session catches it
    assert script_of("动效已改为缩小") == "hans"
    assert script_of("動效已改為縮小") == "hant"
